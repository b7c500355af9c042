"""The facade's own --backend=aws pointed at the simulator's AWS wire endpoint
(issue 14 section 1, last point): every gRPC operation of the four services,
through two facades.

  simulator:  awsfacade-server --aws_listen=127.0.0.1:0        (server A)
  aws:        awsfacade-server --backend=aws                     (server B)
              with AWS_ENDPOINT_URL=http://127.0.0.1:<A's wire port>

Every RPC of CognitoSyncService, DynamoDbService (Query and Scan included,
paged), DynamoDbStreamsService and
PersonalizeService is called on B (whose AWS backend signs, sends and parses
real AWS HTTP requests, the same code that talks to AWS) and its answer
checked, often against A's gRPC view of the same state: Cognito Sync and
Personalize included, which moto cannot host. Errors cross both hops with
their AWS name: NOT_FOUND + ErrorInfo.reason ResourceNotFoundException.

  /usr/bin/python3 aws_wire_facade_test.py SERVER_BIN STUBS_DIR
(Debian's python3 has grpcio; STUBS_DIR holds the generated Python stubs.)
"""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
SERVER_BIN, STUBS_DIR = sys.argv[1:3]
del sys.argv[1:3]
sys.path.insert(0, STUBS_DIR)

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from aws.cognitosync.v1 import cognitosync_pb2 as cs, cognitosync_pb2_grpc as cs_grpc  # noqa: E402
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc  # noqa: E402
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc  # noqa: E402
from aws.personalize.v1 import personalize_pb2 as pz, personalize_pb2_grpc as pz_grpc  # noqa: E402
from facade_calls import COGNITO_IDENTITY, COGNITO_POOL, INTERACTIONS_SCHEMA  # noqa: E402
from facade_server import FacadeServer  # noqa: E402

TABLE = "wire-facade"


def req(cls, **members):
    """A request message from AWS JSON members (the protos' json_names)."""
    return json_format.ParseDict(members, cls())


def reason(err):
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for any_ in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if any_.Unpack(info):
                    return info.reason
    return None


def same_time(test, mine, theirs):
    """AWS JSON timestamps are epoch seconds as a JSON number: the codec keeps
    microseconds (what a double carries). Checks `mine` within 1 us of
    `theirs`, then makes it equal, so whole messages can be compared."""
    test.assertLessEqual(abs(mine.ToNanoseconds() - theirs.ToNanoseconds()), 1000)
    mine.CopyFrom(theirs)


def wait_for(condition, what, timeout=30):
    deadline = time.time() + timeout
    while not condition():
        if time.time() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


