"""The simulator overlay's Deployment, run the way the kubelet would run its
server container, minus the container: `kubectl kustomize` renders the
overlay, and the built server starts with exactly the container's command,
args and env. (The proxy container beside it runs in
proxy_rapid_reset_test.py; k8s_manifests_test.js checks how the two fit.)

What is substituted, and why:
  * command[0] (the image path /usr/local/bin/awsfacade-server, checked
    against the Dockerfile's ENTRYPOINT and COPY) becomes the built binary;
  * the one --listen=127.0.0.1:50051 becomes --listen=127.0.0.1:0 (a free
    port, read from the server's log); the original is checked to be the
    address of the image's HEALTHCHECK, which the probes run;
  * the environment is the container's env plus what the image supplies
    (Docker's default PATH, HOME of the image's user); nothing is inherited
    from the test (enableServiceLinks is off, so Kubernetes adds nothing);
  * when the test runs as root, the server runs under setpriv as the pod's
    runAsUser/runAsGroup with no capabilities and no_new_privs, like the
    pod's securityContext (the read-only root filesystem is not reproduced).

Then: the startup probe's command (port substituted) reports SERVING
within the startup probe's budget; a SubscribeToStream stays open; SIGTERM
(what the kubelet sends after the preStop hook) ends the process with exit 0
within terminationGracePeriodSeconds minus the preStop sleep, and the open
subscription ends UNAVAILABLE with its continuation token in the trailers.

Usage: deployment_process_test.py SERVER_BIN HEALTHCHECK_BIN STUBS_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

SERVER_BIN, HEALTHCHECK_BIN, STUBS_DIR = (os.path.abspath(p) for p in sys.argv[1:4])
del sys.argv[1:4]
sys.path.insert(0, STUBS_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
import yaml  # noqa: E402
from aws.dynamodb.v1 import attribute_value_pb2 as av  # noqa: E402
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc  # noqa: E402
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc  # noqa: E402
import dockerfile  # noqa: E402
from dockerfile_lint_test import flag_value, health_argv  # noqa: E402
from server_launch import Server  # noqa: E402

OVERLAY = os.path.join(dockerfile.REPO_ROOT, "deploy", "k8s", "overlays", "simulator")
DOCKER_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
IMAGE_HOME = "/nonexistent"  # useradd --home-dir in deploy/Dockerfile
LOOPBACK_LISTEN = "--listen=127.0.0.1:0"


KUBECTL = os.environ.get("KUBECTL") or "kubectl"


def render():
    out = subprocess.run([KUBECTL, "kustomize", OVERLAY],
                         check=True, capture_output=True, text=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


class SimulatorDeploymentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        deployments = [o for o in render() if o["kind"] == "Deployment"]
        assert len(deployments) == 1, deployments
        cls.pod = deployments[0]["spec"]["template"]["spec"]
        assert [c["name"] for c in cls.pod["containers"]] == ["awsfacade", "proxy"], cls.pod["containers"]
        cls.container = cls.pod["containers"][0]
        cls.image = dockerfile.load()[0][-1]
        cls.volumes = tempfile.mkdtemp(prefix="deployment_process_test.")
        os.chmod(cls.volumes, 0o755)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.volumes, ignore_errors=True)


    def test_command_is_the_images_entrypoint_and_user(self):
        self.assertEqual(self.container["command"], self.image.last("ENTRYPOINT").exec_form())
        uid, _, gid = self.image.last("USER").args.partition(":")
        self.assertEqual(self.pod["securityContext"]["runAsUser"], int(uid))
        self.assertEqual(self.pod["securityContext"]["runAsGroup"], int(gid or uid))

    def test_listen_probes_and_healthcheck_name_one_loopback_address(self):
        port = self.image.last("EXPOSE").args.split("/")[0]
        self.assertEqual(flag_value(self.container["args"], "listen"), "127.0.0.1:%s" % port)
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            self.assertEqual(self.container[probe]["exec"]["command"], health_argv(self.image), probe)

    def argv_and_env(self):
        args = self.container.get("args", [])
        listens = [i for i, a in enumerate(args) if a.startswith("--listen=127.0.0.1:")]
        self.assertEqual(len(listens), 1, args)
        args = list(args)
        args[listens[0]] = LOOPBACK_LISTEN
        metrics = [i for i, a in enumerate(args) if a.startswith("--metrics_listen=")]
        self.assertEqual(len(metrics), 1, args)
        port = [p["containerPort"] for p in self.container["ports"] if p["name"] == "metrics"]
        self.assertEqual(args[metrics[0]], "--metrics_listen=0.0.0.0:%d" % port[0])
        args[metrics[0]] = "--metrics_listen=127.0.0.1:0"
        # Volume mounts become directories of this test, the same for every
        # start (a PersistentVolumeClaim outlives its pods), owned by the
        # pod's user as fsGroup would make them.
        for mount in self.container.get("volumeMounts", []):
            host = os.path.join(self.volumes, mount["name"])
            if not os.path.isdir(host):
                os.makedirs(host)
                if os.geteuid() == 0:
                    context = self.pod["securityContext"]
                    os.chown(host, context["runAsUser"], context["fsGroup"])
            prefix = mount["mountPath"].rstrip("/") + "/"
            args = [a.replace("=" + prefix, "=" + host + "/", 1) for a in args]
        env = {"PATH": DOCKER_DEFAULT_PATH, "HOME": IMAGE_HOME}
        for var in self.container.get("env", []):
            self.assertIn("value", var, "%s: only literal values can be reproduced here" % var["name"])
            env[var["name"]] = var["value"]
        return [*self.as_pod_user(), SERVER_BIN, *self.container["command"][1:], *args], env

    def as_pod_user(self):
        """setpriv prefix dropping to the pod's user and capabilities, if root."""
        setpriv = shutil.which("setpriv")
        if os.geteuid() != 0 or setpriv is None:
            return []
        context = self.pod["securityContext"]
        self.assertEqual(self.container["securityContext"]["capabilities"]["drop"], ["ALL"])
        self.assertFalse(self.container["securityContext"]["allowPrivilegeEscalation"])
        return [setpriv, "--reuid=%d" % context["runAsUser"], "--regid=%d" % context["runAsGroup"],
                "--clear-groups", "--no-new-privs", "--bounding-set=-all", "--inh-caps=-all"]

    def wait_until_serving(self, port, budget):
        health = self.container["startupProbe"]["exec"]["command"]
        health = [HEALTHCHECK_BIN, *["--addr=127.0.0.1:%d" % port if a.startswith("--addr=") else a
                                     for a in health[1:]]]
        start = time.monotonic()
        while True:
            done = subprocess.run(health, capture_output=True, text=True, timeout=30)
            if done.returncode == 0:
                self.assertIn("SERVING", done.stdout)
                return time.monotonic() - start
            self.assertLess(time.monotonic() - start, budget, "never SERVING: " + done.stderr)
            time.sleep(0.2)

    def open_subscription(self, channel):
        ddb = db_grpc.DynamoDbServiceStub(channel)
        created = ddb.CreateTable(db.CreateTableRequest(
            table_name="deploy-check",
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            billing_mode="PAY_PER_REQUEST",
            stream_specification=db.StreamSpecification(stream_enabled=True, stream_view_type="KEYS_ONLY")),
            timeout=10)
        ddb.PutItem(db.PutItemRequest(table_name="deploy-check", item={"pk": av.AttributeValue(s="a")}),
                    timeout=10)
        call = st_grpc.DynamoDbStreamsServiceStub(channel).SubscribeToStream(st.SubscribeToStreamRequest(
            stream_arn=created.table_description.latest_stream_arn,
            starting_position=st.StartingPosition(type="TRIM_HORIZON")), timeout=120)
        first = next(call)
        self.assertEqual(first.WhichOneof("event"), "records")
        self.assertEqual(len(first.records.records), 1)
        return call

    def test_runs_healthy_and_drains_on_sigterm_within_the_grace_period(self):
        argv, env = self.argv_and_env()
        startup = self.container["startupProbe"]
        pre_stop = self.container["lifecycle"]["preStop"]["exec"]["command"]
        self.assertEqual(pre_stop[0], "/bin/sleep")
        budget = self.pod["terminationGracePeriodSeconds"] - float(pre_stop[1])
        with Server(argv, env) as server:
            serving = self.wait_until_serving(server.port, startup["failureThreshold"] * startup["periodSeconds"])
            if argv[0] != SERVER_BIN:  # under setpriv: the pod's user, no capabilities
                with open("/proc/%d/status" % server.proc.pid) as f:
                    status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
                self.assertEqual(status["Uid"].split()[0], str(self.pod["securityContext"]["runAsUser"]))
                self.assertEqual(int(status["CapEff"], 16), 0)
                self.assertEqual(status["NoNewPrivs"], "1")
            with grpc.insecure_channel("127.0.0.1:%d" % server.port) as channel:
                call = self.open_subscription(channel)
                code, elapsed = server.terminate_and_time(budget)
                self.assertEqual(code, 0, "exit %s after %.1fs (budget %.0fs)\n%s"
                                 % (code, elapsed, budget, server.log()))
                self.assertLess(elapsed, budget)
                print("%s: SERVING after %.2fs; SIGTERM with a subscription open -> exit 0 in %.2fs "
                      "(budget %.0fs)" % (" ".join(argv), serving, elapsed, budget))
                with self.assertRaises(grpc.RpcError) as ended:
                    for _ in call:
                        pass
                self.assertEqual(ended.exception.code(), grpc.StatusCode.UNAVAILABLE)
                trailers = dict(ended.exception.trailing_metadata() or ())
                self.assertTrue(trailers.get("awsfacade-continuation-token"), trailers)
            self.assertIn("backend simulator", server.log())
            self.assertIn("stopped", server.log())

    def test_serves_metrics_and_keeps_state_across_a_crashed_pod(self):
        argv, env = self.argv_and_env()
        self.assertTrue(any(a.startswith("--state_dir=" + self.volumes) for a in argv), argv)
        with Server(argv, env) as server:
            metrics_port = int(re.search(r"metrics on port (\d+)", server.log()).group(1))
            with grpc.insecure_channel("127.0.0.1:%d" % server.port) as channel:
                ddb = db_grpc.DynamoDbServiceStub(channel)
                ddb.CreateTable(db.CreateTableRequest(
                    table_name="kept",
                    attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
                    key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
                    billing_mode="PAY_PER_REQUEST"), timeout=10)
                ddb.PutItem(db.PutItemRequest(table_name="kept", item={
                    "pk": av.AttributeValue(s="a"), "v": av.AttributeValue(s="kept")}), timeout=10)
            with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_port, timeout=10) as r:
                text = r.read().decode()
            self.assertRegex(text, r'awsfacade_grpc_server_handled_total\{[^}]*grpc_method="PutItem"')
            server.kill()  # SIGKILL: a crashed pod, no graceful stop
        with Server(argv, env) as server:
            self.assertIn("journal entries replayed", server.log())
            with grpc.insecure_channel("127.0.0.1:%d" % server.port) as channel:
                got = db_grpc.DynamoDbServiceStub(channel).GetItem(db.GetItemRequest(
                    table_name="kept", key={"pk": av.AttributeValue(s="a")}), timeout=10)
                self.assertEqual(got.item["v"].s, "kept")


if __name__ == "__main__":
    try:
        subprocess.run([KUBECTL, "version", "--client"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        print("SKIP: no kubectl (%s) to render the overlay" % KUBECTL)
        sys.exit(77)  # ctest SKIP_RETURN_CODE
    unittest.main()
