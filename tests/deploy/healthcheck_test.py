"""awsfacade-healthcheck (deploy/healthcheck), the container image's
HEALTHCHECK: exit 0 only on SERVING, 1 on every kind of unhealthy, 2 on a
usage error, and never longer than its --timeout. Loopback only.

Usage: healthcheck_test.py HEALTHCHECK_BIN SERVER_BIN
"""
import os
import socket
import subprocess
import sys
import time
import unittest

HEALTHCHECK_BIN, SERVER_BIN = (os.path.abspath(p) for p in sys.argv[1:3])
del sys.argv[1:3]
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_launch import Server  # noqa: E402


def check(*args, limit=30):
    start = time.monotonic()
    done = subprocess.run([HEALTHCHECK_BIN, *args], capture_output=True, text=True, timeout=limit)
    return done.returncode, done.stdout + done.stderr, time.monotonic() - start


class AgainstTheServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server([SERVER_BIN, "--listen=127.0.0.1:0"], env=dict(os.environ))
        cls.addr = "--addr=127.0.0.1:%d" % cls.server.port

    @classmethod
    def tearDownClass(cls):
        code, _ = cls.server.terminate_and_time(30)
        cls.server.kill()
        assert code == 0, "server exit %s" % code

    def test_serving_server_exits_0(self):
        code, out, _ = check(self.addr)
        self.assertEqual(code, 0, out)
        self.assertIn("SERVING", out)

    def test_unknown_service_exits_1(self):
        code, out, _ = check(self.addr, "--service=no.such.v1.Service")
        self.assertEqual(code, 1, out)
        self.assertIn("NOT_FOUND", out)


class WithoutAHealthyServerTest(unittest.TestCase):
    def test_refused_connection_exits_1_without_waiting_for_the_deadline(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # The port is closed now: connections are refused.
        code, out, elapsed = check("--addr=127.0.0.1:%d" % port, "--timeout=20s")
        self.assertEqual(code, 1, out)
        self.assertIn("UNAVAILABLE", out)
        self.assertLess(elapsed, 10, "waited for the deadline instead of failing fast")

    def test_silent_peer_exits_1_at_the_deadline(self):
        # Accepts TCP (the kernel's backlog) but never speaks HTTP/2.
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen(8)
            code, out, elapsed = check("--addr=127.0.0.1:%d" % s.getsockname()[1], "--timeout=1s")
        self.assertEqual(code, 1, out)
        self.assertIn("DEADLINE_EXCEEDED", out)
        self.assertGreaterEqual(elapsed, 0.9)
        self.assertLess(elapsed, 8)

    def test_usage_errors_exit_2(self):
        self.assertEqual(check("extra-argument")[0], 2)
        self.assertEqual(check("--timeout=0s")[0], 2)
        self.assertEqual(check("--addr=")[0], 2)


if __name__ == "__main__":
    unittest.main()
