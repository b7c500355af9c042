"""DynamoDB Streams GetRecords on the facade's simulator (through gRPC) beside
moto's GetRecords (through boto3), same machine, same run, same table
contents, reported as ratios (issue 3 section 3).

A benchmark, not a test: it prints figures and never fails on timing.

Both sides hold the same stream: a NEW_AND_OLD_IMAGES table into which
RECORDS items {pk: "item-NNNNN", n: N, s: 64 chars, tags: SS of 3} were put,
so RECORDS INSERT records in one shard. A pass reads the whole shard:
GetShardIterator(TRIM_HORIZON), then GetRecords(Limit=LIMIT) with each
NextShardIterator until all RECORDS are read. Only the GetRecords calls are
timed (client-side, per call, including the client's decoding: protobuf in
grpcio, JSON into dicts in boto3). Throughput = records read / time spent in
GetRecords calls. Both clients are Python; with more than one core, the
server (facade or moto) is pinned to core 0 and the client to core 1.

Run with Debian's /usr/bin/python3 (python3-grpcio):
  /usr/bin/python3 bench/getrecords_bench.py build/service/awsfacade-server build/gen/python \
      [--moto-python python3] [--records 10000] [--limit 1000] [--seconds 10] [--moto-passes 2]
The moto side runs under --moto-python (default: `python3` on PATH, which must
have moto and boto3) as `getrecords_bench.py --moto-side ...`.
"""
import argparse
import json
import os
import subprocess
import sys
import time

# tests/polyglot: moto_server.py (both interpreters), facade_server.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "polyglot"))
import moto_server  # noqa: E402

CORES = os.cpu_count() or 1


def item_fields(i):
    """(pk, n, s, tags) of item i: the same on both sides."""
    return "item-%05d" % i, str(i), ("s%05d" % i) * 10 + "x" * 4, ["red", "green", "tag-%d" % (i % 7)]


def pin_self_to_client_core():
    if CORES > 1:
        os.sched_setaffinity(0, {1})


def pin_server(pid):
    if CORES > 1:
        subprocess.run(["taskset", "-a", "-p", "-c", "0", str(pid)], capture_output=True)


def percentile(values, p):
    s = sorted(values)
    if not s:
        return float("nan")
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def summarize(latencies, records):
    total = sum(latencies)
    return {"calls": len(latencies), "records": records, "seconds": total,
            "records_per_s": records / total if total else 0.0,
            "p50_ms": percentile(latencies, 50) * 1e3, "p99_ms": percentile(latencies, 99) * 1e3}


# ------------------------------------------------------------- moto side
# Runs under the Python with boto3 and moto; must not import grpc.

