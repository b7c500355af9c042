"""DynamoDB Streams cross-check: the facade's simulator against moto.

One scenario of DynamoDB writes (SCENARIO below: CreateTable with a
NEW_AND_OLD_IMAGES stream, PutItem, UpdateItem with SET / ADD / REMOVE,
writes that change nothing, DeleteItem) runs twice: against moto 5 through
boto3, and against awsfacade-server through gRPC. Both streams are then read
back in full (DescribeStream -> GetShardIterator(TRIM_HORIZON) -> GetRecords
until the records stop) and must give the same sequence of

    (eventName, dynamodb.Keys, dynamodb.NewImage, dynamodb.OldImage)

record by record, in order. Attribute values are compared in AWS wire JSON
form ({"S": "x"}, {"N": "6"}, {"B": "<base64>"}, ...), with string, number
and binary sets compared as sets (DynamoDB sets have no order).

Compared only what moto gets right. Observed with moto 5.2.1 (run against
it while writing this test):
  * moto emits a MODIFY record, with OldImage == NewImage, for a write that
    changes nothing: a PutItem of an item identical to the stored one, an
    UpdateItem whose SET writes the value already there, and an UpdateItem
    whose REMOVE names an attribute the item does not have. AWS writes no
    stream record for such writes (DynamoDB developer guide, "Change data
    capture for DynamoDB Streams"), and neither may the facade (issue 3
    section 2). So moto's MODIFY records whose OldImage equals their
    NewImage are dropped before the comparison (the test checks there is
    one per such write), and the facade must emit none. A DeleteItem of a
    missing item gives no record in moto (nor in AWS): compared as is.
  * moto emits two INSERT records for an UpdateItem that creates the item:
    first one whose NewImage holds only the key attributes, then the real
    one. AWS emits one. The keys-only INSERT directly followed by an INSERT
    of the same key is dropped (the test checks there is one per upsert).
  * moto has a single shard per stream: DescribeStream lists one shard, with
    no ParentShardId and no EndingSequenceNumber, and it never rolls over
    (also after 2,000 writes). So the comparison is on the whole stream in
    write order; shard ids, shard lineage and SequenceNumber values
    (moto: 22 digits from 1100000000017454423009, one apart) are not
    compared. The facade is run with its default single open shard, so its
    stream order is write order too.
  * moto's SizeBytes is many times AWS's: for the INSERT of
    {pk: "b", sk: 2, v: "b1"} moto says 264, where AWS's size (Keys plus
    images, by the item-size rules: 7 + 10) and the facade's is 17; moto
    seems to measure the record's JSON text. SizeBytes is printed, not
    compared.
  * Not compared either: eventID (random in both), eventVersion (moto
    "1.0", AWS and the facade "1.1"), ApproximateCreationDateTime (moto
    keeps milliseconds; AWS rounds down to the second), StreamLabel (moto
    uses microseconds, AWS milliseconds), and table-name validation (moto
    accepts a 1-character TableName; AWS requires 3..255).
  * Where moto is right and the scenario relies on it: attribute names that
    are DynamoDB reserved words (inner, total, missing, ...) are refused in
    expressions by moto and the facade alike, so SCENARIO names them through
    ExpressionAttributeNames or avoids them.

Usage (ctest streams_moto_crosscheck):
  /usr/bin/python3 streams_moto_crosscheck_test.py SERVER_BIN STUBS_DIR MOTO_PYTHON
MOTO_PYTHON (the image's python3, with moto and boto3) re-runs this file as
  MOTO_PYTHON streams_moto_crosscheck_test.py --moto-driver
which starts `python3 -m moto.server` on a free loopback port, runs SCENARIO
through boto3, prints the records as JSON and stops moto. If moto or boto3
cannot be imported there, the test prints why and exits 77 (skipped).
"""
import base64
import json
import os
import subprocess
import sys

import moto_server  # tests/polyglot, the script's folder: first on sys.path
from attribute_values import (boto_to_wire, canonical, convert_map, convert_request, proto_to_wire,
                              wire_to_boto, wire_to_proto_json)

