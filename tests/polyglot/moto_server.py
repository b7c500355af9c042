"""Starts `PYTHON -m moto.server` on a free loopback port, waits until it
answers, and stops it.

Standard library only, and moto is never imported here: the tests and
benchmarks import this module both from Debian's /usr/bin/python3 (grpcio,
no moto) and from the image's python3 (moto and boto3, no grpcio). The
Python given to start() is the one that must have moto.
"""
import socket
import subprocess
import time

HOST = "127.0.0.1"
REGION = "us-east-1"


def free_port():
    """A loopback port free right now (it may be taken before it is bound)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def endpoint(port):
    """The HTTP endpoint of a moto server on loopback port `port`."""
    return "http://%s:%d" % (HOST, port)


def boto3_client_args(endpoint_url, region=REGION):
    """Keyword arguments for boto3.client(...) against a moto endpoint."""
    return dict(endpoint_url=endpoint_url, region_name=region,
                aws_access_key_id="testing", aws_secret_access_key="testing")


def stop(proc):
    """SIGTERM a process (if still running), SIGKILL it after 20 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start(python, stderr=subprocess.PIPE, timeout=30, attempts=3):
    """`python -m moto.server` on a free loopback port, answering TCP
    connections: returns (process, port). Tries a fresh port up to
    `attempts` times (the port could be taken between probe and bind), each
    waiting up to `timeout` seconds. Raises RuntimeError with moto's stderr
    (when `stderr` is PIPE) if it never answers.

    With stderr=PIPE nobody reads moto's per-request log while it runs:
    fine for a few hundred requests; pass subprocess.DEVNULL for more.
    """
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        proc = subprocess.Popen([python, "-m", "moto.server", "-H", HOST, "-p", str(port)],
                                stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.time() + timeout
        while time.time() < deadline and proc.poll() is None:
            try:
                socket.create_connection((HOST, port), timeout=0.5).close()
                return proc, port
            except OSError:
                time.sleep(0.1)
        stop(proc)
        if proc.stderr is not None:
            last_error = proc.stderr.read().decode(errors="replace")
            proc.stderr.close()
    raise RuntimeError("moto.server did not start: " + last_error)
