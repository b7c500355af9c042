"""boto3 against the simulator's AWS wire endpoint (issue 14 sections 1 and 3).

awsfacade-server runs with --aws_listen=127.0.0.1:0; boto3 is pointed at it
with nothing but endpoint_url, as a team moving off moto or LocalStack would:
  * DynamoDB: CreateTable (botocore's own `table_exists` waiter), PutItem,
    GetItem, UpdateItem, DeleteItem, DescribeTable, UpdateTable, the TTL
    calls, DeleteTable, ListTables, Query and Scan with botocore's own paginators (and
    an index, filters, projections, Select COUNT); errors by name and HTTP status (botocore verifies
    x-amz-crc32 on every DynamoDB answer; the test checks it too);
  * DynamoDB Streams: botocore's ListStreams paginator, DescribeStream,
    GetShardIterator, GetRecords with the records the writes made;
  * Personalize: dataset groups, schemas, datasets, botocore's ListDatasets
    paginator, ResourceNotFoundException;
  * Cognito Sync (restJson1): UpdateRecords with the SyncSessionToken of
    ListRecords, ListDatasets, DescribeDataset, DeleteDataset, 404
    ResourceNotFoundException;
  * bad input on a raw HTTP/1.1 keep-alive connection: malformed JSON,
    unknown X-Amz-Target, no target, a body past --aws_max_body_bytes: AWS
    error shapes, the connection still usable (the 413 closes it);
  * gRPC <-> wire: a boto3 PutItem shows up in a gRPC SubscribeToStream (the
    awsfacade CLI's `tail`), and a gRPC PutItem in boto3's GetRecords;
  * --aws_verify_signatures: right keys pass, a wrong secret gives
    InvalidSignatureException, an unknown key UnrecognizedClientException.

  python3 aws_wire_boto3_test.py SERVER_BIN CLI_BIN
Runs under the image's python3 (boto3); exit 77 (skipped, saying why) when
boto3 cannot be imported.
"""
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

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
POOL = "us-east-1:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
MAX_BODY = 64 << 10


def wire_port(server):
    import re
    m = re.search(r"AWS wire protocols on port (\d+)", server.startup_log)
    assert m, server.startup_log
    return int(m.group(1))


def client(service, endpoint, key="wire-test", secret="wire-secret"):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 2}))