TABLE = "crosscheck"
KEY_A = {"pk": {"S": "a"}, "sk": {"N": "1"}}
KEY_B = {"pk": {"S": "b"}, "sk": {"N": "2"}}
KEY_C = {"pk": {"S": "c"}, "sk": {"N": "3"}}
ITEM_A = {**KEY_A, "n": {"N": "5"}, "s": {"S": "x"}, "tags": {"SS": ["red", "green"]},
          "nums": {"NS": ["1", "2"]}, "blob": {"B": base64.b64encode(b"\x00\x01\xfe").decode()},
          "flag": {"BOOL": False}, "nothing": {"NULL": True},
          "doc": {"M": {"inner": {"S": "v"}, "list": {"L": [{"N": "1"}, {"S": "two"}]}}}}

# Each step: (operation, AWS request members without TableName, what AWS does):
#   "change": one record; "noop": the write leaves the item exactly as it was
#   (or deletes a missing item), so AWS emits no record; "upsert": an
#   UpdateItem that creates the item, one INSERT record.
SCENARIO = [
    ("PutItem", {"Item": ITEM_A}, "change"),                               # INSERT
    ("UpdateItem", {"Key": KEY_A,                                          # MODIFY
                    "UpdateExpression": "SET s = :y, #d.#i = :w ADD n :one, tags :more REMOVE nothing",
                    "ExpressionAttributeNames": {"#d": "doc", "#i": "inner"},
                    "ExpressionAttributeValues": {":y": {"S": "y"}, ":w": {"S": "w"}, ":one": {"N": "1"},
                                                  ":more": {"SS": ["blue"]}}}, "change"),
    ("UpdateItem", {"Key": KEY_A, "UpdateExpression": "SET n10 = n + :ten REMOVE flag",  # MODIFY
                    "ExpressionAttributeValues": {":ten": {"N": "10"}}}, "change"),
    ("PutItem", {"Item": KEY_B | {"v": {"S": "b1"}}}, "change"),            # INSERT
    ("PutItem", {"Item": KEY_B | {"v": {"S": "b1"}}}, "noop"),              # identical item
    ("UpdateItem", {"Key": KEY_A, "UpdateExpression": "SET s = :y",        # same value again
                    "ExpressionAttributeValues": {":y": {"S": "y"}}}, "noop"),
    ("UpdateItem", {"Key": KEY_C, "UpdateExpression": "SET v = :v ADD c :one",  # INSERT (new item)
                    "ExpressionAttributeValues": {":v": {"S": "c1"}, ":one": {"N": "1"}}}, "upsert"),
    ("UpdateItem", {"Key": KEY_C, "UpdateExpression": "REMOVE absent_attr"}, "noop"),  # nothing to remove
    ("PutItem", {"Item": KEY_A | {"s": {"S": "replaced"}}}, "change"),      # MODIFY (whole item)
    ("UpdateItem", {"Key": KEY_B, "UpdateExpression": "ADD v2 :n REMOVE v",  # MODIFY
                    "ExpressionAttributeValues": {":n": {"N": "-2.5"}}}, "change"),
    ("DeleteItem", {"Key": KEY_A}, "change"),                               # REMOVE
    ("DeleteItem", {"Key": KEY_A}, "noop"),                                 # missing item
    ("DeleteItem", {"Key": KEY_B}, "change"),                               # REMOVE
    ("PutItem", {"Item": KEY_A | {"s": {"S": "again"}}}, "change"),         # INSERT (re-created)
]
CREATE_TABLE = {
    "TableName": TABLE,
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
}


# ---------------------------------------------------------------- moto side
# Runs under MOTO_PYTHON (boto3 + moto); must not import grpc.

