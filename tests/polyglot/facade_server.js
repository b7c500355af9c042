// Starts awsfacade-server for a Node test and resolves once it announces its
// port(s). Shared by the Node tests (tests/polyglot, tests/integration).
'use strict';

const { spawn } = require('node:child_process');

// `args` are the server's flags after --listen=127.0.0.1:0. Resolves with
// { proc, port, match }, `match` being `pattern`'s match on the start line
// (default: the gRPC port).
function startServer(bin, args = [], pattern = /listening on port (\d+)/) {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, ['--listen=127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('server did not start in 30 s: ' + stderr));
    }, 30000);
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = pattern.exec(stderr);
      if (m) {
        clearTimeout(timer);
        proc.stderr.removeAllListeners('data');
        proc.stderr.resume();  // keep draining
        resolve({ proc, port: Number(/listening on port (\d+)/.exec(stderr)[1]), match: m });
      }
    });
    proc.on('error', (err) => { clearTimeout(timer); reject(err); });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}): ${stderr}`)); });
  });
}

module.exports = { startServer };
