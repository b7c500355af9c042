"""End to end on the real-AWS backend, against moto (issue 5 section 2).

awsfacade-server runs with --backend=aws and AWS_ENDPOINT_URL pointing at a
moto server on a loopback port. Through the facade's gRPC:
  * DynamoDB: CreateTable with a NEW_AND_OLD_IMAGES stream, PutItem,
    UpdateItem, DeleteItem;
  * DynamoDB Streams: ListStreams, DescribeStream, GetShardIterator,
    GetRecords, and SubscribeToStream from TRIM_HORIZON (on AWS the
    subscription engine polls: the backend has no WatchStream hook);
  * compared, record by record, with what boto3 reads from the same moto
    directly (eventID, eventName, Keys, NewImage, OldImage, SequenceNumber:
    both read the same stream, so even moto's quirks must agree);
  * Personalize: CreateSchema, DescribeSchema, ListSchemas, DeleteSchema,
    compared with boto3's view. moto 5.2.1 implements only these four
    Personalize operations (moto/personalize/responses.py); it has no
    Cognito Sync at all, so Cognito Sync is covered by the C++ fault test
    against a loopback fake only;
  * an error: DescribeStream of an unknown stream ARN gives NOT_FOUND with
    google.rpc.ErrorInfo.reason ResourceNotFoundException (and the AWS
    request id in ErrorInfo.metadata["awsRequestId"] when moto sends one).

Two interpreters: grpcio exists only for Debian's /usr/bin/python3, moto and
boto3 only for the image's python3. So:
  /usr/bin/python3 aws_backend_moto_test.py SERVER_BIN STUBS_DIR MOTO_PYTHON
drives the test, starts `MOTO_PYTHON -m moto.server` and the facade, and
re-runs this file under MOTO_PYTHON as
  MOTO_PYTHON aws_backend_moto_test.py --boto ENDPOINT WHAT [ARG]
to print boto3's view as JSON. Exit 77 (skipped) when moto or boto3 cannot
be imported by MOTO_PYTHON.
"""
import base64
import json
import os
import subprocess
import sys

# tests/polyglot: moto_server.py, attribute_values.py, facade_server.py (both interpreters).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
import moto_server  # noqa: E402
from attribute_values import (boto_to_wire, canonical, convert_map, convert_request,  # noqa: E402
                              proto_to_wire, wire_to_proto_json)