def moto_driver():
    try:
        import boto3
        import moto  # noqa: F401  (only to know it is importable)
    except ImportError as e:
        print("moto/boto3 not importable by %s: %s" % (sys.executable, e), file=sys.stderr)
        return 77
    try:
        proc, port = moto_server.start(sys.executable)
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    try:
        kw = moto_server.boto3_client_args(moto_server.endpoint(port))
        ddb = boto3.client("dynamodb", **kw)
        streams = boto3.client("dynamodbstreams", **kw)
        arn = ddb.create_table(**CREATE_TABLE)["TableDescription"]["LatestStreamArn"]
        for op, members, _ in SCENARIO:
            request = convert_request(wire_to_boto, members)
            request["TableName"] = TABLE
            {"PutItem": ddb.put_item, "UpdateItem": ddb.update_item,
             "DeleteItem": ddb.delete_item}[op](**request)
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        records = []
        for shard in shards:
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            while it:
                page = streams.get_records(ShardIterator=it, Limit=1000)
                for r in page["Records"]:
                    d = r["dynamodb"]
                    records.append({
                        "eventName": r["eventName"],
                        "Keys": convert_map(boto_to_wire, d.get("Keys", {})),
                        "NewImage": convert_map(boto_to_wire, d["NewImage"]) if "NewImage" in d else None,
                        "OldImage": convert_map(boto_to_wire, d["OldImage"]) if "OldImage" in d else None,
                        "SizeBytes": d.get("SizeBytes"),
                        "eventVersion": r.get("eventVersion"),
                    })
                # moto keeps handing out iterators on its never-closing shard.
                it = page.get("NextShardIterator") if page["Records"] else None
        json.dump({"records": records,
                   "shards": [{"ShardId": s["ShardId"], "ParentShardId": s.get("ParentShardId"),
                               "EndingSequenceNumber": s["SequenceNumberRange"].get("EndingSequenceNumber")}
                              for s in shards]}, sys.stdout)
        return 0
    finally:
        moto_server.stop(proc)


# -------------------------------------------------------------- facade side

