"""HTTP/2 Rapid Reset (CVE-2023-44487) against the facade, directly and
through the proxy the deployment ships (deploy/proxy/nginx.conf, run by the
Debian nginx on this machine), on loopback.

The facade starts as in the pod: the Kubernetes base's container args, with
--listen=127.0.0.1:50051 (the address the proxy config names) moved to a free
port; nginx starts from the deploy/ config with its listen address, upstream
and /tmp directory substituted (each substitution must hit, so the test
follows the file). Then tests/tools/rapid_reset.py (HEADERS + DATA +
RST_STREAM CANCEL, CONNECTIONS connections, RATE streams/s for SECONDS) runs:

  1. through the proxy, while a well-behaved client calls the health check
     through the proxy every 50 ms: every call is answered, and the
     facade's peak RSS (VmHWM) grows by less than PROXY_GROWTH_MIB;
  2. directly at the facade: its peak RSS grows by more than DIRECT_GROWTH_MIB
     in the same time (the attack the proxy absorbs does reach gRPC 1.51
     here, so step 1 shows the proxy's effect, not a quiet attack client).

Also: the Debian nginx used is one whose changelog names the CVE-2023-44487
fix. Prints every figure. Margins: see PROXY_GROWTH_MIB / DIRECT_GROWTH_MIB.

Also: a server quota below 16 MiB is refused; and the pod's stop through the
proxy (SIGQUIT to nginx with SIGTERM to the server) still brings an open
subscription its UNAVAILABLE and continuation token.

Usage: proxy_rapid_reset_test.py SERVER_BIN STUBS_DIR [NGINX_BIN]
"""
import gzip
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))

SERVER_BIN = os.path.abspath(sys.argv[1])
STUBS_DIR = os.path.abspath(sys.argv[2])
NGINX_BIN = sys.argv[3] if len(sys.argv) > 3 else "/usr/sbin/nginx"
del sys.argv[1:]

import dockerfile  # noqa: E402
import grpc  # noqa: E402
import yaml  # noqa: E402
from proxy_launch import Nginx, free_port, status_kib  # noqa: E402
from rapid_reset import run_attack  # noqa: E402
from server_launch import Server  # noqa: E402

DEPLOYMENT = os.path.join(ROOT, "deploy", "k8s", "base", "deployment.yaml")
NGINX_CHANGELOG = "/usr/share/doc/nginx/changelog.Debian.gz"

SECONDS = 6
# Fast enough to outrun the server on an idle machine: at 8000/s over one
# connection the facade kept up when nothing else ran (+3 MiB) and grew only
# when other work shared the 2 cores; at 20000/s over two it grew to ~950 MiB
# idle (measured 2026-12-07).
RATE = 20000
CONNECTIONS = 2
HEALTH = "/grpc.health.v1.Health/Check"
# The attacker connects from another loopback address than the well-behaved
# client, as another host would: the proxy limits calls per client address.
ATTACKER = "127.0.0.2"
PROXY_GROWTH_MIB = 32
DIRECT_GROWTH_MIB = 150


class WellBehavedClient:
    """Calls the health check every 50 ms on its own connection, in a thread."""

    def __init__(self, address):
        self.channel = grpc.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        self.check = self.channel.unary_unary(HEALTH, request_serializer=bytes, response_deserializer=bytes)
        self.answered, self.failed, self.slowest = 0, [], 0.0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            start = time.monotonic()
            try:
                self.check(b"", timeout=3)
                self.answered += 1
                self.slowest = max(self.slowest, time.monotonic() - start)
            except grpc.RpcError as e:
                self.failed.append(e.code())
            self.stop.wait(0.05)

    def __enter__(self):
        self.check(b"", timeout=10, wait_for_ready=True)  # connected before the attack starts
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(10)
        self.channel.close()


