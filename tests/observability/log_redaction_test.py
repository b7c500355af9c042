"""The server's stderr at the default level (info) is JSON lines with one
line per RPC carrying a request id, and never a credential, a session
token or a record/attribute value (issue 7 section 2).

Secrets are marker strings in the environment (AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN: Cognito Sync runs on the AWS backend against a closed
loopback port, so its calls are signed with them and fail); record values
are marker strings in PutItem items, in a condition's expression values, in
an invalid number (whose error message quotes it), in Cognito Sync record
patches, and in stream records a subscription receives.

An upstream that quotes the request in its error (as AWS signature errors
do: the canonical request, the string to sign, sometimes headers) must not
get the credentials relayed to the gRPC client or into the log at any
level, debug included (issue 17 section 5).

Usage: log_redaction_test.py SERVER_BIN STUBS_DIR
"""
import http.server
import json
import os
import re
import socket
import sys
import threading
import unittest
import uuid

SERVER_BIN, STUBS_DIR = sys.argv[1:3]
del sys.argv[1:3]
sys.path.insert(0, STUBS_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from aws.cognitosync.v1 import cognitosync_pb2 as cs, cognitosync_pb2_grpc as cs_grpc  # noqa: E402
from aws.dynamodb.v1 import attribute_value_pb2 as av  # noqa: E402
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc  # noqa: E402
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc  # noqa: E402
from observed_server import ObservedServer, create_streamed_table  # noqa: E402

RUN = uuid.uuid4().hex[:12]
MARKERS = {
    "secret_key": "SECRET-MARKER-ACCESS-KEY-" + RUN,
    "session_token": "SECRET-MARKER-SESSION-TOKEN-" + RUN,
    "item_value": "SECRET-MARKER-ITEM-VALUE-" + RUN,
    "expression_value": "SECRET-MARKER-EXPRESSION-VALUE-" + RUN,
    "bad_number": "SECRET-MARKER-NUMBER-" + RUN,
    "cognito_value": "SECRET-MARKER-COGNITO-VALUE-" + RUN,
}
POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "AWS_ACCESS_KEY_ID": "AKIDOBSERVABILITYTEST",
        "AWS_SECRET_ACCESS_KEY": MARKERS["secret_key"],
        "AWS_SESSION_TOKEN": MARKERS["session_token"],
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


class QuotingUpstream:
    """A fake AWS endpoint on loopback that answers every request with an
    InvalidSignatureException quoting the request's headers (and, as a
    misbehaving upstream might, the secret key itself)."""

    def __init__(self):
        seen = self.seen = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                auth = self.headers.get("Authorization", "")
                token = self.headers.get("X-Amz-Security-Token", "")
                seen.append(auth)
                message = (
                    "The request signature we calculated does not match the signature you "
                    "provided. The Canonical String for this request should have been\n"
                    "'%s\n%s\n\nhost:%s\nx-amz-date:%s\nx-amz-security-token:%s\n'\n"
                    "Request headers: Authorization: %s\nX-Amz-Security-Token: %s\n"
                    "Secret key on file: %s" % (
                        self.command, self.path, self.headers.get("Host", ""),
                        self.headers.get("X-Amz-Date", ""), token, auth, token,
                        MARKERS["secret_key"]))
                body = json.dumps({"message": message}).encode()
                self.send_response(403)
                self.send_header("Content-Type", "application/json")
                self.send_header("x-amzn-ErrorType", "InvalidSignatureException")
                self.send_header("x-amzn-RequestId", "req-upstream-1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = answer

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class LogRedactionTest(unittest.TestCase):
    def start(self, *extra):
        server = ObservedServer(
            SERVER_BIN, "--cognito_sync_backend=aws",
            "--endpoint_url=http://127.0.0.1:%d" % closed_port(), "--aws_call_timeout=2s",
            *extra, env=server_env())
        self.addCleanup(server.__exit__)
        channel = grpc.insecure_channel(server.address)
        self.addCleanup(channel.close)
        return server, channel

    def stop(self, server):
        self.assertEqual(server.stop(), 0)
        return server.log_text()

    def exercise(self, channel):
        """Makes the calls; returns how many RPCs the server finished."""
        ddb = db_grpc.DynamoDbServiceStub(channel)
        streams = st_grpc.DynamoDbStreamsServiceStub(channel)
        sync = cs_grpc.CognitoSyncServiceStub(channel)
        calls = 0
        stream_arn = create_streamed_table(channel, "secrets")
        calls += 1
        ddb.PutItem(db.PutItemRequest(table_name="secrets", item={
            "pk": av.AttributeValue(s="k1"),
            "password": av.AttributeValue(s=MARKERS["item_value"])}),
            metadata=[("x-request-id", "req-obs-put-1")], timeout=10)
        calls += 1
        got = ddb.GetItem(db.GetItemRequest(table_name="secrets", key={
            "pk": av.AttributeValue(s="k1")}), timeout=10)
        self.assertEqual(got.item["password"].s, MARKERS["item_value"])
        calls += 1
        with self.assertRaises(grpc.RpcError) as failed:
            ddb.PutItem(db.PutItemRequest(
                table_name="secrets",
                item={"pk": av.AttributeValue(s="k1")},
                condition_expression="#p = :v",
                expression_attribute_names={"#p": "password"},
                expression_attribute_values={":v": av.AttributeValue(s=MARKERS["expression_value"])}),
                metadata=[("x-request-id", "req-obs-conditional")], timeout=10)
        self.assertEqual(failed.exception.code(), grpc.StatusCode.FAILED_PRECONDITION)
        calls += 1
        with self.assertRaises(grpc.RpcError) as invalid:
            ddb.PutItem(db.PutItemRequest(table_name="secrets", item={
                "pk": av.AttributeValue(s="k2"),
                "amount": av.AttributeValue(n=MARKERS["bad_number"])}), timeout=10)
        self.assertEqual(invalid.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        calls += 1
        # Cognito Sync on "AWS" (a closed port): signed with the marker
        # credentials, fails after its retries.
        with self.assertRaises(grpc.RpcError) as unreachable:
            sync.UpdateRecords(cs.UpdateRecordsRequest(
                identity_pool_id=POOL, identity_id=IDENTITY, dataset_name="prefs",
                sync_session_token="SECRET-MARKER-SYNC-SESSION-" + RUN,
                record_patches=[cs.RecordPatch(op="replace", key="k", value=MARKERS["cognito_value"],
                                               sync_count=0)]), timeout=10)
        self.assertIn(unreachable.exception.code(),
                      (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED))
        calls += 1
        # A subscription receives the record with the marker value.
        call = streams.SubscribeToStream(st.SubscribeToStreamRequest(
            stream_arn=stream_arn,
            starting_position=st.StartingPosition(type="TRIM_HORIZON")), timeout=30)
        for event in call:
            if event.WhichOneof("event") == "records":
                image = event.records.records[0].record.dynamodb.new_image
                self.assertEqual(image["password"].s, MARKERS["item_value"])
                break
        call.cancel()
        calls += 1
        return calls

    def test_info_lines_are_json_with_request_ids_and_no_secrets(self):
        server, channel = self.start()
        calls = self.exercise(channel)
        channel.close()
        text = self.stop(server)

        for name, marker in MARKERS.items():
            self.assertNotIn(marker, text, "%s leaked into the log" % name)
        self.assertNotIn("SECRET-MARKER", text)

        lines = [json.loads(line) for line in text.splitlines() if line.strip()]
        for line in lines:
            self.assertIn(line["level"], ("debug", "info", "warning", "error"))
            self.assertRegex(line["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$")
        self.assertTrue(any(re.search(r"listening on port \d+ ", l["msg"]) for l in lines))
        self.assertTrue(any(l["msg"] == "awsfacade-server: stopped" for l in lines))

        rpcs = [l for l in lines if l["msg"] == "rpc"]
        self.assertEqual(len(rpcs), calls, rpcs)
        for rpc in rpcs:
            self.assertEqual(rpc["level"], "info")
            self.assertRegex(rpc["request_id"], r"^[A-Za-z0-9._:/+=-]{1,128}$")
            self.assertIn("code", rpc)
            self.assertGreaterEqual(rpc["duration_ms"], 0)
            self.assertNotIn("message", rpc)  # messages are debug-only
        self.assertEqual(len({r["request_id"] for r in rpcs}), len(rpcs))
        put = [r for r in rpcs if r["request_id"] == "req-obs-put-1"]
        self.assertEqual(len(put), 1)
        self.assertEqual(put[0]["method"], "/aws.dynamodb.v1.DynamoDbService/PutItem")
        self.assertEqual(put[0]["code"], "OK")
        conditional = [r for r in rpcs if r["request_id"] == "req-obs-conditional"][0]
        self.assertEqual(conditional["code"], "FAILED_PRECONDITION")
        self.assertEqual(conditional["aws_error"], "ConditionalCheckFailedException")
        self.assertTrue(any(r["method"].endswith("/UpdateRecords") and r["code"] != "OK"
                            for r in rpcs))

    def test_warning_level_keeps_only_the_lifecycle_lines(self):
        server, channel = self.start("--log_level=warning")
        db_grpc.DynamoDbServiceStub(channel).CreateTable(db.CreateTableRequest(
            table_name="quiet",
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            billing_mode="PAY_PER_REQUEST"), timeout=10)
        channel.close()
        lines = [json.loads(l) for l in self.stop(server).splitlines() if l.strip()]
        self.assertFalse([l for l in lines if l["msg"] == "rpc"])
        self.assertTrue(any("listening on port" in l["msg"] for l in lines))

    def test_upstream_error_quoting_credentials_is_relayed_and_logged_redacted(self):
        upstream = QuotingUpstream()
        self.addCleanup(upstream.close)
        server = ObservedServer(
            SERVER_BIN, "--cognito_sync_backend=aws",
            "--endpoint_url=http://127.0.0.1:%d" % upstream.port, "--aws_call_timeout=5s",
            "--log_level=debug", env=server_env())
        self.addCleanup(server.__exit__)
        channel = grpc.insecure_channel(server.address)
        with self.assertRaises(grpc.RpcError) as failed:
            cs_grpc.CognitoSyncServiceStub(channel).ListDatasets(
                cs.ListDatasetsRequest(identity_pool_id=POOL, identity_id=IDENTITY),
                metadata=[("x-request-id", "req-quoting-upstream")], timeout=10)
        channel.close()
        error = failed.exception
        self.assertTrue(upstream.seen, "the upstream was never called")
        authorization = upstream.seen[0]
        self.assertIn("Signature=", authorization)
        signature = authorization.split("Signature=")[1]
        secrets = {
            "secret key": MARKERS["secret_key"],
            "session token": MARKERS["session_token"],
            "signature": signature,
        }

        # What the client sees: the message and the status details (ErrorInfo).
        relayed = error.details() + " " + repr(error.trailing_metadata())
        for name, secret in secrets.items():
            self.assertNotIn(secret, relayed, "%s relayed to the client" % name)
        self.assertEqual(error.code(), grpc.StatusCode.UNAUTHENTICATED)
        self.assertIn("InvalidSignatureException", error.details())
        self.assertIn("The request signature we calculated does not match", error.details())
        self.assertIn("x-amz-security-token:<redacted>", error.details())
        self.assertIn("Signature=<redacted>", error.details())

        text = self.stop(server)
        for name, secret in secrets.items():
            self.assertNotIn(secret, text, "%s leaked into the debug log" % name)
        lines = [json.loads(l) for l in text.splitlines() if l.strip()]
        rpc = [l for l in lines if l.get("request_id") == "req-quoting-upstream"]
        self.assertEqual(len(rpc), 1, lines)
        self.assertEqual(rpc[0]["aws_error"], "InvalidSignatureException")
        self.assertIn("<redacted>", rpc[0]["message"])
        self.assertIn("does not match", rpc[0]["message"])

    def test_debug_level_adds_the_error_message(self):
        server, channel = self.start("--log_level=debug")
        with self.assertRaises(grpc.RpcError):
            db_grpc.DynamoDbServiceStub(channel).GetItem(db.GetItemRequest(
                table_name="missing-table", key={"pk": av.AttributeValue(s="k")}), timeout=10)
        channel.close()
        lines = [json.loads(l) for l in self.stop(server).splitlines() if l.strip()]
        rpc = [l for l in lines if l["msg"] == "rpc" and l["method"].endswith("/GetItem")]
        self.assertEqual(len(rpc), 1)
        self.assertEqual(rpc[0]["level"], "info")
        self.assertIn("message", rpc[0])
        self.assertEqual(rpc[0]["aws_error"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