def main():
    import unittest

    server_bin, stubs_dir, moto_python = sys.argv[1:4]
    del sys.argv[1:4]
    sys.path.insert(0, stubs_dir)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

    try:
        driver = subprocess.run([moto_python, os.path.abspath(__file__), "--moto-driver"],
                                capture_output=True, text=True, timeout=300)
    except OSError as e:
        print("SKIP: cannot run the moto/boto3 Python %r: %s" % (moto_python, e))
        return 77
    if driver.returncode == 77:
        print("SKIP: " + driver.stderr.strip())
        return 77
    if driver.returncode != 0:
        print("moto driver failed (exit %d):\n%s" % (driver.returncode, driver.stderr))
        return 1
    moto = json.loads(driver.stdout)

    import grpc
    from google.protobuf import json_format
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from facade_server import FacadeServer

    def image(m):
        return convert_map(proto_to_wire, m) or None

    def proto_request(cls, members):
        return json_format.ParseDict(convert_request(wire_to_proto_json, dict(members, TableName=TABLE)), cls())

    def run_facade():
        with FacadeServer(server_bin) as server, grpc.insecure_channel(server.address) as channel:
            ddb = db_grpc.DynamoDbServiceStub(channel)
            streams = st_grpc.DynamoDbStreamsServiceStub(channel)
            created = ddb.CreateTable(json_format.ParseDict(CREATE_TABLE, db.CreateTableRequest()),
                                      timeout=10)
            arn = created.table_description.latest_stream_arn
            calls = {"PutItem": (ddb.PutItem, db.PutItemRequest),
                     "UpdateItem": (ddb.UpdateItem, db.UpdateItemRequest),
                     "DeleteItem": (ddb.DeleteItem, db.DeleteItemRequest)}
            for op, members, _ in SCENARIO:
                call, cls = calls[op]
                call(proto_request(cls, members), timeout=10)
            shards = streams.DescribeStream(st.DescribeStreamRequest(stream_arn=arn),
                                            timeout=10).stream_description.shards
            records = []
            for shard in shards:
                it = streams.GetShardIterator(st.GetShardIteratorRequest(
                    stream_arn=arn, shard_id=shard.shard_id, shard_iterator_type="TRIM_HORIZON"),
                    timeout=10).shard_iterator
                while it:
                    page = streams.GetRecords(st.GetRecordsRequest(shard_iterator=it, limit=1000),
                                              timeout=10)
                    for r in page.records:
                        d = r.dynamodb
                        records.append({"eventName": r.event_name, "Keys": image(d.keys),
                                        "NewImage": image(d.new_image), "OldImage": image(d.old_image),
                                        "SizeBytes": d.size_bytes, "eventVersion": r.event_version})
                    # The shard stays open: stop at the first empty page.
                    it = page.next_shard_iterator if page.records else None
            assert server.stop() == 0, "server did not exit cleanly on SIGTERM"
            return records, len(shards)

    facade, facade_shards = run_facade()
    noop_steps = [i for i, step in enumerate(SCENARIO) if step[2] == "noop"]
    upsert_steps = [i for i, step in enumerate(SCENARIO) if step[2] == "upsert"]

    def moto_noop_record(r):
        """moto's record for a write that changed nothing (AWS emits none)."""
        return r["eventName"] == "MODIFY" and canonical(r["OldImage"]) == canonical(r["NewImage"])

    def moto_upsert_extra(records, i):
        """moto's extra keys-only INSERT before the real one of an upsert."""
        r = records[i]
        return (r["eventName"] == "INSERT" and canonical(r["NewImage"]) == canonical(r["Keys"])
                and i + 1 < len(records) and records[i + 1]["eventName"] == "INSERT"
                and canonical(records[i + 1]["Keys"]) == canonical(r["Keys"]))

    moto_records = moto["records"]
    moto_kept = [r for i, r in enumerate(moto_records)
                 if not moto_noop_record(r) and not moto_upsert_extra(moto_records, i)]

    def compared(r):
        return (r["eventName"], canonical(r["Keys"]), canonical(r["NewImage"]), canonical(r["OldImage"]))

    class Crosscheck(unittest.TestCase):
        maxDiff = None

        def test_moto_observations_still_hold(self):
            """What the docstring says about moto 5.2.1, checked on this run."""
            self.assertEqual(len(moto["shards"]), 1, moto["shards"])
            self.assertIsNone(moto["shards"][0]["ParentShardId"])
            self.assertIsNone(moto["shards"][0]["EndingSequenceNumber"])
            # One MODIFY with OldImage == NewImage per no-op write, except the
            # DeleteItem of a missing item, which gives no record.
            noop_writes = [i for i in noop_steps if SCENARIO[i][0] != "DeleteItem"]
            self.assertEqual(sum(map(moto_noop_record, moto_records)), len(noop_writes),
                             "moto's records for no-op writes changed; update the docstring")
            self.assertEqual(sum(moto_upsert_extra(moto_records, i) for i in range(len(moto_records))),
                             len(upsert_steps),
                             "moto's records for upserts changed; update the docstring")
            self.assertEqual(len(moto_kept), len(SCENARIO) - len(noop_steps))

        def test_facade_emits_nothing_for_noop_writes(self):
            self.assertEqual(facade_shards, 1)
            self.assertEqual(len(facade), len(SCENARIO) - len(noop_steps))
            for r in facade:
                if r["eventName"] == "MODIFY":
                    self.assertNotEqual(canonical(r["OldImage"]), canonical(r["NewImage"]), r)

        def test_same_records_as_moto(self):
            self.assertEqual([compared(r) for r in facade], [compared(r) for r in moto_kept])
            # For the log: what is not compared.
            print("\nrecords compared: %d (moto emitted %d; dropped %d: no-op writes, upserts' extra INSERTs)" % (
                len(facade), len(moto_records), len(moto_records) - len(moto_kept)))
            print("SizeBytes facade | moto: " + ", ".join(
                "%s %d|%d" % (f["eventName"], f["SizeBytes"], m["SizeBytes"])
                for f, m in zip(facade, moto_kept)))
            print("eventVersion facade %s, moto %s" % (facade[0]["eventVersion"], moto_kept[0]["eventVersion"]))

        def test_expected_event_names(self):
            """Independent of moto: the sequence the scenario must give."""
            self.assertEqual([r["eventName"] for r in facade],
                             ["INSERT", "MODIFY", "MODIFY", "INSERT", "INSERT", "MODIFY", "MODIFY",
                              "REMOVE", "REMOVE", "INSERT"])

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(Crosscheck)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--moto-driver"]:
        sys.exit(moto_driver())
    if len(sys.argv) < 4:
        print(__doc__.split("Usage")[1], file=sys.stderr)
        sys.exit(2)
    sys.exit(main())
