"""The awsfacade CLI against the real server binary (simulator backend).

Usage: cli_test.py AWSFACADE_BIN SERVER_BIN
Runs under any python3 (no gRPC needed: the CLI does the calls). Covers
help at every level (structure members included), JSON, table and text
output, AWS JSON shapes in and out (and the gRPC JSON form), global options
where AWS CLI users put them, the endpoint environment variable, AWS CLI
options it does not have, --cli-input-json, pagination with
--max-items/--starting-token, AWS error messages and exit codes, `tail`
resuming across cut connections (a TCP proxy in this script) and from a
printed continuation token, and the simulator commands.
"""
import datetime
import json
import os
import re
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

def parse_rfc3339(text):
    """Seconds since the epoch of protobuf's JSON timestamp (nanoseconds cut to microseconds)."""
    whole, _, fraction = text.rstrip("Z").partition(".")
    seconds = datetime.datetime.fromisoformat(whole).replace(tzinfo=datetime.timezone.utc).timestamp()
    return round(seconds + float("0." + (fraction or "0")[:6]), 3)


POOL = "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000"
IDENTITY = "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111"


def run(*args, endpoint=None, check=None, timeout=60, env=None):
    cmd = [CLI] + ([f"--endpoint={endpoint}"] if endpoint else []) + list(args)
    environment = {k: v for k, v in os.environ.items() if k != "AWSFACADE_ENDPOINT"}
    environment.update(env or {})
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=environment)
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

    def create_table(self, name, cli=None):
        # Exactly the JSON of `aws dynamodb create-table --cli-input-json`.
        request = {
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        }
        out = json.loads((cli or self.cli)("dynamodb", "create-table", "--cli-input-json",
                                           json.dumps(request)).stdout)
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
        self.assertIn("--limit (integer)", out)
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

    # --- AWS CLI habits (issue 18 §3) ---------------------------------------
    ITEM = {  # every AttributeValue type, nested, as the AWS docs write them
        "pk": {"S": "shapes"},
        "n": {"N": "12.5"},
        "b": {"B": "AAEC/w=="},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": ["AAE=", "/w=="]},
        "l": {"L": [{"S": "x"}, {"NULL": True}, {"L": []}, {"BOOL": False}]},
        "m": {"M": {"inner": {"M": {"deep": {"N": "-3"}}}, "empty": {"M": {}}}},
        "nul": {"NULL": True},
        "yes": {"BOOL": True},
    }

    def test_aws_json_shapes_both_ways(self):
        """PutItem takes, and GetItem prints, AWS's own JSON (old: the gRPC
        form only, {"SS": {"values": [...]}}, so {"SS": [...]} was refused)."""
        self.create_table("shapes")
        put = self.cli("dynamodb", "put-item", "--table-name", "shapes", "--item", json.dumps(self.ITEM))
        self.assertEqual(put.stdout, "")  # an empty response prints nothing, as with the AWS CLI
        got = json.loads(self.cli("dynamodb", "get-item", "--table-name", "shapes",
                                  "--key", '{"pk": {"S": "shapes"}}').stdout)
        self.assertEqual(got, {"Item": self.ITEM})
        # The same through --cli-input-json, and sets compared as AWS returns them.
        self.cli("dynamodb", "put-item", "--cli-input-json", json.dumps(
            {"TableName": "shapes", "Item": dict(self.ITEM, pk={"S": "second"})}))
        got = json.loads(self.cli("dynamodb", "get-item", "--cli-input-json", json.dumps(
            {"TableName": "shapes", "Key": {"pk": {"S": "second"}}})).stdout)
        self.assertEqual(got["Item"]["m"], self.ITEM["m"])
        # Any parameter may be read from a file, as with the AWS CLI (old: the
        # text "file://..." was parsed as JSON and refused).
        path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"cli_item_{os.getpid()}.json")
        with open(path, "w") as f:
            json.dump(dict(self.ITEM, pk={"S": "from-file"}), f)
        try:
            self.cli("dynamodb", "put-item", "--table-name", "shapes", "--item", f"file://{path}")
        finally:
            os.unlink(path)
        got = json.loads(self.cli("dynamodb", "get-item", "--table-name", "shapes",
                                  "--key", '{"pk": {"S": "from-file"}}').stdout)
        self.assertEqual(got["Item"]["ss"], self.ITEM["ss"])
        self.assertIn("--item: cannot read", self.cli("dynamodb", "put-item", "--table-name", "shapes",
                                                      "--item", f"file://{path}", check=2).stderr)
        # Numbers are JSON numbers and timestamps ISO 8601, as the AWS CLI v2 prints them.
        table = json.loads(self.cli("dynamodb", "describe-table", "--table-name", "shapes").stdout)["Table"]
        self.assertIsInstance(table["ItemCount"], int)
        self.assertIsInstance(table["TableSizeBytes"], int)
        self.assertRegex(table["CreationDateTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00$")
        # A typo in a member is an error naming it, as in the AWS CLI.
        bad = self.cli("dynamodb", "put-item", "--table-name", "shapes", "--item", '{"pk": {"SX": "a"}}', check=2)
        self.assertIn("unknown member of AttributeValue", bad.stderr)

    def test_grpc_json_form_stays_available(self):
        self.create_table("grpcform")
        self.cli("--input", "grpc-json", "dynamodb", "put-item", "--table-name", "grpcform",
                 "--item", '{"pk": {"S": "g"}, "ss": {"SS": {"values": ["a"]}}}')
        key = '{"pk": {"S": "g"}}'
        grpc = json.loads(self.cli("--output", "grpc-json", "dynamodb", "get-item", "--table-name", "grpcform",
                                   "--key", key).stdout)
        self.assertEqual(grpc["Item"]["ss"], {"SS": {"values": ["a"]}})
        aws = json.loads(self.cli("dynamodb", "get-item", "--table-name", "grpcform", "--key", key).stdout)
        self.assertEqual(aws["Item"]["ss"], {"SS": ["a"]})
        table = json.loads(self.cli("--output=grpc-json", "dynamodb", "describe-table",
                                    "--table-name", "grpcform").stdout)["Table"]
        self.assertIsInstance(table["ItemCount"], str)  # protobuf's JSON: 64-bit integers as strings
        self.assertRegex(table["CreationDateTime"], r"Z$")

    def test_global_options_where_aws_cli_users_put_them(self):
        """Old: unknown service "--endpoint-url"."""
        self.create_table("globalopts")
        url = f"http://{self.endpoint}"
        for args in (["--endpoint-url", url, "--region", "us-east-1", "dynamodbstreams", "list-streams"],
                     ["dynamodbstreams", "--endpoint-url", url, "list-streams", "--region", "us-east-1"],
                     ["dynamodbstreams", "list-streams", f"--endpoint-url={url}/", "--output", "json"],
                     ["--no-cli-pager", "--endpoint", self.endpoint, "dynamodbstreams", "list-streams"]):
            out = run(*args, "--table-name", "globalopts", check=0).stdout
            self.assertEqual(json.loads(out)["Streams"][0]["TableName"], "globalopts", args)
        self.assertIn("scheme must be http:// or https://",
                      run("--endpoint-url", "ftp://x:1", "dynamodbstreams", "list-streams", check=2).stderr)
        self.assertIn("--output needs a value", run("dynamodbstreams", "list-streams", "--output", check=2).stderr)

    def test_endpoint_environment_variable(self):
        """Old: AWSFACADE_ENDPOINT was not read (the default port answered, or nothing)."""
        self.create_table("envvar")
        env = {"AWSFACADE_ENDPOINT": f"http://{self.endpoint}"}
        out = run("dynamodbstreams", "list-streams", "--table-name", "envvar", env=env, check=0).stdout
        self.assertEqual(json.loads(out)["Streams"][0]["TableName"], "envvar")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{sock.getsockname()[1]}"
        sock.close()
        # The variable is used (nothing listens there: exit 3 naming it) ...
        self.assertIn(dead, run("dynamodbstreams", "list-streams", env={"AWSFACADE_ENDPOINT": dead}, check=3).stderr)
        # ... and the option wins over it.
        run("--endpoint-url", f"http://{self.endpoint}", "dynamodbstreams", "list-streams",
            env={"AWSFACADE_ENDPOINT": dead}, check=0)
        self.assertIn("AWSFACADE_ENDPOINT", run("dynamodbstreams", "list-streams",
                                                env={"AWSFACADE_ENDPOINT": "nonsense"}, check=2).stderr)

    def test_aws_cli_options_it_does_not_have_are_named(self):
        for option in (["--profile", "default"], ["--query", "Streams[0]"], ["--debug"], ["--no-verify-ssl"],
                       ["--no-paginate"], ["--cli-binary-format", "raw-in-base64-out"]):
            for args in (option + ["dynamodbstreams", "list-streams"], ["dynamodbstreams", "list-streams"] + option):
                proc = run(*args, check=2)
                self.assertIn(f"{option[0]} is an AWS CLI option that awsfacade does not support", proc.stderr)
                self.assertEqual(proc.stdout, "")

    def test_text_output_is_the_aws_cli_layout(self):
        """Old: --output must be json or table."""
        self.create_table("textout")
        self.cli("dynamodb", "put-item", "--table-name", "textout", "--item",
                 json.dumps({"pk": {"S": "t"}, "ss": {"SS": ["a", "b"]}, "ok": {"BOOL": True}}))
        out = self.cli("--output", "text", "dynamodb", "get-item", "--table-name", "textout",
                       "--key", '{"pk": {"S": "t"}}').stdout
        # What `aws dynamodb get-item --output text` prints for this item.
        self.assertEqual(out, "OK\tTrue\nPK\tt\nSS\ta\nSS\tb\n")
        streams = self.cli("dynamodbstreams", "list-streams", "--table-name", "textout", "--output=text").stdout
        arn = json.loads(self.cli("dynamodbstreams", "list-streams", "--table-name", "textout").stdout)
        stream = arn["Streams"][0]
        self.assertEqual(streams, f"STREAMS\t{stream['StreamArn']}\t{stream['StreamLabel']}\ttextout\n")
        table = self.cli("dynamodb", "describe-table", "--table-name", "textout", "--output", "text").stdout
        self.assertRegex(table, r"(?m)^KEYSCHEMA\tpk\tHASH$")
        self.assertRegex(table, r"(?m)^ATTRIBUTEDEFINITIONS\tpk\tS$")
        self.assertRegex(table, r"(?m)^TABLE\t.*\ttextout\t")

    def test_structure_parameter_help_lists_members(self):
        """Old: --item (map (JSON object)), nothing about what goes in it."""
        out = run("dynamodb", "put-item", "--help", check=0).stdout
        self.assertIn("--item (map of string to structure AttributeValue)", out)
        self.assertIn("--expected (map of string to structure ExpectedAttributeValue)", out)
        structures = out[out.index("Structures"):]
        self.assertIn("AttributeValue (exactly one member):", structures)
        for member in ("S (string)", "N (string)", "B (blob, base64)", "SS (list of string)",
                       "M (map of string to structure AttributeValue)", "L (list of structure AttributeValue)",
                       "NULL (boolean)", "BOOL (boolean)"):
            self.assertIn(f"    {member}\n", structures)
        self.assertIn("  ExpectedAttributeValue:\n", structures)
        self.assertIn("    AttributeValueList (list of structure AttributeValue)\n", structures)
        self.assertEqual(structures.count("  AttributeValue (exactly one member):"), 1)  # recursive, listed once
        nested = run("dynamodb", "create-table", "--help", check=0).stdout
        self.assertIn("--global-secondary-indexes (list of structure GlobalSecondaryIndex)", nested)
        nested = nested[nested.index("Structures"):]
        self.assertIn("  GlobalSecondaryIndex:\n", nested)
        self.assertIn("    Projection (structure Projection)\n", nested)
        self.assertIn("  Projection:\n", nested)  # a structure inside a structure
        self.assertIn("    NonKeyAttributes (list of string)\n", nested)

    def tail(self, *args):
        proc = subprocess.Popen([CLI, f"--endpoint={self.endpoint}", "dynamodbstreams", "tail", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        return proc, lines, reader

    def wait_for(self, lines, n, proc, what=lambda line: True):
        deadline = time.time() + 30
        while sum(1 for line in list(lines) if what(line)) < n and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        self.assertGreaterEqual(sum(1 for line in list(lines) if what(line)), n, f"tail printed {lines}")

    def finish(self, proc, reader, sig=signal.SIGINT):
        if sig is not None:
            proc.send_signal(sig)
        code = proc.wait(timeout=30)
        reader.join(timeout=5)
        err = proc.stderr.read()
        proc.stdout.close()
        proc.stderr.close()
        return code, err

    def test_tail_prints_its_token_on_exit_and_resumes_from_it(self):
        """Old: no token printed; --print-token and --starting-token unknown."""
        arn = self.create_table("resumed")
        for i in range(2):
            self.put("resumed", f"first-{i}")
        is_record = lambda line: "ContinuationToken" not in json.loads(line)
        proc, lines, reader = self.tail("--table-name", "resumed", "--print-token")
        self.wait_for(lines, 2, proc, is_record)
        self.wait_for(lines, 1, proc, lambda line: not is_record(line))
        code, err = self.finish(proc, reader)
        self.assertEqual(code, 0)
        token = re.search(r"(?m)^ContinuationToken: (\S+)$", err).group(1)
        self.assertIn(f"--stream-arn {arn} --starting-token {token}", err)
        # --print-token: a checkpoint line after the records it covers; the
        # last one is the token printed on exit.
        printed = [json.loads(line)["ContinuationToken"] for line in lines if not is_record(line)]
        self.assertEqual(printed[-1], token)
        self.assertFalse(is_record(lines[-1]))
        first = [json.loads(line)["dynamodb"]["NewImage"]["pk"]["S"] for line in lines if is_record(line)]
        self.assertEqual(first, ["first-0", "first-1"])

        for i in range(3):  # written while nobody tails
            self.put("resumed", f"second-{i}")
        proc, lines, reader = self.tail("--stream-arn", arn, "--starting-token", token)
        self.wait_for(lines, 3, proc)
        # A later write: a repeat of the first three would come before it.
        self.put("resumed", "third-0")
        self.wait_for(lines, 4, proc)
        code, err = self.finish(proc, reader, signal.SIGTERM)
        self.assertEqual(code, 0)
        keys = [json.loads(line)["dynamodb"]["NewImage"]["pk"]["S"] for line in lines]
        self.assertEqual(keys, ["second-0", "second-1", "second-2", "third-0"])
        second_token = re.search(r"(?m)^ContinuationToken: (\S+)$", err).group(1)
        self.assertNotEqual(second_token, token)

        # The stream ends (disabled, every shard read): the token is printed too.
        proc, lines, reader = self.tail("--stream-arn", arn, "--starting-token", second_token)
        self.cli("dynamodb", "update-table", "--table-name", "resumed",
                 "--stream-specification", '{"StreamEnabled": false}')
        code, err = self.finish(proc, reader, sig=None)
        self.assertEqual(code, 0, err)
        self.assertEqual(lines, [])
        self.assertIn("The stream ended.", err)
        self.assertRegex(err, r"(?m)^ContinuationToken: \S+$")
        self.assertIn("both", run("dynamodbstreams", "tail", "--stream-arn", arn, "--starting-token", token,
                                  "--starting-position", "LATEST", check=2).stderr)

    def test_simulator_commands(self):
        """Old: unknown service "simulator"."""
        self.assertIn("simulator", run("--help", check=0).stdout)
        self.assertIn("advance-clock", run("simulator", "--help", check=0).stdout)
        self.assertIn("--by (duration", run("simulator", "advance-clock", "--help", check=0).stdout)
        server = FacadeServer(SERVER_BIN)  # its own: reset drops everything
        try:
            cli = lambda *args, check=0: run(*args, endpoint=server.address, check=check)
            before = json.loads(cli("simulator", "get-clock").stdout)["now"]
            after = json.loads(cli("simulator", "advance-clock", "--by", "15m").stdout)["now"]
            moved = parse_rfc3339(after) - parse_rfc3339(before)
            self.assertTrue(900 <= moved < 960, moved)  # 15 minutes, plus the real time between the calls
            after = json.loads(cli("simulator", "advance-clock", "--by", "90s").stdout)["now"]
            self.assertGreaterEqual(parse_rfc3339(json.loads(cli("simulator", "get-clock").stdout)["now"]),
                                    parse_rfc3339(after))
            self.assertIn("INVALID_ARGUMENT", cli("simulator", "advance-clock", "--by", "-5s", check=1).stderr)

            self.create_table("simulated", cli=cli)
            rules = [{"service": "dynamodb", "operation": "DescribeTable", "kind": "FAULT_KIND_INTERNAL_ERROR"}]
            cli("simulator", "set-faults", "--rules", json.dumps(rules))
            failed = cli("dynamodb", "describe-table", "--table-name", "simulated", check=1)
            self.assertIn("An error occurred (InternalServerError) when calling the DescribeTable", failed.stderr)
            cli("simulator", "clear-faults")
            cli("dynamodb", "describe-table", "--table-name", "simulated")
            rules[0]["maxCount"] = 1  # fires once, then the call goes through
            cli("simulator", "set-faults", "--cli-input-json", json.dumps({"rules": rules}))
            cli("dynamodb", "describe-table", "--table-name", "simulated", check=1)
            cli("dynamodb", "describe-table", "--table-name", "simulated")

            arn = json.loads(cli("dynamodbstreams", "list-streams").stdout)["Streams"][0]["StreamArn"]
            rollover = json.loads(cli("simulator", "force-shard-rollover", "--stream-arn", arn).stdout)
            self.assertEqual(len(rollover["closedShardIds"]), 1)
            self.assertEqual(len(rollover["newShardIds"]), 1)

            cli("simulator", "reset")
            gone = cli("dynamodb", "describe-table", "--table-name", "simulated", check=1)
            self.assertIn("ResourceNotFoundException", gone.stderr)
        finally:
            server.stop()

    def test_consumer_group_commands(self):
        """Old: unknown service "consumergroups"."""
        self.assertIn("consumergroups", run("--help", check=0).stdout)
        self.assertIn("describe-group", run("consumergroups", "--help", check=0).stdout)
        arn = self.create_table("grouped")
        self.put("grouped", "a")
        join = subprocess.Popen([CLI, f"--endpoint={self.endpoint}", "consumergroups", "join-group",
                                 "--group-name", "ops", "--stream-arn", arn, "--member-id", "cli-1"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            events = [json.loads(join.stdout.readline()) for _ in range(3)]
        finally:
            join.terminate()
            join.wait(timeout=30)
        owner = events[0]["Joined"]["LeaseOwner"]
        self.assertTrue(owner.startswith("cli-1:"), owner)
        self.assertEqual(events[1]["ShardAssigned"]["ResumeAfter"], "TRIM_HORIZON")
        batch = events[2]["Records"]
        self.assertEqual(batch["Records"][0]["dynamodb"]["Keys"], {"pk": {"S": "a"}})
        # The member is gone, its lease released: its checkpoint is refused.
        refused = self.cli("consumergroups", "checkpoint", "--group-name", "ops", "--stream-arn", arn,
                           "--shard-id", batch["ShardId"], "--sequence-number",
                           batch["CheckpointSequenceNumber"], "--lease-proof", owner, check=1)
        self.assertIn("An error occurred (LeaseLostException) when calling the Checkpoint", refused.stderr)
        described = json.loads(self.cli("consumergroups", "describe-group", "--group-name", "ops",
                                        "--stream-arn", arn).stdout)
        self.assertEqual(described["Leases"][0]["Checkpoint"], "TRIM_HORIZON")
        self.assertEqual(described["Leases"][0]["ShardId"], batch["ShardId"])
        listed = self.cli("consumergroups", "list-groups", "--stream-arn", arn, "--output", "text").stdout
        self.assertEqual(listed.split(), ["GROUPNAMES", "ops"])

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
            # A last write: a duplicate of anything before would come ahead of it.
            self.put("tailed", "last")
            wait_for(2 + 3 * 2 + 1)
        finally:
            tail.send_signal(signal.SIGINT)
            code = tail.wait(timeout=10)
            reader.join(timeout=5)
            tail.stdout.close()
            tail.stderr.close()
            proxy.close()
        self.assertEqual(code, 0)
        keys = [json.loads(line)["dynamodb"]["NewImage"]["pk"]["S"] for line in lines]
        self.assertEqual(keys, ["before-0", "before-1", "cut0-0", "cut0-1", "cut0-2", "cut1-0", "cut1-1", "cut1-2",
                                "last"])
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
            # A last write: a duplicate of anything before would come ahead of it.
            put("last")
            wait_for(4)
        finally:
            if tail is not None:
                tail.send_signal(signal.SIGINT)
                tail.wait(timeout=10)
                tail.stdout.close()
                tail.stderr.close()
            server.stop()
            state.cleanup()
        keys = [json.loads(line)["dynamodb"]["NewImage"]["pk"]["S"] for line in lines]
        self.assertEqual(keys, ["first", "after-restart-0", "after-restart-1", "last"])

    def test_tail_usage(self):
        self.assertEqual(run("dynamodbstreams", "tail", check=2).returncode, 2)
        self.assertIn("--starting-position", run("dynamodbstreams", "tail", "--help", check=0).stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