def moto_side(records, limit, passes):
    try:
        import boto3
        import moto  # noqa: F401
    except ImportError as e:
        print(json.dumps({"error": "moto/boto3 not importable by %s: %s" % (sys.executable, e)}))
        return 0
    try:  # moto logs every request: DEVNULL, not an unread pipe
        proc, port = moto_server.start(sys.executable, stderr=subprocess.DEVNULL)
    except RuntimeError as e:
        print(json.dumps({"error": str(e)}))
        return 0
    try:
        pin_server(proc.pid)
        pin_self_to_client_core()
        kw = moto_server.boto3_client_args(moto_server.endpoint(port))
        ddb = boto3.client("dynamodb", **kw)
        streams = boto3.client("dynamodbstreams", **kw)
        arn = ddb.create_table(
            TableName="bench", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        for start in range(0, records, 25):  # moto writes a stream record per batch item
            batch = []
            for i in range(start, min(records, start + 25)):
                pk, n, s, tags = item_fields(i)
                batch.append({"PutRequest": {"Item": {"pk": {"S": pk}, "n": {"N": n}, "s": {"S": s},
                                                      "tags": {"SS": tags}}}})
            ddb.batch_write_item(RequestItems={"bench": batch})
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        latencies, read = [], 0
        for _ in range(passes):
            it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                            ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
            got = 0
            while got < records:
                t0 = time.perf_counter()
                page = streams.get_records(ShardIterator=it, Limit=limit)
                latencies.append(time.perf_counter() - t0)
                got += len(page["Records"])
                it = page["NextShardIterator"]
            if got != records:
                print(json.dumps({"error": "moto returned %d records, expected %d" % (got, records)}))
                return 0
            read += got
        print(json.dumps(summarize(latencies, read)))
        return 0
    finally:
        moto_server.stop(proc)


# ----------------------------------------------------------- facade side

def facade_side(server_bin, stubs_dir, records, limit, seconds):
    sys.path.insert(0, stubs_dir)
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from facade_server import FacadeServer

    with FacadeServer(server_bin) as server:
        pin_server(server.proc.pid)
        pin_self_to_client_core()
        channel = grpc.insecure_channel(server.address, options=[
            ("grpc.max_receive_message_length", 64 << 20)])
        ddb = db_grpc.DynamoDbServiceStub(channel)
        streams = st_grpc.DynamoDbStreamsServiceStub(channel)
        arn = ddb.CreateTable(db.CreateTableRequest(
            table_name="bench", billing_mode="PAY_PER_REQUEST",
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            stream_specification=db.StreamSpecification(stream_enabled=True,
                                                        stream_view_type="NEW_AND_OLD_IMAGES"))
        ).table_description.latest_stream_arn
        for i in range(records):
            pk, n, s, tags = item_fields(i)
            ddb.PutItem(db.PutItemRequest(table_name="bench", item={
                "pk": av.AttributeValue(s=pk), "n": av.AttributeValue(n=n), "s": av.AttributeValue(s=s),
                "tags": av.AttributeValue(ss=av.StringSetValue(values=tags))}))
        shards = streams.DescribeStream(st.DescribeStreamRequest(stream_arn=arn)).stream_description.shards
        assert len(shards) == 1, "expected one shard, got %d" % len(shards)
        shard = shards[0].shard_id
        latencies, read, page_bytes = [], 0, 0
        started = time.time()
        passes = 0
        while passes < 2 or time.time() - started < seconds:
            it = streams.GetShardIterator(st.GetShardIteratorRequest(
                stream_arn=arn, shard_id=shard, shard_iterator_type="TRIM_HORIZON")).shard_iterator
            got = 0
            while got < records:
                t0 = time.perf_counter()
                page = streams.GetRecords(st.GetRecordsRequest(shard_iterator=it, limit=limit))
                latencies.append(time.perf_counter() - t0)
                got += len(page.records)
                if passes == 0:
                    page_bytes = max(page_bytes, page.ByteSize())
                it = page.next_shard_iterator
            assert got == records, "facade returned %d records, expected %d" % (got, records)
            read += got
            passes += 1
        channel.close()
    result = summarize(latencies, read)
    result["page_bytes"] = page_bytes
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server_bin", nargs="?")
    parser.add_argument("stubs_dir", nargs="?")
    parser.add_argument("--moto-python", default="python3")
    parser.add_argument("--records", type=int, default=10000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=10, help="facade: read passes for at least this long")
    parser.add_argument("--moto-passes", type=int, default=2, help="moto: whole-shard passes (moto is slow)")
    parser.add_argument("--moto-side", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.moto_side:
        return moto_side(args.records, args.limit, args.moto_passes)
    if not args.server_bin or not args.stubs_dir:
        parser.error("SERVER_BIN and STUBS_DIR are required")

    print("GetRecords benchmark: %d INSERT records in one shard, Limit %d, %d core(s)%s" % (
        args.records, args.limit, CORES, ", server on core 0, client on core 1" if CORES > 1 else ""))
    facade = facade_side(args.server_bin, args.stubs_dir, args.records, args.limit, args.seconds)
    try:
        out = subprocess.run([args.moto_python, os.path.abspath(__file__), "--moto-side",
                              "--records", str(args.records), "--limit", str(args.limit),
                              "--moto-passes", str(args.moto_passes)],
                             capture_output=True, text=True, timeout=3600)
        moto = json.loads(out.stdout.strip().splitlines()[-1]) if out.stdout.strip() else {
            "error": "moto side failed: " + out.stderr.strip()[-500:]}
    except (OSError, ValueError) as e:
        moto = {"error": str(e)}

    rows = [("GetRecords throughput (records/s)", "records_per_s", "%.0f", True),
            ("GetRecords latency p50 per call (ms)", "p50_ms", "%.2f", False),
            ("GetRecords latency p99 per call (ms)", "p99_ms", "%.2f", False)]
    print("figure | facade | moto | ratio (times better: facade/moto for throughput, moto/facade for latency)")
    for label, key, fmt, higher_better in rows:
        f = facade[key]
        if "error" in moto:
            print("%s | %s | - | -" % (label, fmt % f))
            continue
        m = moto[key]
        ratio = (f / m if m else float("inf")) if higher_better else (m / f if f else float("inf"))
        print("%s | %s | %s | %.1fx" % (label, fmt % f, fmt % m, ratio))
        print("ROW | %s, facade simulator | %s | moto %s | %.1fx better | -" % (label, fmt % f, fmt % m, ratio))
    print("calls timed: facade %d (%d records), moto %s" % (
        facade["calls"], facade["records"],
        "%d (%d records)" % (moto["calls"], moto["records"]) if "error" not in moto else "-"))
    print("facade GetRecords response: up to %d bytes of protobuf per %d-record page" % (
        facade["page_bytes"], args.limit))
    if "error" in moto:
        print("moto: " + moto["error"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
