"""Scrapes the real server's /metrics (issue 7 section 2) and checks the
numbers move: counters by the calls made, histogram counts, the open
subscriptions gauge up then down, records delivered, the subscription lag
histogram, and an injected throttle (SimulatorService.SetFaults) as a
"throttled" backend call. On the AWS backend (Streams against a loopback
fake that answers ThrottlingException), the retry loop's throttles and
retries are counted and the log line carries the AWS error and request id.

Usage: metrics_scrape_test.py SERVER_BIN STUBS_DIR
"""
import http.server
import json
import os
import sys
import threading
import time
import unittest

SERVER_BIN, STUBS_DIR = sys.argv[1:3]
del sys.argv[1:3]
sys.path.insert(0, STUBS_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from aws.dynamodb.v1 import attribute_value_pb2 as av  # noqa: E402
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc  # noqa: E402
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc  # noqa: E402
from awsfacade.simulator.v1 import simulator_pb2 as sim, simulator_pb2_grpc as sim_grpc  # noqa: E402
from observed_server import ObservedServer, create_streamed_table, parse_exposition, value  # noqa: E402

DDB = "aws.dynamodb.v1.DynamoDbService"
STREAMS = "aws.dynamodbstreams.v1.DynamoDbStreamsService"
HANDLED = "awsfacade_grpc_server_handled_total"
SECONDS_COUNT = "awsfacade_grpc_server_handling_seconds_count"
BACKEND = "awsfacade_backend_calls_total"


class ThrottlingFakeAws(http.server.ThreadingHTTPServer):
    """A loopback stand-in for DynamoDB Streams: answers each request with
    the next scripted (status, body), then the last one forever."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests = 0
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests += 1
                status, body = fake.answers[0] if len(fake.answers) == 1 else fake.answers.pop(0)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("x-amzn-RequestId", "FAKE-REQ-%d" % fake.requests)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()


THROTTLED = (400, {"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                   "message": "Rate exceeded"})


class AwsRetryMetricsTest(unittest.TestCase):
    """The AWS backend's retry loop feeds awsfacade_aws_throttles_total and
    awsfacade_aws_retries_total (service label "dynamodbstreams")."""

    def test_throttles_and_retries_are_counted(self):
        fake = ThrottlingFakeAws([THROTTLED, THROTTLED, (200, {"Streams": []})])
        self.addCleanup(fake.shutdown)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_REGION="us-east-1", AWS_CONFIG_FILE="/nonexistent",
                   AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true")
        server = ObservedServer(
            SERVER_BIN, "--metrics_listen=127.0.0.1:0", "--dynamodbstreams_backend=aws",
            "--endpoint_url=http://127.0.0.1:%d" % fake.server_address[1], env=env)
        self.addCleanup(server.__exit__)
        channel = grpc.insecure_channel(server.address)
        self.addCleanup(channel.close)
        streams = st_grpc.DynamoDbStreamsServiceStub(channel)
        streams.ListStreams(st.ListStreamsRequest(), timeout=20)  # two throttles, then OK
        self.assertEqual(fake.requests, 3)

        status, body, _ = server.http_get("/metrics")
        self.assertEqual(status, 200)
        samples = parse_exposition(body)
        labels = dict(service="dynamodbstreams", operation="ListStreams")
        self.assertEqual(value(samples, "awsfacade_aws_throttles_total", **labels), 2)
        self.assertEqual(value(samples, "awsfacade_aws_retries_total", **labels), 2)
        self.assertEqual(value(samples, BACKEND, backend="aws", outcome="ok", **labels), 1)
        self.assertEqual(value(samples, HANDLED, grpc_service=STREAMS, grpc_method="ListStreams",
                               grpc_code="OK"), 1)

        # Throttled to the end (standard mode: 3 attempts): the call fails,
        # and the log line names the AWS error and AWS's request id.
        fake.answers = [THROTTLED]
        with self.assertRaises(grpc.RpcError) as failed:
            streams.ListStreams(st.ListStreamsRequest(), metadata=[("x-request-id", "aws-throttled")],
                                timeout=20)
        self.assertEqual(failed.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        samples = parse_exposition(server.http_get("/metrics")[1])
        self.assertEqual(value(samples, "awsfacade_aws_throttles_total", **labels), 5)
        self.assertEqual(value(samples, "awsfacade_aws_retries_total", **labels), 4)
        self.assertEqual(value(samples, BACKEND, backend="aws", outcome="throttled", **labels), 1)
        server.stop()
        rpc = [json.loads(line) for line in server.log_text().splitlines()
               if '"aws-throttled"' in line]
        self.assertEqual(len(rpc), 1)
        self.assertEqual(rpc[0]["aws_error"], "ThrottlingException")
        self.assertEqual(rpc[0]["aws_request_id"], "FAKE-REQ-%d" % fake.requests)


class MetricsScrapeTest(unittest.TestCase):
    def setUp(self):
        self.server = ObservedServer(SERVER_BIN, "--metrics_listen=127.0.0.1:0")
        self.addCleanup(self.server.__exit__)
        self.channel = grpc.insecure_channel(self.server.address)
        self.addCleanup(self.channel.close)
        self.ddb = db_grpc.DynamoDbServiceStub(self.channel)
        self.streams = st_grpc.DynamoDbStreamsServiceStub(self.channel)
        self.sim = sim_grpc.SimulatorServiceStub(self.channel)

    def scrape(self):
        status, body, content_type = self.server.http_get("/metrics")
        self.assertEqual(status, 200)
        # prometheus-cpp says "text/plain; charset=utf-8": the 0.0.4 format.
        self.assertTrue(content_type.startswith("text/plain"), content_type)
        return parse_exposition(body)

    def wait_for(self, predicate, what, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            samples = self.scrape()
            if predicate(samples):
                return samples
            time.sleep(0.05)
        self.fail("timed out waiting for " + what)

    def test_metrics_port_is_logged_and_serves_only_metrics_and_healthz(self):
        self.assertIsInstance(self.server.metrics_port, int)
        self.assertNotEqual(self.server.metrics_port, self.server.port)
        self.assertIn("metrics on port %d" % self.server.metrics_port, self.server.started_line)
        self.assertEqual(self.server.http_get("/healthz")[0], 200)
        self.assertEqual(self.server.http_get("/")[0], 404)
        self.assertEqual(self.server.http_get("/metricsx")[0], 404)

    def test_calls_move_the_numbers(self):
        before = self.scrape()

        arn = create_streamed_table(self.channel, "orders", "NEW_IMAGE")
        for i in range(3):
            self.ddb.PutItem(db.PutItemRequest(table_name="orders", item={
                "pk": av.AttributeValue(s="k%d" % i)}), timeout=10)
        with self.assertRaises(grpc.RpcError) as missing:
            self.ddb.GetItem(db.GetItemRequest(table_name="no-such-table", key={
                "pk": av.AttributeValue(s="k")}), timeout=10)
        self.assertEqual(missing.exception.code(), grpc.StatusCode.NOT_FOUND)

        # A subscription that receives the three records, open while scraped.
        call = self.streams.SubscribeToStream(st.SubscribeToStreamRequest(
            stream_arn=arn, starting_position=st.StartingPosition(type="TRIM_HORIZON")),
            timeout=60)
        received = 0
        for event in call:
            if event.WhichOneof("event") == "records":
                received += len(event.records.records)
            if received >= 3:
                break
        self.assertEqual(received, 3)
        # Records are counted when the server's write completes, which can be
        # after the client already holds them: wait for the count, not just
        # for the open subscription.
        delivered = "awsfacade_subscription_records_delivered_total"
        open_now = self.wait_for(
            lambda s: value(s, "awsfacade_subscriptions_open") == 1
            and value(s, delivered) - value(before, delivered) >= 3,
            "subscriptions_open == 1 and 3 records delivered")
        self.assertEqual(value(open_now, delivered) - value(before, delivered), 3)
        self.assertGreaterEqual(value(open_now, "awsfacade_subscription_lag_milliseconds_count"), 1)
        call.cancel()
        self.wait_for(lambda s: value(s, "awsfacade_subscriptions_open") == 0,
                      "subscriptions_open back to 0")

        # An injected throttle is a failed RPC and a "throttled" backend call.
        self.sim.SetFaults(sim.SetFaultsRequest(rules=[sim.FaultRule(
            service="dynamodb", operation="GetItem", kind=sim.FAULT_KIND_THROTTLE,
            max_count=1)]), timeout=10)
        with self.assertRaises(grpc.RpcError) as throttled:
            self.ddb.GetItem(db.GetItemRequest(table_name="orders", key={
                "pk": av.AttributeValue(s="k0")}), timeout=10)
        self.assertEqual(throttled.exception.code(), grpc.StatusCode.RESOURCE_EXHAUSTED)
        self.ddb.GetItem(db.GetItemRequest(table_name="orders", key={
            "pk": av.AttributeValue(s="k0")}), timeout=10)

        after = self.wait_for(
            lambda s: value(s, HANDLED, grpc_service=STREAMS, grpc_method="SubscribeToStream",
                            grpc_code="CANCELLED") >= 1, "the cancelled subscription counted")

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        self.assertEqual(delta(HANDLED, grpc_service=DDB, grpc_method="PutItem", grpc_code="OK"), 3)
        self.assertEqual(delta(HANDLED, grpc_service=DDB, grpc_method="CreateTable", grpc_code="OK"), 1)
        self.assertEqual(delta(HANDLED, grpc_service=DDB, grpc_method="GetItem",
                               grpc_code="NOT_FOUND"), 1)
        self.assertEqual(delta(HANDLED, grpc_service=DDB, grpc_method="GetItem",
                               grpc_code="RESOURCE_EXHAUSTED"), 1)
        self.assertEqual(delta(HANDLED, grpc_service=DDB, grpc_method="GetItem", grpc_code="OK"), 1)
        self.assertEqual(delta(SECONDS_COUNT, grpc_service=DDB, grpc_method="PutItem"), 3)
        self.assertEqual(delta(SECONDS_COUNT, grpc_service=DDB, grpc_method="GetItem"), 3)
        self.assertEqual(delta("awsfacade_grpc_server_handling_seconds_bucket", grpc_service=DDB,
                               grpc_method="PutItem", le="+Inf"), 3)
        self.assertEqual(delta(BACKEND, service="dynamodb", operation="PutItem",
                               backend="simulator", outcome="ok"), 3)
        self.assertEqual(delta(BACKEND, service="dynamodb", operation="GetItem",
                               backend="simulator", outcome="throttled"), 1)
        self.assertEqual(delta(BACKEND, service="dynamodb", operation="GetItem",
                               backend="simulator", outcome="client_error"), 1)
        self.assertGreaterEqual(delta(BACKEND, service="dynamodbstreams", operation="GetRecords",
                                      backend="simulator", outcome="ok"), 1)
        self.assertEqual(delta("awsfacade_backend_call_seconds_count", service="dynamodb",
                               operation="PutItem", backend="simulator"), 3)
        self.assertEqual(value(after, "awsfacade_subscriptions_open"), 0)
        # The simulator never talks to AWS: no retries or throttles there.
        self.assertFalse([k for k in after if k[0] == "awsfacade_aws_retries_total"])


if __name__ == "__main__":
    unittest.main()