class FacadeOnWire(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.sim = FacadeServer(SERVER_BIN, "--aws_listen=127.0.0.1:0")
        import re
        wire = int(re.search(r"AWS wire protocols on port (\d+)", cls.sim.startup_log).group(1))
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ENDPOINT_URL="http://127.0.0.1:%d" % wire, AWS_ACCESS_KEY_ID="wire",
                   AWS_SECRET_ACCESS_KEY="wire", AWS_REGION="us-east-1", AWS_EC2_METADATA_DISABLED="true",
                   AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent")
        try:
            cls.aws = FacadeServer(SERVER_BIN, "--backend=aws", "--shard_reads_per_second=0", env=env)
        except Exception:
            cls.sim.stop()
            raise
        cls.a = grpc.insecure_channel(cls.sim.address)
        cls.b = grpc.insecure_channel(cls.aws.address)

    @classmethod
    def tearDownClass(cls):
        cls.aws.stop()
        cls.sim.stop()

    def assert_not_found(self, call, request):
        with self.assertRaises(grpc.RpcError) as e:
            call(request, timeout=30)
        self.assertEqual(e.exception.code(), grpc.StatusCode.NOT_FOUND, e.exception.details())
        self.assertEqual(reason(e.exception), "ResourceNotFoundException")

    def test_dynamodb_and_streams(self):
        ddb, streams = db_grpc.DynamoDbServiceStub(self.b), st_grpc.DynamoDbStreamsServiceStub(self.b)
        created = ddb.CreateTable(req(
            db.CreateTableRequest, TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}), timeout=30)
        arn = created.table_description.latest_stream_arn
        self.assertTrue(arn.startswith("arn:aws:dynamodb:us-east-1:"), arn)
        wait_for(lambda: ddb.DescribeTable(req(db.DescribeTableRequest, TableName=TABLE), timeout=30)
                 .table.table_status == "ACTIVE", "ACTIVE table")
        ddb.PutItem(req(db.PutItemRequest, TableName=TABLE,
                        Item={"pk": {"S": "a"}, "n": {"N": "1"}, "b": {"B": "AP8="}}), timeout=30)
        ddb.UpdateItem(req(db.UpdateItemRequest, TableName=TABLE, Key={"pk": {"S": "a"}},
                           UpdateExpression="ADD n :d", ExpressionAttributeValues={":d": {"N": "2"}}), timeout=30)
        got = ddb.GetItem(req(db.GetItemRequest, TableName=TABLE, Key={"pk": {"S": "a"}}), timeout=30)
        self.assertEqual(got.item["n"].n, "3")
        self.assertEqual(got.item["b"].b, b"\x00\xff")
        # Through B, A's state: A's own gRPC sees the same item.
        direct = db_grpc.DynamoDbServiceStub(self.a).GetItem(
            req(db.GetItemRequest, TableName=TABLE, Key={"pk": {"S": "a"}}), timeout=30)
        self.assertEqual(direct.item, got.item)
        ddb.DeleteItem(req(db.DeleteItemRequest, TableName=TABLE, Key={"pk": {"S": "a"}}), timeout=30)
        ddb.UpdateTimeToLive(req(db.UpdateTimeToLiveRequest, TableName=TABLE,
                                 TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}), timeout=30)
        ttl = ddb.DescribeTimeToLive(req(db.DescribeTimeToLiveRequest, TableName=TABLE), timeout=30)
        self.assertEqual(ttl.time_to_live_description.time_to_live_status, "ENABLED")

        listed = streams.ListStreams(req(st.ListStreamsRequest, TableName=TABLE), timeout=30)
        self.assertEqual([s.stream_arn for s in listed.streams], [arn])
        shards = streams.DescribeStream(req(st.DescribeStreamRequest, StreamArn=arn),
                                        timeout=30).stream_description.shards
        self.assertEqual(len(shards), 1)
        it = streams.GetShardIterator(req(st.GetShardIteratorRequest, StreamArn=arn, ShardId=shards[0].shard_id,
                                          ShardIteratorType="TRIM_HORIZON"), timeout=30).shard_iterator
        records = streams.GetRecords(req(st.GetRecordsRequest, ShardIterator=it), timeout=30).records
        self.assertEqual([r.event_name for r in records], ["INSERT", "MODIFY", "REMOVE"])
        a_it = st_grpc.DynamoDbStreamsServiceStub(self.a).GetShardIterator(
            req(st.GetShardIteratorRequest, StreamArn=arn, ShardId=shards[0].shard_id,
                ShardIteratorType="TRIM_HORIZON"), timeout=30).shard_iterator
        a_records = st_grpc.DynamoDbStreamsServiceStub(self.a).GetRecords(
            req(st.GetRecordsRequest, ShardIterator=a_it), timeout=30).records
        self.assertEqual(len(records), len(a_records))
        for mine, theirs in zip(records, a_records):  # exact images and ids, times to 1 us
            same_time(self, mine.dynamodb.approximate_creation_date_time,
                      theirs.dynamodb.approximate_creation_date_time)
        self.assertEqual(list(records), list(a_records))

        # Both subscriptions, from TRIM_HORIZON: B's engine polls A over the wire.
        for call, request in (
                (streams.SubscribeToStream, req(st.SubscribeToStreamRequest, StreamArn=arn,
                                                StartingPosition={"Type": "TRIM_HORIZON"})),
                (streams.SubscribeToShard, req(st.SubscribeToShardRequest, StreamArn=arn,
                                               ShardId=shards[0].shard_id,
                                               StartingPosition={"Type": "TRIM_HORIZON"}))):
            seen = []
            subscription = call(request, timeout=60)
            for event in subscription:
                if event.HasField("records"):
                    seen += [r.record.event_id
                             for r in event.records.records]
                if len(seen) >= 3:
                    subscription.cancel()
                    break
            self.assertEqual(seen, [r.event_id for r in records], call)

        ddb.UpdateTable(req(db.UpdateTableRequest, TableName=TABLE,
                            StreamSpecification={"StreamEnabled": False}), timeout=30)
        ddb.DeleteTable(req(db.DeleteTableRequest, TableName=TABLE), timeout=30)
        self.assert_not_found(ddb.DescribeTable, req(db.DescribeTableRequest, TableName=TABLE))
        self.assert_not_found(streams.DescribeStream, req(st.DescribeStreamRequest, StreamArn=arn + "x"))

    def test_dynamodb_query_and_scan(self):
        ddb, direct = db_grpc.DynamoDbServiceStub(self.b), db_grpc.DynamoDbServiceStub(self.a)
        table = TABLE + "-query"
        ddb.CreateTable(req(
            db.CreateTableRequest, TableName=table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]),
            timeout=30)
        for pk in ("a", "b"):
            for sk in range(7):
                ddb.PutItem(req(db.PutItemRequest, TableName=table,
                                Item={"pk": {"S": pk}, "sk": {"N": str(sk)}, "odd": {"BOOL": sk % 2 == 1}}),
                            timeout=30)
        # Query through B, page by page (Limit 3, LastEvaluatedKey): the items
        # of one partition in sort-key order, each once, filtered after Limit.
        query = {"TableName": table, "KeyConditionExpression": "pk = :p AND sk >= :lo",
                 "FilterExpression": "odd = :t", "Limit": 3,
                 "ExpressionAttributeValues": {":p": {"S": "a"}, ":lo": {"N": "1"}, ":t": {"BOOL": True}}}
        seen, scanned = [], 0
        while True:
            page = ddb.Query(req(db.QueryRequest, **query), timeout=30)
            self.assertEqual(page, direct.Query(req(db.QueryRequest, **query), timeout=30))
            seen += [item.values["sk"].n for item in page.items]
            scanned += page.scanned_count
            if not page.last_evaluated_key:
                break
            query["ExclusiveStartKey"] = json_format.MessageToDict(page)["LastEvaluatedKey"]
        self.assertEqual(seen, ["1", "3", "5"])
        self.assertEqual(scanned, 6)
        # Scan: two segments together see every item once; Select COUNT.
        keys = []
        for segment in (0, 1):
            page = ddb.Scan(req(db.ScanRequest, TableName=table, Segment=segment, TotalSegments=2), timeout=30)
            keys += [(i.values["pk"].s, i.values["sk"].n) for i in page.items]
        self.assertEqual(sorted(keys), sorted((pk, str(sk)) for pk in ("a", "b") for sk in range(7)))
        counted = ddb.Scan(req(db.ScanRequest, TableName=table, Select="COUNT"), timeout=30)
        self.assertEqual((counted.count, counted.scanned_count, len(counted.items)), (14, 14, 0))
        with self.assertRaises(grpc.RpcError) as e:
            ddb.Query(req(db.QueryRequest, TableName=table, KeyConditionExpression="sk = :s",
                          ExpressionAttributeValues={":s": {"N": "1"}}), timeout=30)
        self.assertEqual(e.exception.code(), grpc.StatusCode.INVALID_ARGUMENT, e.exception.details())
        self.assertEqual(reason(e.exception), "ValidationException")
        self.assertIn("Query condition missed key schema element: pk", e.exception.details())
        ddb.DeleteTable(req(db.DeleteTableRequest, TableName=table), timeout=30)

    def test_dynamodb_batches_and_transactions(self):
        ddb = db_grpc.DynamoDbServiceStub(self.b)
        table = TABLE + "-tx"
        ddb.CreateTable(req(
            db.CreateTableRequest, TableName=table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}]), timeout=30)
        # Maps of lists (RequestItems, Responses) cross the wire through the
        # codec's wrapper messages, both ways.
        write = db.BatchWriteItemRequest()
        for pk in ("a", "b", "c"):
            write.request_items[table].values.add().put_request.item["pk"].s = pk
        self.assertEqual(len(ddb.BatchWriteItem(write, timeout=30).unprocessed_items), 0)
        read = db.BatchGetItemRequest()
        for pk in ("a", "c", "missing"):
            read.request_items[table].keys.add().values["pk"].s = pk
        got = ddb.BatchGetItem(read, timeout=30)
        self.assertEqual(sorted(i.values["pk"].s for i in got.responses[table].values), ["a", "c"])

        tx = db.TransactWriteItemsRequest()
        put = tx.transact_items.add().put
        put.table_name, put.condition_expression = table, "attribute_not_exists(pk)"
        put.item["pk"].s = "new"
        check = tx.transact_items.add().condition_check
        check.table_name, check.condition_expression = table, "attribute_not_exists(pk)"
        check.return_values_on_condition_check_failure = "ALL_OLD"
        check.key["pk"].s = "a"
        with self.assertRaises(grpc.RpcError) as e:
            ddb.TransactWriteItems(tx, timeout=30)
        self.assertEqual(e.exception.code(), grpc.StatusCode.ABORTED, e.exception.details())
        self.assertEqual(reason(e.exception), "TransactionCanceledException")
        canceled = None
        for key, value in e.exception.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                for any_ in status_pb2.Status.FromString(value).details:
                    if any_.Is(db.TransactionCanceledException.DESCRIPTOR):
                        canceled = db.TransactionCanceledException()
                        any_.Unpack(canceled)
        self.assertIsNotNone(canceled, "no TransactionCanceledException detail after two hops")
        self.assertEqual([r.code for r in canceled.cancellation_reasons], ["None", "ConditionalCheckFailed"])
        self.assertEqual(canceled.cancellation_reasons[1].item["pk"].s, "a")

        tx.transact_items[1].condition_check.condition_expression = "attribute_exists(pk)"
        ddb.TransactWriteItems(tx, timeout=30)
        get = db.TransactGetItemsRequest()
        for pk in ("new", "nope"):
            g = get.transact_items.add().get
            g.table_name = table
            g.key["pk"].s = pk
        answers = ddb.TransactGetItems(get, timeout=30).responses
        self.assertEqual([r.item["pk"].s if len(r.item) else None for r in answers], ["new", None])
        ddb.DeleteTable(req(db.DeleteTableRequest, TableName=table), timeout=30)

    def test_personalize(self):
        p = pz_grpc.PersonalizeServiceStub(self.b)
        group = p.CreateDatasetGroup(req(pz.CreateDatasetGroupRequest, name="wire-group"),
                                     timeout=30).dataset_group_arn
        wait_for(lambda: p.DescribeDatasetGroup(req(pz.DescribeDatasetGroupRequest, datasetGroupArn=group),
                                                timeout=30).dataset_group.status == "ACTIVE", "ACTIVE group")
        self.assertIn(group, [g.dataset_group_arn for g in
                              p.ListDatasetGroups(pz.ListDatasetGroupsRequest(), timeout=30).dataset_groups])
        schema = p.CreateSchema(req(pz.CreateSchemaRequest, name="wire-schema", schema=INTERACTIONS_SCHEMA),
                                timeout=30).schema_arn
        self.assertEqual(p.DescribeSchema(req(pz.DescribeSchemaRequest, schemaArn=schema), timeout=30)
                         .schema.schema, INTERACTIONS_SCHEMA)
        self.assertIn(schema, [s.schema_arn for s in p.ListSchemas(pz.ListSchemasRequest(), timeout=30).schemas])
        dataset = p.CreateDataset(req(pz.CreateDatasetRequest, name="wire-ds", schemaArn=schema,
                                      datasetGroupArn=group, datasetType="Interactions"), timeout=30).dataset_arn
        wait_for(lambda: p.DescribeDataset(req(pz.DescribeDatasetRequest, datasetArn=dataset),
                                           timeout=30).dataset.status == "ACTIVE", "ACTIVE dataset")
        self.assertEqual([d.dataset_arn for d in p.ListDatasets(
            req(pz.ListDatasetsRequest, datasetGroupArn=group), timeout=30).datasets], [dataset])
        pages = list(p.PaginateListDatasets(req(pz.PaginateListDatasetsRequest, datasetGroupArn=group),
                                            timeout=30))
        self.assertEqual([d.dataset_arn for page in pages for d in page.datasets], [dataset])
        p.DeleteDataset(req(pz.DeleteDatasetRequest, datasetArn=dataset), timeout=30)
        wait_for(lambda: dataset not in [d.dataset_arn for d in p.ListDatasets(
            req(pz.ListDatasetsRequest, datasetGroupArn=group), timeout=30).datasets], "dataset deleted")
        p.DeleteSchema(req(pz.DeleteSchemaRequest, schemaArn=schema), timeout=30)
        p.DeleteDatasetGroup(req(pz.DeleteDatasetGroupRequest, datasetGroupArn=group), timeout=30)
        self.assert_not_found(p.DescribeSchema, req(pz.DescribeSchemaRequest, schemaArn=schema))

    def test_cognito_sync(self):
        c = cs_grpc.CognitoSyncServiceStub(self.b)
        ids = {"IdentityPoolId": COGNITO_POOL, "IdentityId": COGNITO_IDENTITY}
        first = c.ListRecords(req(cs.ListRecordsRequest, DatasetName="wire", **ids), timeout=30)
        c.UpdateRecords(req(cs.UpdateRecordsRequest, DatasetName="wire", SyncSessionToken=first.sync_session_token, **ids,
                            ClientContext="e30=", RecordPatches=[
                                {"Op": "replace", "Key": "k%d" % i, "Value": "v%d" % i, "SyncCount": 0}
                                for i in range(3)]), timeout=30)
        listed = c.ListRecords(req(cs.ListRecordsRequest, DatasetName="wire", MaxResults=2, **ids), timeout=30)
        self.assertEqual(len(listed.records), 2)
        self.assertTrue(listed.next_token)
        pages = list(c.PaginateListRecords(req(cs.PaginateListRecordsRequest, DatasetName="wire", **ids),
                                           timeout=30))
        self.assertEqual(sorted(r.key for page in pages for r in page.records), ["k0", "k1", "k2"])
        self.assertEqual([d.dataset_name for d in c.ListDatasets(req(cs.ListDatasetsRequest, **ids),
                                                                 timeout=30).datasets], ["wire"])
        self.assertEqual([d.dataset_name for page in c.PaginateListDatasets(
            req(cs.PaginateListDatasetsRequest, **ids), timeout=30) for d in page.datasets], ["wire"])
        described = c.DescribeDataset(req(cs.DescribeDatasetRequest, DatasetName="wire", **ids), timeout=30)
        self.assertEqual(described.dataset.num_records, 3)
        a_view = cs_grpc.CognitoSyncServiceStub(self.a).DescribeDataset(
            req(cs.DescribeDatasetRequest, DatasetName="wire", **ids), timeout=30)
        for field in ("creation_date", "last_modified_date"):
            same_time(self, getattr(described.dataset, field), getattr(a_view.dataset, field))
        self.assertEqual(described, a_view)
        c.DeleteDataset(req(cs.DeleteDatasetRequest, DatasetName="wire", **ids), timeout=30)
        self.assert_not_found(c.DescribeDataset, req(cs.DescribeDatasetRequest, DatasetName="wire", **ids))


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
