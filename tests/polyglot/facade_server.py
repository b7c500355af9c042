"""Starts awsfacade-server on a loopback port for a test, and stops it."""
import collections
import os
import re
import select
import subprocess
import threading
import time


class FacadeServer:
    def __init__(self, binary, *args, **popen_args):
        self.proc = subprocess.Popen(
            [binary, "--listen=127.0.0.1:0", *args],
            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, **popen_args)
        self.port = None
        buf = b""
        deadline = time.time() + 30
        while time.time() < deadline and self.port is None:
            ready, _, _ = select.select([self.proc.stderr], [], [], 0.5)
            if ready:
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                buf += chunk
                m = re.search(rb"listening on port (\d+)", buf)
                if m:
                    self.port = int(m.group(1))
        if self.port is None:
            self.proc.kill()
            raise RuntimeError("server did not start: " + buf.decode(errors="replace"))
        self.address = "127.0.0.1:%d" % self.port
        self.startup_log = buf.decode(errors="replace")  # what it said before serving
        # Keep reading stderr (the server logs a line per call): a pipe
        # nobody drains fills up and the server's log lines are dropped.
        self.log_tail = collections.deque(maxlen=200)
        self._drain = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drain.start()

    def _drain_stderr(self):
        for line in iter(self.proc.stderr.readline, b""):
            self.log_tail.append(line)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._drain.join(timeout=5)  # EOF once the server (the pipe's writer) is gone
        self.proc.stderr.close()
        return self.proc.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
