"""Scrapes the real server's /metrics (issue 7 section 2) and checks the
numbers move: counters by the calls made, histogram counts, the open
subscriptions gauge up then down, records delivered, the subscription lag
histogram, and an injected throttle (SimulatorService.SetFaults) as a
"throttled" backend call.

Usage: metrics_scrape_test.py SERVER_BIN STUBS_DIR
"""
import os
import sys
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
        open_now = self.wait_for(
            lambda s: value(s, "awsfacade_subscriptions_open") == 1, "subscriptions_open == 1")
        self.assertGreaterEqual(
            value(open_now, "awsfacade_subscription_records_delivered_total")
            - value(before, "awsfacade_subscription_records_delivered_total"), 3)
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
