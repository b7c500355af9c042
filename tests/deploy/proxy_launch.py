"""Runs the deployment's proxy (deploy/proxy/nginx.conf, Debian's nginx) on
loopback for a test: the config's listen address, upstream and /tmp
directory are substituted (each must be found, so a test follows the file),
and other text replacements can be asked for (a measurement that lifts a
limit)."""
import os
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROXY_CONF = os.path.join(ROOT, "deploy", "proxy", "nginx.conf")


def status_kib(pid, field):
    """A /proc/PID/status figure in KiB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def substitute(text, old, new, count=None):
    hits = text.count(old)
    assert hits > 0 and (count is None or hits == count), "%r found %d times in %s" % (old, hits, PROXY_CONF)
    return text.replace(old, new)


class Nginx:
    def __init__(self, nginx_bin, listen_port, upstream_port, workdir, replace=()):
        """Starts nginx listening on 127.0.0.1:listen_port, in front of
        127.0.0.1:upstream_port, writing under workdir; `replace`: further
        (old, new) text replacements, each of which must hit."""
        with open(PROXY_CONF) as f:
            conf = f.read()
        for old, new in replace:
            conf = substitute(conf, old, new)
        conf = substitute(conf, "listen 0.0.0.0:8051 http2;", "listen 127.0.0.1:%d http2;" % listen_port, 1)
        conf = substitute(conf, "server 127.0.0.1:50051;", "server 127.0.0.1:%d;" % upstream_port, 1)
        conf = substitute(conf, "/tmp/", workdir + "/")
        path = os.path.join(workdir, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        self.log = open(os.path.join(workdir, "nginx.log"), "w+")
        self.proc = subprocess.Popen([nginx_bin, "-c", path, "-e", "stderr"], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", listen_port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    output = self.output()
                    self.stop()
                    raise RuntimeError("nginx did not start:\n" + output)
                time.sleep(0.05)

    def rss_mib(self):
        """VmRSS of the master and its workers together (shared pages counted in each)."""
        children = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout
        return sum(status_kib(int(pid), "VmRSS") for pid in [self.proc.pid, *children.split()]) / 1024

    def output(self):
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