class ProxyRapidResetTest(unittest.TestCase):
    def test_the_debian_nginx_carries_the_rapid_reset_fix(self):
        with gzip.open(NGINX_CHANGELOG, "rt") as f:
            changelog = f.read()
        self.assertIn("CVE-2023-44487", changelog)
        version = subprocess.run([NGINX_BIN, "-v"], capture_output=True, text=True).stderr
        print("%s; changelog names CVE-2023-44487" % version.strip())

    def server_argv(self, port):
        """The Kubernetes base's facade args, listening on `port` instead of 50051."""
        with open(DEPLOYMENT) as f:
            pod = yaml.safe_load(f)["spec"]["template"]["spec"]
        facade = pod["containers"][0]
        args = [a for a in facade["args"] if not a.startswith("--metrics_listen=")]
        self.assertIn("--listen=127.0.0.1:50051", args)
        args = ["--listen=127.0.0.1:%d" % port if a == "--listen=127.0.0.1:50051" else a for a in args]
        return [SERVER_BIN, *args, "--backend=simulator"]

    def attack(self, label, server, address):
        pid = server.proc.pid
        before_rss, before_hwm = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
        stats = run_attack(address, seconds=SECONDS, rate=RATE, connections=CONNECTIONS, path=HEALTH,
                           source=ATTACKER)
        after_rss, after_hwm = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
        growth = (after_hwm - before_hwm) / 1024
        print("%s: %d streams in %.1fs (%d/s, %d connections, %d GOAWAY %s): facade RSS %.0f -> %.0f MiB, "
              "peak %.0f -> %.0f MiB (+%.0f MiB)" % (
                  label, stats["streams"], stats["seconds"], stats["rate"], stats["connections_opened"],
                  stats["goaways"], stats["goaway_codes"], before_rss / 1024, after_rss / 1024,
                  before_hwm / 1024, after_hwm / 1024, growth))
        self.assertEqual(stats["stuck_workers"], 0)
        self.assertGreater(stats["streams"], RATE * SECONDS // 2, "the attack client ran at rate: %s" % stats)
        return growth

    def test_through_the_proxy_the_facade_stays_flat_and_answers_direct_it_grows(self):
        workdir = tempfile.mkdtemp(prefix="proxy_rapid_reset.")
        os.chmod(workdir, 0o755)  # nginx's workers run as nobody under root
        facade_port, proxy_port = free_port(), free_port()
        try:
            with Server(self.server_argv(facade_port), dict(os.environ)) as server:
                self.assertEqual(server.port, facade_port)
                nginx = Nginx(NGINX_BIN, proxy_port, facade_port, workdir)
                try:
                    proxy = "127.0.0.1:%d" % proxy_port
                    with WellBehavedClient(proxy) as good:
                        through = self.attack("through the proxy", server, proxy)
                    print("well-behaved client through the proxy: %d answered, %d failed %s, slowest %.0f ms; "
                          "nginx RSS %.0f MiB" % (good.answered, len(good.failed),
                                                  sorted(set(map(str, good.failed))), good.slowest * 1e3,
                                                  nginx.rss_mib()))
                    self.assertEqual(good.failed, [], "the well-behaved client is answered throughout")
                    self.assertGreater(good.answered, SECONDS * 5)
                    self.assertLess(through, PROXY_GROWTH_MIB,
                                    "through the proxy the facade's peak RSS stays flat")
                finally:
                    nginx.stop()
                direct = self.attack("direct", server, "127.0.0.1:%d" % facade_port)
                self.assertGreater(direct, DIRECT_GROWTH_MIB,
                                   "direct, the same attack grows the facade (else step 1 proves nothing)")
                self.assertIsNone(server.proc.poll())
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def test_a_transport_quota_below_16_mib_is_refused(self):
        done = subprocess.run([SERVER_BIN, "--listen=127.0.0.1:0", "--transport_memory_bytes=1048576"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("--transport_memory_bytes must be 0 (no quota) or at least 16 MiB", done.stderr)

    def test_on_stop_the_proxy_carries_the_servers_last_answer_to_a_subscriber(self):
        """The pod's stop: SIGTERM to the server and the proxy image's
        STOPSIGNAL (SIGQUIT, nginx's graceful stop) to nginx at once; a subscription open through the proxy still
        ends with UNAVAILABLE and its continuation token, and both processes
        exit within terminationGracePeriodSeconds minus the preStop sleep."""
        sys.path.insert(0, STUBS_DIR)
        sys.path.insert(0, os.path.join(ROOT, "tests", "polyglot"))
        from facade_calls import create_streamed_table
        from aws.dynamodb.v1 import attribute_value_pb2 as av
        from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
        from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
        with open(DEPLOYMENT) as f:
            pod = yaml.safe_load(f)["spec"]["template"]["spec"]
        budget = pod["terminationGracePeriodSeconds"] - float(pod["containers"][0]["lifecycle"]["preStop"]["exec"]
                                                               ["command"][1])
        proxy_stage = [stage for stage in dockerfile.load()[0] if stage.name == "proxy"][0]
        stop_signal = getattr(signal, proxy_stage.last("STOPSIGNAL").args)
        workdir = tempfile.mkdtemp(prefix="proxy_drain.")
        os.chmod(workdir, 0o755)
        facade_port, proxy_port = free_port(), free_port()
        try:
            with Server(self.server_argv(facade_port), dict(os.environ)) as server:
                nginx = Nginx(NGINX_BIN, proxy_port, facade_port, workdir)
                try:
                    with grpc.insecure_channel("127.0.0.1:%d" % proxy_port) as channel:
                        arn = create_streamed_table(channel, "drain", view="KEYS_ONLY")
                        ddb = db_grpc.DynamoDbServiceStub(channel)
                        ddb.PutItem(db.PutItemRequest(table_name="drain", item={"pk": av.AttributeValue(s="a")}),
                                    timeout=10)
                        call = st_grpc.DynamoDbStreamsServiceStub(channel).SubscribeToStream(
                            st.SubscribeToStreamRequest(stream_arn=arn, starting_position=st.StartingPosition(
                                type="TRIM_HORIZON")), timeout=120)
                        self.assertEqual(next(call).WhichOneof("event"), "records")
                        start = time.monotonic()
                        nginx.proc.send_signal(stop_signal)
                        code, elapsed = server.terminate_and_time(budget)
                        self.assertEqual(code, 0, server.log())
                        with self.assertRaises(grpc.RpcError) as ended:
                            for _ in call:
                                pass
                        self.assertEqual(ended.exception.code(), grpc.StatusCode.UNAVAILABLE,
                                         ended.exception.details())
                        trailers = dict(ended.exception.trailing_metadata() or ())
                        self.assertTrue(trailers.get("awsfacade-continuation-token"), trailers)
                    nginx.proc.wait(max(1.0, budget - (time.monotonic() - start)))
                    print("stop: server exit 0 in %.1fs, nginx exit %s in %.1fs (budget %.0fs); the subscriber "
                          "got UNAVAILABLE with its token through the proxy" % (
                              elapsed, nginx.proc.returncode, time.monotonic() - start, budget))
                finally:
                    nginx.stop()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