def error_of(call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("no error from %s" % call)


class WireTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FacadeServer(SERVER_BIN, "--aws_listen=127.0.0.1:0",
                                  "--aws_max_body_bytes=%d" % MAX_BODY)
        cls.port = wire_port(cls.server)
        cls.endpoint = "http://127.0.0.1:%d" % cls.port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def create_table(self, name, stream=True):
        ddb = client("dynamodb", self.endpoint)
        ddb.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            BillingMode="PAY_PER_REQUEST",
            **({"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
               if stream else {}))
        ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 20})
        return ddb

    def shard_records(self, table):
        streams = client("dynamodbstreams", self.endpoint)
        # botocore has no ListStreams paginator: follow LastEvaluatedStreamArn.
        arns, kwargs = [], {"TableName": table, "Limit": 1}
        while True:
            page = streams.list_streams(**kwargs)
            arns += [s["StreamArn"] for s in page["Streams"]]
            if "LastEvaluatedStreamArn" not in page:
                break
            kwargs["ExclusiveStartStreamArn"] = page["LastEvaluatedStreamArn"]
        self.assertEqual(len(arns), 1, arns)
        shards = streams.describe_stream(StreamArn=arns[0])["StreamDescription"]["Shards"]
        records = []
        for shard in shards:
            it = streams.get_shard_iterator(StreamArn=arns[0], ShardId=shard["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                page = streams.get_records(ShardIterator=it, Limit=100)
                records += page["Records"]
                if not page["Records"]:
                    break
                it = page.get("NextShardIterator")
        return arns[0], records

    def test_dynamodb_items_and_errors(self):
        ddb = self.create_table("wire-items")
        self.assertEqual(ddb.describe_table(TableName="wire-items")["Table"]["TableStatus"], "ACTIVE")
        ddb.put_item(TableName="wire-items", Item={"pk": {"S": "a"}, "n": {"N": "1"},
                                                    "b": {"B": b"\x00\xff"}, "l": {"L": [{"BOOL": True}]}})
        got = ddb.get_item(TableName="wire-items", Key={"pk": {"S": "a"}}, ConsistentRead=True)
        self.assertEqual(got["Item"], {"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": b"\x00\xff"},
                                       "l": {"L": [{"BOOL": True}]}})
        updated = ddb.update_item(TableName="wire-items", Key={"pk": {"S": "a"}},
                                  UpdateExpression="ADD n :one",
                                  ExpressionAttributeValues={":one": {"N": "41"}}, ReturnValues="UPDATED_NEW")
        self.assertEqual(updated["Attributes"], {"n": {"N": "42"}})
        self.assertEqual(error_of(ddb.put_item, TableName="wire-items", Item={"pk": {"S": "a"}},
                                  ConditionExpression="attribute_not_exists(pk)"),
                         ("ConditionalCheckFailedException", 400))
        self.assertEqual(error_of(ddb.get_item, TableName="wire-missing", Key={"pk": {"S": "a"}}),
                         ("ResourceNotFoundException", 400))
        self.assertEqual(error_of(ddb.get_item, TableName="x", Key={"pk": {"S": "a"}}),
                         ("ValidationException", 400))
        ddb.update_time_to_live(TableName="wire-items",
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})
        self.assertEqual(ddb.describe_time_to_live(TableName="wire-items")["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"})
        ddb.delete_item(TableName="wire-items", Key={"pk": {"S": "a"}})
        self.assertNotIn("Item", ddb.get_item(TableName="wire-items", Key={"pk": {"S": "a"}}))
        ddb.update_table(TableName="wire-items", StreamSpecification={"StreamEnabled": False})
        ddb.delete_table(TableName="wire-items")
        ddb.get_waiter("table_not_exists").wait(TableName="wire-items",
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 20})

    def test_list_tables_with_botocore_paginator(self):
        # An operation added to the gRPC API after the wire endpoint: it is
        # served with no code of the endpoint's own.
        ddb = client("dynamodb", self.endpoint)
        mine = ["wire-list-c", "wire-list-a", "wire-list-b"]
        for name in mine:
            self.create_table(name, stream=False)
        pages = list(ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2}))
        names = [n for page in pages for n in page["TableNames"]]
        self.assertEqual(names, sorted(names))  # ascending, across pages
        self.assertEqual([n for n in names if n.startswith("wire-list-")], sorted(mine))
        self.assertTrue(all(len(page["TableNames"]) <= 2 for page in pages), pages)
        self.assertNotIn("LastEvaluatedTableName", pages[-1])
        after = ddb.list_tables(ExclusiveStartTableName="wire-list-a", Limit=1)
        self.assertEqual(after["TableNames"], ["wire-list-b"])
        self.assertEqual(error_of(ddb.list_tables, Limit=101), ("ValidationException", 400))
        for name in mine:
            ddb.delete_table(TableName=name)

    def test_query_and_scan_with_botocore_paginators(self):
        ddb = client("dynamodb", self.endpoint)
        ddb.create_table(
            TableName="wire-query",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            GlobalSecondaryIndexes=[{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            BillingMode="PAY_PER_REQUEST")
        ddb.get_waiter("table_exists").wait(TableName="wire-query", WaiterConfig={"Delay": 1, "MaxAttempts": 20})
        for pk in ("x", "y"):
            for sk in range(-5, 20):
                item = {"pk": {"S": pk}, "sk": {"N": str(sk)}, "v": {"S": "v%d" % sk}}
                if sk % 5 == 0:
                    item["g"] = {"S": "five"}
                ddb.put_item(TableName="wire-query", Item=item)
        # botocore's own Query paginator (PageSize = Limit, LastEvaluatedKey ->
        # ExclusiveStartKey): every item of the partition once, numeric order.
        pages = list(ddb.get_paginator("query").paginate(
            TableName="wire-query", KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "x"}}, PaginationConfig={"PageSize": 4}))
        self.assertEqual(len(pages), 7)  # 6 full pages, then 1 item
        self.assertEqual([int(i["sk"]["N"]) for p in pages for i in p["Items"]], list(range(-5, 20)))
        # Descending, with a sort-key condition, a filter and a projection.
        items = [i for p in ddb.get_paginator("query").paginate(
            TableName="wire-query", KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b",
            FilterExpression="v <> :no", ProjectionExpression="sk", ScanIndexForward=False,
            ExpressionAttributeValues={":p": {"S": "y"}, ":a": {"N": "3"}, ":b": {"N": "9"},
                                       ":no": {"S": "v4"}},
            PaginationConfig={"PageSize": 2}) for i in p["Items"]]
        self.assertEqual(items, [{"sk": {"N": str(n)}} for n in (9, 8, 7, 6, 5, 3)])
        # The Scan paginator over both partitions, and the KEYS_ONLY index.
        scanned = [(i["pk"]["S"], i["sk"]["N"]) for p in ddb.get_paginator("scan").paginate(
            TableName="wire-query", PaginationConfig={"PageSize": 7}) for i in p["Items"]]
        self.assertEqual(sorted(scanned), sorted((pk, str(sk)) for pk in ("x", "y") for sk in range(-5, 20)))
        self.assertEqual(len(set(scanned)), len(scanned))
        index = ddb.query(TableName="wire-query", IndexName="byg", KeyConditionExpression="g = :g",
                          ExpressionAttributeValues={":g": {"S": "five"}})
        self.assertEqual(index["Count"], 10)
        self.assertTrue(all(set(i) == {"pk", "sk", "g"} for i in index["Items"]), index["Items"])
        count = ddb.scan(TableName="wire-query", Select="COUNT", FilterExpression="attribute_exists(g)")
        self.assertEqual((count["Count"], count["ScannedCount"]), (10, 50))
        self.assertNotIn("Items", count)  # AWS leaves Items out of a COUNT answer
        empty = ddb.query(TableName="wire-query", KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": "nobody"}})
        self.assertEqual((empty["Items"], empty["Count"]), ([], 0))
        self.assertEqual(error_of(ddb.query, TableName="wire-query", KeyConditionExpression="pk > :p",
                                  ExpressionAttributeValues={":p": {"S": "x"}}), ("ValidationException", 400))
        self.assertEqual(error_of(ddb.query, TableName="wire-query", IndexName="byg", ConsistentRead=True,
                                  KeyConditionExpression="g = :g",
                                  ExpressionAttributeValues={":g": {"S": "five"}}), ("ValidationException", 400))
        ddb.delete_table(TableName="wire-query")

    def test_dynamodb_answers_carry_crc32_and_request_id(self):
        ddb = self.create_table("wire-crc")
        for body_fn in (lambda: ddb.get_item(TableName="wire-crc", Key={"pk": {"S": "z"}}),
                        lambda: ddb.describe_table(TableName="wire-crc")):
            meta = body_fn()["ResponseMetadata"]
            self.assertRegex(meta["RequestId"], r"^[A-Z0-9]{52}$")
            self.assertIn("x-amz-crc32", meta["HTTPHeaders"])
        # The header against the bytes, on a raw connection.
        status, headers, body = self.raw("POST", "/", json.dumps({"TableName": "wire-crc"}),
                                         {"X-Amz-Target": "DynamoDB_20120810.DescribeTable",
                                          "Content-Type": "application/x-amz-json-1.0"})
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(body))

    def test_streams_paginator_and_records(self):
        ddb = self.create_table("wire-stream")
        for i in range(3):
            ddb.put_item(TableName="wire-stream", Item={"pk": {"S": "k%d" % i}, "v": {"N": str(i)}})
        ddb.delete_item(TableName="wire-stream", Key={"pk": {"S": "k0"}})
        arn, records = self.shard_records("wire-stream")
        self.assertIn("wire-stream", arn)
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "INSERT", "INSERT", "REMOVE"])
        self.assertEqual(records[1]["dynamodb"]["NewImage"], {"pk": {"S": "k1"}, "v": {"N": "1"}})
        self.assertEqual(records[3]["dynamodb"]["OldImage"], {"pk": {"S": "k0"}, "v": {"N": "0"}})
        streams = client("dynamodbstreams", self.endpoint)
        self.assertEqual(error_of(streams.get_records, ShardIterator="not-an-iterator"),
                         ("ValidationException", 400))

    def wait_active(self, status_of):
        deadline = time.time() + 30
        while status_of() != "ACTIVE":
            self.assertLess(time.time(), deadline, "never ACTIVE")
            time.sleep(0.05)

    def test_personalize(self):
        p = client("personalize", self.endpoint)
        group = p.create_dataset_group(name="wire-group")["datasetGroupArn"]
        self.wait_active(lambda: p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["status"])
        schema = p.create_schema(name="wire-schema", schema=json.dumps({
            "type": "record", "name": "Interactions", "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": "USER_ID", "type": "string"}, {"name": "ITEM_ID", "type": "string"},
                       {"name": "TIMESTAMP", "type": "long"}], "version": "1.0"}))["schemaArn"]
        dataset = p.create_dataset(name="wire-ds", schemaArn=schema, datasetGroupArn=group,
                                   datasetType="Interactions")["datasetArn"]
        self.assertEqual(p.describe_dataset(datasetArn=dataset)["dataset"]["name"], "wire-ds")
        self.assertEqual(p.describe_dataset_group(datasetGroupArn=group)["datasetGroup"]["name"], "wire-group")
        listed = [d["datasetArn"] for page in p.get_paginator("list_datasets").paginate(datasetGroupArn=group)
                  for d in page["datasets"]]
        self.assertEqual(listed, [dataset])
        self.assertIn(schema, [s["schemaArn"] for s in p.list_schemas()["schemas"]])
        code, status = error_of(p.describe_schema, schemaArn=schema + "-missing")
        self.assertEqual((code, status), ("ResourceNotFoundException", 400))
        self.wait_active(lambda: p.describe_dataset(datasetArn=dataset)["dataset"]["status"])
        p.delete_dataset(datasetArn=dataset)

    def test_cognito_sync(self):
        c = client("cognito-sync", self.endpoint)
        first = c.list_records(IdentityPoolId=POOL, IdentityId=IDENTITY, DatasetName="prefs")
        self.assertEqual(first["Records"], [])  # AWS writes empty lists
        c.update_records(IdentityPoolId=POOL, IdentityId=IDENTITY, DatasetName="prefs",
                         SyncSessionToken=first["SyncSessionToken"], ClientContext="e30=",
                         RecordPatches=[{"Op": "replace", "Key": "color", "Value": "blue", "SyncCount": 0}])
        records = c.list_records(IdentityPoolId=POOL, IdentityId=IDENTITY, DatasetName="prefs",
                                 LastSyncCount=0, MaxResults=10)["Records"]
        self.assertEqual([(r["Key"], r["Value"], r["SyncCount"]) for r in records], [("color", "blue", 1)])
        self.assertEqual([d["DatasetName"] for d in c.list_datasets(IdentityPoolId=POOL, IdentityId=IDENTITY)["Datasets"]],
                         ["prefs"])
        self.assertEqual(c.describe_dataset(IdentityPoolId=POOL, IdentityId=IDENTITY,
                                            DatasetName="prefs")["Dataset"]["NumRecords"], 1)
        c.delete_dataset(IdentityPoolId=POOL, IdentityId=IDENTITY, DatasetName="prefs")
        self.assertEqual(error_of(c.describe_dataset, IdentityPoolId=POOL, IdentityId=IDENTITY,
                                  DatasetName="prefs"), ("ResourceNotFoundException", 404))
        # A query parameter of the wrong type: the member is named.
        status, headers, body = self.raw(
            "GET", "/identitypools/%s/identities/%s/datasets/prefs/records?maxResults=lots"
            % (POOL.replace(":", "%3A"), IDENTITY.replace(":", "%3A")), None, {})
        self.assertEqual((status, headers["x-amzn-errortype"]), (400, "InvalidParameterException"))
        self.assertIn("MaxResults", json.loads(body)["message"])

    def raw(self, method, path, body, headers, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        result = (response.status, {k.lower(): v for k, v in response.getheaders()}, data)
        if own:
            conn.close()
        return result

    def test_bad_input_gets_aws_errors_on_one_connection(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        target = {"Content-Type": "application/x-amz-json-1.0"}
        cases = [
            ({"X-Amz-Target": "DynamoDB_20120810.GetItem", **target}, b"{not json",
             400, "com.amazonaws.dynamodb.v20120810#SerializationException"),
            ({"X-Amz-Target": "DynamoDB_20120810.GetItem", **target}, b'{"TableName": 7}',
             400, "com.amazonaws.dynamodb.v20120810#SerializationException"),
            ({"X-Amz-Target": "DynamoDB_20120810.NoSuchOperation", **target}, b"{}",
             400, "com.amazonaws.dynamodb.v20120810#UnknownOperationException"),
            ({"X-Amz-Target": "Nobody_1.GetItem", **target}, b"{}", 400, "UnknownOperationException"),
            (target, b"{}", 400, "UnknownOperationException"),
            ({"X-Amz-Target": "AmazonPersonalize.DescribeSchema",
              "Content-Type": "application/x-amz-json-1.1"}, b"[1,2]", 400, "SerializationException"),
        ]
        for headers, body, want_status, want_type in cases:
            status, got_headers, data = self.raw("POST", "/", body, headers, conn)
            self.assertEqual(status, want_status, (headers, data))
            self.assertEqual(json.loads(data)["__type"], want_type, data)
            self.assertTrue(json.loads(data)["message"])
            self.assertTrue(got_headers["x-amzn-requestid"])
        # Still the same connection: keep-alive survived every error.
        self.assertIsNotNone(conn.sock)
        status, headers, data = self.raw(
            "POST", "/", b"{" + b" " * MAX_BODY + b"}",
            {"X-Amz-Target": "DynamoDB_20120810.GetItem", **target}, conn)
        self.assertEqual(status, 413)
        self.assertEqual(headers["x-amzn-errortype"], "RequestEntityTooLargeException")
        self.assertEqual(headers.get("connection"), "close")
        conn.close()
        # The server still answers.
        self.assertEqual(self.raw("POST", "/", b"{}", {"X-Amz-Target": "DynamoDBStreams_20120810.ListStreams",
                                                       **target})[0], 200)

    def test_grpc_subscription_sees_boto3_writes_and_boto3_sees_grpc_writes(self):
        if not CLI_BIN:
            self.skipTest("no awsfacade CLI binary given")
        self.create_table("wire-cross")
        tail = subprocess.Popen([CLI_BIN, "--endpoint", self.server.address, "dynamodbstreams", "tail",
                                 "--table-name", "wire-cross"],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        lines = []
        done = threading.Event()

        def read():
            for line in tail.stdout:
                lines.append(json.loads(line))
                if len(lines) == 2:
                    done.set()
                    return
        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            ddb = client("dynamodb", self.endpoint)
            ddb.put_item(TableName="wire-cross", Item={"pk": {"S": "from-boto3"}})
            subprocess.run([CLI_BIN, "--endpoint", self.server.address, "dynamodb", "put-item",
                            "--table-name", "wire-cross", "--item", '{"pk":{"S":"from-grpc"}}'],
                           check=True, stdout=subprocess.DEVNULL)
            self.assertTrue(done.wait(30), lines)
        finally:
            tail.terminate()
            tail.wait(10)
        self.assertEqual([l["dynamodb"]["Keys"]["pk"]["S"] for l in lines], ["from-boto3", "from-grpc"])
        _, records = self.shard_records("wire-cross")
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in records], ["from-boto3", "from-grpc"])
        self.assertEqual([r["eventID"] for r in records], [l["eventID"] for l in lines])


class VerifiedSignaturesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.keys = tempfile.NamedTemporaryFile("w", suffix=".keys", delete=False)
        cls.keys.write("# test keys\nAKIDWIRETEST wire-secret\n")
        cls.keys.close()
        cls.server = FacadeServer(SERVER_BIN, "--aws_listen=127.0.0.1:0", "--aws_verify_signatures",
                                  "--aws_keys_file=" + cls.keys.name)
        cls.endpoint = "http://127.0.0.1:%d" % wire_port(cls.server)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        os.unlink(cls.keys.name)

    def test_right_keys_pass(self):
        self.assertIn("Streams", client("dynamodbstreams", self.endpoint, "AKIDWIRETEST").list_streams())
        self.assertEqual(client("personalize", self.endpoint, "AKIDWIRETEST").list_dataset_groups()["datasetGroups"],
                         [])
        client("cognito-sync", self.endpoint, "AKIDWIRETEST").list_datasets(IdentityPoolId=POOL,
                                                                            IdentityId=IDENTITY)

    def test_wrong_secret_is_an_invalid_signature(self):
        self.assertEqual(error_of(client("dynamodb", self.endpoint, "AKIDWIRETEST", "other").describe_table,
                                  TableName="whatever"), ("InvalidSignatureException", 400))
        self.assertEqual(error_of(client("cognito-sync", self.endpoint, "AKIDWIRETEST", "other").list_datasets,
                                  IdentityPoolId=POOL, IdentityId=IDENTITY), ("InvalidSignatureException", 403))

    def test_unknown_key_is_unrecognized(self):
        self.assertEqual(error_of(client("personalize", self.endpoint, "AKIDNOBODY").list_schemas),
                         ("UnrecognizedClientException", 400))

    def test_unsigned_request_is_refused(self):
        conn = http.client.HTTPConnection(self.endpoint[len("http://"):], timeout=30)
        conn.request("POST", "/", body=b"{}", headers={"X-Amz-Target": "DynamoDBStreams_20120810.ListStreams"})
        response = conn.getresponse()
        body = json.loads(response.read())
        self.assertEqual((response.status, body["__type"]),
                         (400, "com.amazonaws.dynamodb.v20120810#MissingAuthenticationTokenException"))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
