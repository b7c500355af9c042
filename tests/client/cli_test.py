"""The awsfacade CLI against the real server binary (simulator backend).

Usage: cli_test.py AWSFACADE_BIN SERVER_BIN
Runs under any python3 (no gRPC needed: the CLI does the calls). Covers
help at every level, JSON and table output, --cli-input-json, pagination
with --max-items/--starting-token, AWS error messages and exit codes, and
`tail` resuming across cut connections (a TCP proxy in this script).
"""
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import unittest

CLI, SERVER_BIN = sys.argv[1:3]
del sys.argv[1:3]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "polyglot"))
from facade_server import FacadeServer  # noqa: E402

POOL = "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000"
IDENTITY = "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111"


def run(*args, endpoint=None, check=None, timeout=60):
    cmd = [CLI] + ([f"--endpoint={endpoint}"] if endpoint else []) + list(args)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check is not None and proc.returncode != check:
        raise AssertionError(f"{cmd} exited {proc.returncode}, wanted {check}\n"
                             f"stdout: {proc.stdout}\nstderr: {proc.stderr}")
    return proc


class Proxy:
    """A loopback TCP proxy whose open connections can be cut."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            with self.lock:
                self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        src.close()  # each socket is the source of exactly one pump

    def cut_all(self):
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self):
        self.listener.close()
        self.cut_all()


class CliTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FacadeServer(SERVER_BIN)
        cls.endpoint = cls.server.address

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def cli(self, *args, check=0):
        return run(*args, endpoint=self.endpoint, check=check)

    def create_table(self, name):
        # Exactly the JSON of `aws dynamodb create-table --cli-input-json`.
        request = {
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        }
        out = json.loads(self.cli("dynamodb", "create-table", "--cli-input-json", json.dumps(request)).stdout)
        self.assertEqual(out["TableDescription"]["TableName"], name)
        return out["TableDescription"]["LatestStreamArn"]

    def put(self, table, pk):
        self.cli("dynamodb", "put-item", "--table-name", table, "--item", json.dumps({"pk": {"S": pk}}))

    # --- help -------------------------------------------------------------
    def test_top_level_help_lists_services(self):
        out = run("--help", check=0).stdout
        for service in ("cognito-sync", "personalize", "dynamodb", "dynamodbstreams"):
            self.assertIn(service, out)
        self.assertIn("Exit codes", out)

    def test_service_help_lists_operations_with_summaries(self):
        out = run("dynamodbstreams", "--help", check=0).stdout
        for op in ("list-streams", "describe-stream", "get-shard-iterator", "get-records",
                   "subscribe-to-stream", "tail"):
            self.assertIn(op, out)
        self.assertIn("AWS operation GetRecords", out)  # from the proto comment

    def test_operation_help_lists_flags_with_field_comments(self):
        out = run("dynamodbstreams", "get-records", "--help", check=0).stdout
        self.assertIn("--shard-iterator (string)", out)
        self.assertIn("--limit (int32)", out)
        self.assertIn("AWS member ShardIterator", out)
        paginated = run("personalize", "list-datasets", "--help", check=0).stdout
        self.assertIn("--max-items", paginated)
        self.assertIn("--starting-token", paginated)
        self.assertIn("--dataset-group-arn", paginated)

    def test_usage_errors_exit_2(self):
        self.assertIn("unknown service", run("nosuch", "list", check=2).stderr)
        self.assertIn("unknown operation", run("dynamodbstreams", "nosuch-op", check=2).stderr)
        self.assertIn("unknown parameter --bogus",
                      run("dynamodbstreams", "list-streams", "--bogus", "1", check=2).stderr)
        self.assertIn("is not an integer",
                      run("dynamodbstreams", "list-streams", "--limit", "many", check=2).stderr)
        self.assertIn("--output", run("--output=yaml", "dynamodb", "describe-table", check=2).stderr)

    # --- calls ------------------------------------------------------------
    def test_json_output_is_aws_cased_and_reads_records(self):
        arn = self.create_table("jsonout")
        self.put("jsonout", "first")
        streams = json.loads(self.cli("dynamodbstreams", "list-streams", "--table-name", "jsonout").stdout)
        self.assertEqual([s["StreamArn"] for s in streams["Streams"]], [arn])
        self.assertEqual(streams["Streams"][0]["TableName"], "jsonout")
        desc = json.loads(self.cli("dynamodbstreams", "describe-stream", "--stream-arn", arn).stdout)
        shard = desc["StreamDescription"]["Shards"][0]["ShardId"]
        it = json.loads(self.cli("dynamodbstreams", "get-shard-iterator", "--stream-arn", arn, "--shard-id", shard,
                                 "--shard-iterator-type", "TRIM_HORIZON").stdout)["ShardIterator"]
        records = json.loads(self.cli("dynamodbstreams", "get-records", "--shard-iterator", it).stdout)
        self.assertEqual(records["Records"][0]["eventName"], "INSERT")
        self.assertEqual(records["Records"][0]["dynamodb"]["NewImage"], {"pk": {"S": "first"}})

    def test_table_output(self):
        self.create_table("tableout")
        out = self.cli("--output", "table", "dynamodbstreams", "list-streams", "--table-name", "tableout").stdout
        self.assertIn("+--", out)
        self.assertRegex(out, r"\| *StreamArn *\| *TableName *\| *StreamLabel *\|")
        self.assertRegex(out, r"\| arn:aws:dynamodb:[^|]* \| tableout +\|")
        nested = self.cli("--output=table", "dynamodb", "describe-table", "--table-name", "tableout").stdout
        self.assertRegex(nested, r"\| TableName +\| tableout +\|")
        self.assertIn("DescribeTable.Table.KeySchema", nested)
        self.assertRegex(nested, r"\| pk +\| HASH +\|")

    def test_cli_input_json_from_file_and_flag_override(self):
        self.create_table("fromfile")
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"cli_input_{os.getpid()}.json")
        with open(path, "w") as f:
            json.dump({"TableName": "nosuchtable"}, f)
        try:
            missing = self.cli("dynamodb", "describe-table", "--cli-input-json", f"file://{path}", check=1)
            self.assertIn("ResourceNotFoundException", missing.stderr)
            found = self.cli("dynamodb", "describe-table", "--cli-input-json", f"file://{path}",
                             "--table-name", "fromfile")
            self.assertEqual(json.loads(found.stdout)["Table"]["TableName"], "fromfile")
        finally:
            os.unlink(path)
        self.assertIn("invalid DescribeTableRequest",
                      self.cli("dynamodb", "describe-table", "--cli-input-json", '{"NoSuchMember": 1}',
                               check=2).stderr)

    def test_pagination_with_max_items_and_starting_token(self):
        arns = sorted(self.create_table(f"page{i}") for i in range(5))
        everything = json.loads(self.cli("dynamodbstreams", "list-streams", "--limit", "1").stdout)
        self.assertTrue(set(arns) <= {s["StreamArn"] for s in everything["Streams"]})
        self.assertNotIn("NextToken", everything)
        self.assertNotIn("LastEvaluatedStreamArn", everything)
        for page_size in ("1", "3"):  # tokens on and inside page boundaries
            seen, token = [], None
            while True:
                args = ["dynamodbstreams", "list-streams", "--limit", page_size, "--max-items", "2"]
                if token:
                    args += ["--starting-token", token]
                out = json.loads(self.cli(*args).stdout)
                self.assertLessEqual(len(out["Streams"]), 2)
                seen += [s["StreamArn"] for s in out["Streams"]]
                token = out.get("NextToken")
                if not token:
                    break
            self.assertEqual(len(seen), len(set(seen)), f"duplicates with page size {page_size}")
            self.assertEqual(sorted(seen), sorted(s["StreamArn"] for s in everything["Streams"]))
        self.assertEqual(self.cli("dynamodbstreams", "list-streams", "--starting-token", "garbage",
                                  check=2).returncode, 2)

    def test_cognito_list_records_paginates(self):
        base = ["--identity-pool-id", POOL, "--identity-id", IDENTITY, "--dataset-name", "settings"]
        session = json.loads(self.cli("cognito-sync", "list-records", *base).stdout)["SyncSessionToken"]
        patches = [{"Op": "replace", "Key": f"k{i}", "Value": f"v{i}", "SyncCount": 0} for i in range(5)]
        self.cli("cognito-sync", "update-records", *base, "--sync-session-token", session, "--device-id", "cli-device",
                 "--record-patches", json.dumps(patches))
        first = json.loads(self.cli("cognito-sync", "list-records", *base, "--max-results", "2",
                                    "--max-items", "3").stdout)
        self.assertEqual([r["Key"] for r in first["Records"]], ["k0", "k1", "k2"])
        rest = json.loads(self.cli("cognito-sync", "list-records", *base, "--max-results", "2",
                                   "--starting-token", first["NextToken"]).stdout)
        self.assertEqual([r["Key"] for r in rest["Records"]], ["k3", "k4"])
        self.assertNotIn("NextToken", rest)

    def test_service_error_message_and_exit_1(self):
        proc = self.cli("dynamodbstreams", "describe-stream", "--stream-arn",
                        "arn:aws:dynamodb:us-east-1:123456789012:table/nope/stream/2024-01-01T00:00:00.000", check=1)
        self.assertRegex(proc.stderr, r"^An error occurred \(ResourceNotFoundException\) when calling the "
                                      r"DescribeStream operation: \S")
        self.assertEqual(proc.stdout, "")
        bad = self.cli("dynamodbstreams", "get-records", "--shard-iterator", "not-an-iterator", check=1)
        self.assertRegex(bad.stderr, r"An error occurred \(\w+Exception\) when calling the GetRecords operation")

    def test_connection_failure_exits_3(self):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()  # nothing listens there now
        proc = run("dynamodbstreams", "list-streams", endpoint=f"127.0.0.1:{port}", check=3)
        self.assertIn("Could not connect", proc.stderr)

    # --- tail -------------------------------------------------------------
    def test_tail_prints_records_and_resumes_after_cut_connections(self):
        self.create_table("tailed")
        self.put("tailed", "before-0")
        self.put("tailed", "before-1")
        proxy = Proxy(self.server.port)
        tail = subprocess.Popen([CLI, f"--endpoint=127.0.0.1:{proxy.port}", "dynamodbstreams", "tail",
                                 "--table-name", "tailed"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(tail.stdout), daemon=True)
        reader.start()

        def wait_for(n):
            deadline = time.time() + 30
            while len(lines) < n and time.time() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(len(lines), n, f"tail printed {lines}")

        try:
            wait_for(2)
            for round_ in range(2):  # cut twice, writing while disconnected
                proxy.cut_all()
                for i in range(3):
                    self.put("tailed", f"cut{round_}-{i}")
                wait_for(2 + 3 * (round_ + 1))
            time.sleep(0.5)  # anything extra (a duplicate) would arrive now
        finally:
            tail.send_signal(signal.SIGINT)
            code = tail.wait(timeout=10)
            reader.join(timeout=5)
            tail.stdout.close()
            tail.stderr.close()
            proxy.close()
        self.assertEqual(code, 0)
        keys = [json.loads(line)["dynamodb"]["NewImage"]["pk"]["S"] for line in lines]
        self.assertEqual(keys, ["before-0", "before-1", "cut0-0", "cut0-1", "cut0-2", "cut1-0", "cut1-1", "cut1-2"])
        self.assertEqual(json.loads(lines[0])["eventName"], "INSERT")

    def test_tail_resumes_across_server_restarts_graceful_and_killed(self):
        """The rolling-update case: the server on the same port and state
        directory stops (SIGTERM, then SIGKILL) and starts again; tail goes
        on with nothing lost or repeated."""
        import tempfile
        state = tempfile.TemporaryDirectory()
        server = FacadeServer(SERVER_BIN, f"--state_dir={state.name}")
        port = server.port
        endpoint = server.address
        tail = None
        try:
            run("dynamodb", "create-table", "--cli-input-json", json.dumps({
                "TableName": "rolled", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"}}),
                endpoint=endpoint, check=0)

            def put(pk):
                run("dynamodb", "put-item", "--table-name", "rolled", "--item", json.dumps({"pk": {"S": pk}}),
                    endpoint=endpoint, check=0)

            put("first")
            tail = subprocess.Popen([CLI, f"--endpoint={endpoint}", "dynamodbstreams", "tail", "--table-name",
                                     "rolled"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            lines = []
            threading.Thread(target=lambda: lines.extend(tail.stdout), daemon=True).start()

            def wait_for(n):
                deadline = time.time() + 40
                while len(lines) < n and time.time() < deadline and tail.poll() is None:
                    time.sleep(0.05)
                self.assertGreaterEqual(len(lines), n, f"tail printed {lines}; exited {tail.poll()}: "
                                        f"{tail.stderr.read() if tail.poll() is not None else ''}")

            wait_for(1)
            for n, kill in enumerate((False, True)):
                if kill:
                    server.proc.kill()
                server.stop()
                server = FacadeServer(SERVER_BIN, f"--state_dir={state.name}", f"--listen=127.0.0.1:{port}")
                put(f"after-restart-{n}")
                wait_for(2 + n)
            time.sleep(0.5)  # anything extra (a duplicate) would arrive now
        finally:
            if tail is not None:
                tail.send_signal(signal.SIGINT)
                tail.wait(timeout=10)
                tail.stdout.close()
                tail.stderr.close()
            server.stop()
            state.cleanup()
        keys = [json.loads(line)["dynamodb"]["NewImage"]["pk"]["S"] for line in lines]
        self.assertEqual(keys, ["first", "after-restart-0", "after-restart-1"])

    def test_tail_usage(self):
        self.assertEqual(run("dynamodbstreams", "tail", check=2).returncode, 2)
        self.assertIn("--starting-position", run("dynamodbstreams", "tail", "--help", check=0).stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
