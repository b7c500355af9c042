"""boto3's batch and transaction calls against the simulator's AWS wire endpoint
(issue 14 section 2): BatchWriteItem, BatchGetItem, TransactWriteItems and
TransactGetItems with nothing but endpoint_url changed.
  * boto3's own `batch_writer` (it re-sends UnprocessedItems by itself) and a
    plain retry loop over UnprocessedItems write everything while the
    simulator throttles half of each batch's items (fault injection set with
    the awsfacade CLI's `simulator set-faults`);
  * `transact_write_items` failing: TransactionCanceledException with
    e.response["CancellationReasons"] (one per action, in order, the item for
    ReturnValuesOnConditionCheckFailure=ALL_OLD), nothing written;
  * a transaction leaves one stream record per changed item;
  * ConditionalCheckFailedException carries e.response["Item"].

  python3 aws_wire_boto3_batch_test.py SERVER_BIN CLI_BIN
Runs under the image's python3 (boto3); exit 77 (skipped, saying why) when
boto3 cannot be imported.
"""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
from facade_server import FacadeServer  # noqa: E402

try:
    import boto3
    import botocore.config
    import botocore.exceptions
except ImportError as e:  # pragma: no cover
    print("SKIP: boto3 cannot be imported by %s: %s" % (sys.executable, e))
    sys.exit(77)

SERVER_BIN = sys.argv[1] if len(sys.argv) > 1 else None
CLI_BIN = sys.argv[2] if len(sys.argv) > 2 else None
REGION = "us-east-1"
CONFIG = botocore.config.Config(retries={"mode": "standard", "max_attempts": 10})


class WireBatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FacadeServer(SERVER_BIN, "--aws_listen=127.0.0.1:0")
        m = re.search(r"AWS wire protocols on port (\d+)", cls.server.startup_log)
        assert m, cls.server.startup_log
        cls.endpoint = "http://127.0.0.1:%s" % m.group(1)
        cls.ddb = boto3.client("dynamodb", endpoint_url=cls.endpoint, region_name=REGION,
                               aws_access_key_id="k", aws_secret_access_key="s", config=CONFIG)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def tearDown(self):
        self.set_faults([])

    def set_faults(self, rules):
        if not CLI_BIN:
            self.skipTest("the awsfacade CLI was not built, so faults cannot be set")
        subprocess.run([CLI_BIN, "--endpoint", self.server.address, "simulator", "set-faults",
                        "--cli-input-json", json.dumps({"rules": rules})],
                       check=True, stdout=subprocess.DEVNULL)

    def throttle_half(self, operation):
        self.set_faults([{"service": "dynamodb", "operation": operation, "kind": "FAULT_KIND_THROTTLE",
                          "probability": 0.5, "seed": 11}])

    def create_table(self, name):
        self.ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})

    def all_keys(self, table, keys):
        """Every item of `keys` that exists, read with BatchGetItem (100 keys a call, following
        UnprocessedKeys)."""
        found = set()
        for start in range(0, len(keys), 100):
            pending = {table: {"Keys": [{"pk": {"S": k}} for k in keys[start:start + 100]]}}
            for _ in range(100):
                if not pending:
                    break
                page = self.ddb.batch_get_item(RequestItems=pending)
                found.update(item["pk"]["S"] for item in page["Responses"].get(table, []))
                pending = page["UnprocessedKeys"]
            self.assertFalse(pending)
        return found

    def stream_events(self, table):
        streams = boto3.client("dynamodbstreams", endpoint_url=self.endpoint, region_name=REGION,
                               aws_access_key_id="k", aws_secret_access_key="s")
        arn = streams.list_streams(TableName=table)["Streams"][0]["StreamArn"]
        events = []
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                page = streams.get_records(ShardIterator=it)
                events += [(r["eventName"], r["dynamodb"]["Keys"]["pk"]["S"]) for r in page["Records"]]
                if not page["Records"]:
                    break
                it = page.get("NextShardIterator")
        return events

    def test_batch_writer_writes_everything_under_throttling(self):
        self.create_table("batch-writer")
        self.throttle_half("BatchWriteItem")
        table = boto3.resource("dynamodb", endpoint_url=self.endpoint, region_name=REGION,
                               aws_access_key_id="k", aws_secret_access_key="s",
                               config=CONFIG).Table("batch-writer")
        keys = ["item-%03d" % i for i in range(120)]
        with table.batch_writer() as batch:
            for k in keys:
                batch.put_item(Item={"pk": k, "n": 1})
        self.set_faults([])
        self.assertEqual(self.all_keys("batch-writer", keys), set(keys))
        events = self.stream_events("batch-writer")
        self.assertEqual(sorted(events), sorted(("INSERT", k) for k in keys))  # each written once

    def test_retry_loop_over_unprocessed_items_finishes(self):
        self.create_table("batch-loop")
        self.throttle_half("BatchWriteItem")
        keys = ["k%02d" % i for i in range(25)]
        pending = {"batch-loop": [{"PutRequest": {"Item": {"pk": {"S": k}}}} for k in keys]}
        calls, partial = 0, 0
        while pending and calls < 100:
            calls += 1
            try:
                answer = self.ddb.batch_write_item(RequestItems=pending)
            except botocore.exceptions.ClientError as e:  # every item throttled, after botocore's retries
                self.assertEqual(e.response["Error"]["Code"], "ProvisionedThroughputExceededException")
                continue
            if answer.get("UnprocessedItems"):
                partial += 1
            pending = answer.get("UnprocessedItems") or {}
        self.assertFalse(pending)
        self.assertGreater(partial, 0, "throttling never left part of a batch unprocessed")
        self.set_faults([])
        self.assertEqual(self.all_keys("batch-loop", keys), set(keys))

    def test_batch_get_under_throttling_returns_unprocessed_keys(self):
        self.create_table("batch-get")
        keys = ["g%02d" % i for i in range(30)]
        self.ddb.batch_write_item(RequestItems={"batch-get": [
            {"PutRequest": {"Item": {"pk": {"S": k}}}} for k in keys[:25]]})
        self.ddb.batch_write_item(RequestItems={"batch-get": [
            {"PutRequest": {"Item": {"pk": {"S": k}}}} for k in keys[25:]]})
        self.throttle_half("BatchGetItem")
        page = self.ddb.batch_get_item(RequestItems={"batch-get": {
            "Keys": [{"pk": {"S": k}} for k in keys], "ProjectionExpression": "pk"}})
        rest = page["UnprocessedKeys"]["batch-get"]
        self.assertEqual(rest["ProjectionExpression"], "pk")
        self.assertEqual(len(page["Responses"]["batch-get"]) + len(rest["Keys"]), 30)
        self.assertEqual(self.all_keys("batch-get", keys), set(keys))

    def test_transaction_canceled_carries_cancellation_reasons(self):
        self.create_table("tx-fail")
        self.ddb.put_item(TableName="tx-fail", Item={"pk": {"S": "taken"}, "v": {"S": "old"}})
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            self.ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "tx-fail", "Item": {"pk": {"S": "new"}}}},
                {"Put": {"TableName": "tx-fail", "Item": {"pk": {"S": "taken"}},
                         "ConditionExpression": "attribute_not_exists(pk)",
                         "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                {"ConditionCheck": {"TableName": "tx-fail", "Key": {"pk": {"S": "other"}},
                                    "ConditionExpression": "attribute_not_exists(pk)"}},
            ])
        e = raised.exception
        self.assertEqual(e.response["Error"]["Code"], "TransactionCanceledException")
        self.assertEqual(e.response["ResponseMetadata"]["HTTPStatusCode"], 400)
        reasons = e.response["CancellationReasons"]
        self.assertEqual([r["Code"] for r in reasons], ["None", "ConditionalCheckFailed", "None"])
        self.assertEqual(reasons[1]["Item"], {"pk": {"S": "taken"}, "v": {"S": "old"}})
        self.assertEqual(reasons[1]["Message"], "The conditional request failed")
        self.assertIn("[None, ConditionalCheckFailed, None]", e.response["Error"]["Message"])
        self.assertNotIn("Item", self.ddb.get_item(TableName="tx-fail", Key={"pk": {"S": "new"}}))
        self.assertEqual(self.stream_events("tx-fail"), [("INSERT", "taken")])

    def test_transaction_writes_one_record_per_changed_item(self):
        self.create_table("tx-ok")
        self.ddb.put_item(TableName="tx-ok", Item={"pk": {"S": "a"}})
        self.ddb.put_item(TableName="tx-ok", Item={"pk": {"S": "gone"}})
        self.ddb.transact_write_items(ClientRequestToken="token-1", TransactItems=[
            {"ConditionCheck": {"TableName": "tx-ok", "Key": {"pk": {"S": "a"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
            {"Put": {"TableName": "tx-ok", "Item": {"pk": {"S": "b"}}}},
            {"Update": {"TableName": "tx-ok", "Key": {"pk": {"S": "c"}},
                        "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}},
            {"Delete": {"TableName": "tx-ok", "Key": {"pk": {"S": "gone"}}}},
        ])
        got = self.ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": "tx-ok", "Key": {"pk": {"S": k}}}} for k in ("c", "gone", "b")])
        self.assertEqual([r.get("Item") for r in got["Responses"]],
                         [{"pk": {"S": "c"}, "v": {"N": "1"}}, None, {"pk": {"S": "b"}}])
        self.assertEqual(self.stream_events("tx-ok"),
                         [("INSERT", "a"), ("INSERT", "gone"), ("INSERT", "b"), ("INSERT", "c"),
                          ("REMOVE", "gone")])
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            self.ddb.transact_write_items(ClientRequestToken="token-1", TransactItems=[
                {"Put": {"TableName": "tx-ok", "Item": {"pk": {"S": "z"}}}}])
        self.assertEqual(raised.exception.response["Error"]["Code"], "IdempotentParameterMismatchException")

    def test_conditional_check_failed_carries_the_item(self):
        self.create_table("cond")
        self.ddb.put_item(TableName="cond", Item={"pk": {"S": "a"}, "v": {"S": "1"}})
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            self.ddb.put_item(TableName="cond", Item={"pk": {"S": "a"}},
                              ConditionExpression="attribute_not_exists(pk)",
                              ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(raised.exception.response["Error"]["Code"], "ConditionalCheckFailedException")
        self.assertEqual(raised.exception.response["Item"], {"pk": {"S": "a"}, "v": {"S": "1"}})


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