REGION = "us-east-1"
TABLE = "aws-backend-moto"
SCHEMA_NAME = "facade-interactions"
from facade_calls import INTERACTIONS_SCHEMA as AVRO_SCHEMA  # noqa: E402
CREATE_TABLE = {
    "TableName": TABLE,
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
}
KEY_A = {"pk": {"S": "a"}, "sk": {"N": "1"}}
KEY_B = {"pk": {"S": "b"}, "sk": {"N": "2"}}
# (operation, AWS request members without TableName), in AWS wire JSON.
WRITES = [
    ("PutItem", {"Item": {**KEY_A, "n": {"N": "5"}, "s": {"S": "x"}, "tags": {"SS": ["red", "green"]},
                          "blob": {"B": base64.b64encode(b"\x00\x01\xfe").decode()},
                          "doc": {"M": {"inner": {"S": "v"}, "list": {"L": [{"N": "1"}, {"BOOL": True}]}}}}}),
    ("UpdateItem", {"Key": KEY_A, "UpdateExpression": "SET s = :y ADD n :one REMOVE doc",
                    "ExpressionAttributeValues": {":y": {"S": "y"}, ":one": {"N": "1"}}}),
    ("PutItem", {"Item": {**KEY_B, "v": {"S": "b1"}}}),
    ("DeleteItem", {"Key": KEY_A}),
    ("UpdateItem", {"Key": KEY_B, "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"S": "b2"}}}),
]


# ------------------------------------------------------------- boto3 side
# Runs under MOTO_PYTHON; must not import grpc.

def boto_main(endpoint, what, arg=None):
    import boto3
    kw = moto_server.boto3_client_args(endpoint, REGION)
    if what == "stream":
        streams = boto3.client("dynamodbstreams", **kw)
        records = []
        for shard in streams.describe_stream(StreamArn=arg)["StreamDescription"]["Shards"]:
            it = streams.get_shard_iterator(StreamArn=arg, ShardId=shard["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                page = streams.get_records(ShardIterator=it, Limit=1000)
                for r in page["Records"]:
                    d = r["dynamodb"]
                    image = lambda name: convert_map(boto_to_wire, d.get(name, {}))  # noqa: E731
                    records.append({"eventID": r["eventID"], "eventName": r["eventName"],
                                    "SequenceNumber": d["SequenceNumber"], "Keys": image("Keys"),
                                    "NewImage": image("NewImage"), "OldImage": image("OldImage")})
                it = page.get("NextShardIterator") if page["Records"] else None
        json.dump({"records": records}, sys.stdout)
    elif what == "schemas":
        personalize = boto3.client("personalize", **kw)
        schemas = personalize.list_schemas()["schemas"]
        described = [personalize.describe_schema(schemaArn=s["schemaArn"])["schema"] for s in schemas]
        json.dump({"schemas": [{"name": s["name"], "schemaArn": s["schemaArn"], "schema": s.get("schema")}
                               for s in described]}, sys.stdout)
    else:
        raise SystemExit("unknown --boto request %r" % what)
    return 0


# ------------------------------------------------------------ driver side

def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--boto":
        return boto_main(*sys.argv[2:])

    import unittest
    server_bin, stubs_dir, moto_python = sys.argv[1:4]
    del sys.argv[1:4]
    sys.path.insert(0, stubs_dir)

    try:
        probe = subprocess.run([moto_python, "-c", "import moto, boto3; print(moto.__version__)"],
                               capture_output=True, text=True, timeout=120)
    except OSError as e:
        print("SKIP: cannot run the moto/boto3 Python %r: %s" % (moto_python, e))
        return 77
    if probe.returncode != 0:
        print("SKIP: moto/boto3 not importable by %s: %s" % (moto_python, probe.stderr.strip()))
        return 77
    print("moto %s under %s" % (probe.stdout.strip(), moto_python))

    import grpc
    from google.protobuf import json_format
    from google.rpc import error_details_pb2, status_pb2
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from aws.personalize.v1 import personalize_pb2 as pz, personalize_pb2_grpc as pz_grpc
    from facade_server import FacadeServer

    def boto(endpoint, *args):
        out = subprocess.run([moto_python, os.path.abspath(__file__), "--boto", endpoint, *args],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise AssertionError("boto3 helper failed: " + out.stderr)
        return json.loads(out.stdout)

    def record_view(r):
        d = r.dynamodb
        image = lambda m: convert_map(proto_to_wire, m)  # noqa: E731
        return {"eventID": r.event_id, "eventName": r.event_name, "SequenceNumber": d.sequence_number,
                "Keys": image(d.keys), "NewImage": image(d.new_image), "OldImage": image(d.old_image)}

    def compared(r):
        return (r["eventID"], r["eventName"], r["SequenceNumber"], canonical(r["Keys"]),
                canonical(r["NewImage"]), canonical(r["OldImage"]))

    def error_info(err):
        for key, value in err.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                for any_ in status_pb2.Status.FromString(value).details:
                    info = error_details_pb2.ErrorInfo()
                    if any_.Unpack(info):
                        return info
        return None

    moto_proc, moto_port = moto_server.start(moto_python)
    endpoint = moto_server.endpoint(moto_port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent")
    old_env = os.environ.copy()
    os.environ.clear()
    os.environ.update(env)  # FacadeServer passes the environment on
    try:
        server = FacadeServer(server_bin, "--backend=aws")
    except Exception:
        moto_server.stop(moto_proc)
        raise
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    channel = grpc.insecure_channel(server.address)
    ddb = db_grpc.DynamoDbServiceStub(channel)
    streams = st_grpc.DynamoDbStreamsServiceStub(channel)
    personalize = pz_grpc.PersonalizeServiceStub(channel)
    state = {}

    class AwsBackendOnMoto(unittest.TestCase):
        maxDiff = None

        # Numbered: each step builds on the previous one.
        def test_1_writes_through_the_facade(self):
            created = ddb.CreateTable(json_format.ParseDict(CREATE_TABLE, db.CreateTableRequest()), timeout=30)
            arn = created.table_description.latest_stream_arn
            self.assertTrue(arn.startswith("arn:aws:dynamodb:us-east-1:"), arn)
            self.assertEqual(created.table_description.stream_specification.stream_view_type,
                             "NEW_AND_OLD_IMAGES")
            state["arn"] = arn
            calls = {"PutItem": (ddb.PutItem, db.PutItemRequest),
                     "UpdateItem": (ddb.UpdateItem, db.UpdateItemRequest),
                     "DeleteItem": (ddb.DeleteItem, db.DeleteItemRequest)}
            for op, members in WRITES:
                call, cls = calls[op]
                request = convert_request(wire_to_proto_json, dict(members, TableName=TABLE))
                call(json_format.ParseDict(request, cls()), timeout=30)
            item = ddb.GetItem(json_format.ParseDict(
                {"TableName": TABLE, "Key": convert_map(wire_to_proto_json, KEY_B)},
                db.GetItemRequest()), timeout=30).item
            self.assertEqual(proto_to_wire(item["v"]), {"S": "b2"})

        def test_2_poll_api_matches_boto3(self):
            arn = state["arn"]
            listed = streams.ListStreams(st.ListStreamsRequest(table_name=TABLE), timeout=30)
            self.assertEqual([s.stream_arn for s in listed.streams], [arn])
            shards = streams.DescribeStream(st.DescribeStreamRequest(stream_arn=arn),
                                            timeout=30).stream_description.shards
            self.assertGreaterEqual(len(shards), 1)
            records = []
            for shard in shards:
                it = streams.GetShardIterator(st.GetShardIteratorRequest(
                    stream_arn=arn, shard_id=shard.shard_id, shard_iterator_type="TRIM_HORIZON"),
                    timeout=30).shard_iterator
                while it:
                    page = streams.GetRecords(st.GetRecordsRequest(shard_iterator=it, limit=1000), timeout=30)
                    records += [record_view(r) for r in page.records]
                    it = page.next_shard_iterator if page.records else None  # moto's shard never closes
            state["facade"] = records
            oracle = boto(endpoint, "stream", arn)["records"]
            state["boto"] = oracle
            self.assertGreaterEqual(len(oracle), len(WRITES))
            self.assertEqual([compared(r) for r in records], [compared(r) for r in oracle])
            print("\nstream records compared with boto3: %d (%s)" % (
                len(records), ", ".join(r["eventName"] for r in records)))

        def test_3_subscribe_to_stream_polls_aws(self):
            want = state["boto"]
            request = st.SubscribeToStreamRequest(
                stream_arn=state["arn"], starting_position=st.StartingPosition(type="TRIM_HORIZON"))
            got = []
            call = streams.SubscribeToStream(request, timeout=60)
            try:
                for event in call:
                    if event.WhichOneof("event") == "records":
                        got += [record_view(r.record) for r in event.records.records]
                    if len(got) >= len(want):
                        break
            finally:
                call.cancel()
            self.assertEqual([compared(r) for r in got], [compared(r) for r in want])

        def test_4_personalize_schemas(self):
            created = personalize.CreateSchema(pz.CreateSchemaRequest(name=SCHEMA_NAME, schema=AVRO_SCHEMA),
                                               timeout=30)
            self.assertIn(":schema/" + SCHEMA_NAME, created.schema_arn)
            described = personalize.DescribeSchema(pz.DescribeSchemaRequest(schema_arn=created.schema_arn),
                                                   timeout=30).schema
            self.assertEqual(described.name, SCHEMA_NAME)
            self.assertEqual(json.loads(described.schema), json.loads(AVRO_SCHEMA))
            listed = personalize.ListSchemas(pz.ListSchemasRequest(), timeout=30).schemas
            oracle = boto(endpoint, "schemas")["schemas"]
            self.assertEqual(sorted((s.name, s.schema_arn) for s in listed),
                             sorted((s["name"], s["schemaArn"]) for s in oracle))
            self.assertIn(created.schema_arn, [s["schemaArn"] for s in oracle])
            personalize.DeleteSchema(pz.DeleteSchemaRequest(schema_arn=created.schema_arn), timeout=30)
            self.assertEqual(boto(endpoint, "schemas")["schemas"], [])

        def test_5_unknown_stream_is_not_found(self):
            unknown = "arn:aws:dynamodb:us-east-1:123456789012:table/nope/stream/2026-01-01T00:00:00.000"
            with self.assertRaises(grpc.RpcError) as caught:
                streams.DescribeStream(st.DescribeStreamRequest(stream_arn=unknown), timeout=30)
            err = caught.exception
            self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND, err.details())
            info = error_info(err)
            self.assertIsNotNone(info, "no google.rpc.ErrorInfo")
            self.assertEqual(info.reason, "ResourceNotFoundException")
            self.assertEqual(info.domain, "streams.dynamodb")
            request_id = info.metadata.get("awsRequestId")
            print("\nawsRequestId from moto: %r" % request_id)
            self.assertTrue(request_id, "moto sends x-amzn-RequestId; the facade must keep it")

    try:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(AwsBackendOnMoto)
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout, failfast=True).run(suite)
        channel.close()
        server_exit = server.stop()
    finally:
        moto_server.stop(server.proc)
        moto_server.stop(moto_proc)
    if server_exit != 0:
        print("awsfacade-server did not exit cleanly on SIGTERM: %r" % server_exit)
        return 1
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
