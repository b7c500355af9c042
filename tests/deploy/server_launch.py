"""Runs awsfacade-server with an exact argv and environment (as a container
would), collects its stderr on a thread, and learns the port from its
"listening on port N" line."""
import re
import subprocess
import threading
import time

LISTENING = re.compile(r"listening on port (\d+)")


class Server:
    def __init__(self, argv, env, cwd="/", start_timeout=30):
        self.argv = argv
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.port = None
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._ready.wait(start_timeout) or self.port is None:
            self.kill()
            raise RuntimeError("server did not start: %s\n%s" % (argv, self.log()))

    def _read(self):
        for line in self.proc.stderr:
            self.lines.append(line)
            m = LISTENING.search(line)
            if m and self.port is None:
                self.port = int(m.group(1))
                self._ready.set()
        self._ready.set()  # EOF: the process ended

    def log(self):
        return "".join(self.lines)

    def terminate_and_time(self, limit):
        """SIGTERM; returns (exit code or None if still running after limit, seconds)."""
        start = time.monotonic()
        self.proc.terminate()
        try:
            code = self.proc.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            code = None
        return code, time.monotonic() - start

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self._reader.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
