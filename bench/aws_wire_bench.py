"""The AWS wire endpoint (--aws_listen) measured (issue 14 section 4).

1. boto3 against the facade's wire endpoint vs boto3 against moto, the same
   calls in the same run, one boto3 client each: PutItem/s, and GetRecords
   records/s (the stream of 1000 puts read from TRIM_HORIZON, again and
   again, 100 records a page). Goal: at least 10x moto on both.
2. GetItem over the wire (HTTP/1.1 keep-alive, h2load --h1, 32 connections
   of one request each: HTTP/1.1 has no multiplexing and the endpoint a worker
   thread per connection, 64 by default) vs GetItem over gRPC (h2load, 4
   connections of 16 streams, as bench/unary_bench.py) on the same server,
   the same item. Goal: at least 0.5.

A benchmark, not a test: it prints figures ("ROW | ..." lines for
bench/run_all.sh's table) and never fails on timing. Server on core 0, load
on core 1 when there are two.

  /usr/bin/python3 bench/aws_wire_bench.py SERVER_BIN STUBS_DIR BOTO_PYTHON [seconds]
Debian's python3 drives (grpcio for the gRPC seeding and its frame); the boto3
loops run under BOTO_PYTHON (the image's python3: boto3 and moto) as
  BOTO_PYTHON aws_wire_bench.py --boto ENDPOINT SECONDS
which prints its figures as JSON.
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "polyglot"))
TABLE = "wire-bench"
PUTS_FOR_RECORDS = 1000
CORES = os.cpu_count() or 1


def boto_main(endpoint, seconds):
    """boto3's figures against one endpoint (runs under BOTO_PYTHON)."""
    import boto3
    import botocore.config
    # A stuck server becomes an error, not a benchmark that never ends.
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="bench",
              aws_secret_access_key="bench",
              config=botocore.config.Config(read_timeout=60, retries={"max_attempts": 2}))
    ddb = boto3.client("dynamodb", **kw)
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    ddb.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1})
    item = {"pk": {"S": ""}, "n": {"N": "12345"}, "s": {"S": "x" * 100}}
    for i in range(PUTS_FOR_RECORDS):  # the stream GetRecords reads
        item["pk"]["S"] = "seed%05d" % i
        ddb.put_item(TableName=TABLE, Item=item)

    puts, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        item["pk"]["S"] = "put%07d" % puts
        ddb.put_item(TableName=TABLE, Item=item)
        puts += 1
    put_rate = puts / (time.monotonic() - start)

    streams = boto3.client("dynamodbstreams", **kw)
    arn = streams.list_streams(TableName=TABLE)["Streams"][0]["StreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    records, calls, start = 0, 0, time.monotonic()
    while time.monotonic() - start < seconds:
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while it and time.monotonic() - start < seconds:
            page = streams.get_records(ShardIterator=it, Limit=100)
            calls += 1
            records += len(page["Records"])
            if not page["Records"]:
                break
            it = page.get("NextShardIterator")
    elapsed = time.monotonic() - start
    json.dump({"put_per_s": put_rate, "records_per_s": records / elapsed,
               "get_records_calls": calls}, sys.stdout)
    return 0


def boto(python, endpoint, seconds):
    cmd = [python, os.path.abspath(__file__), "--boto", endpoint, str(seconds)]
    if CORES > 1:
        cmd = ["taskset", "-c", "1"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit("boto3 against %s failed: %s" % (endpoint, out.stderr[-2000:]))
    return json.loads(out.stdout)


def h2load(args, url, seconds):
    cmd = ["h2load", "-D", str(seconds), "-t", "1", *args, url]
    if CORES > 1:
        cmd = ["taskset", "-c", "1"] + cmd
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out)
    codes = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", out)
    return float(rps.group(1)) if rps else 0.0, (codes.groups() if codes else ("?",) * 4)


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "--boto":
        return boto_main(sys.argv[2], float(sys.argv[3]))
    server_bin, stubs_dir, boto_python = sys.argv[1:4]
    seconds = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    sys.path.insert(0, stubs_dir)
    import grpc
    from google.protobuf import json_format
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from facade_server import FacadeServer
    import moto_server

    with FacadeServer(server_bin, "--aws_listen=127.0.0.1:0", "--log_level=warning") as server:
        if CORES > 1:  # server on core 0, load generators on core 1
            subprocess.run(["taskset", "-a", "-p", "-c", "0", str(server.proc.pid)], capture_output=True)
        wire_port = int(re.search(r"AWS wire protocols on port (\d+)", server.startup_log).group(1))
        wire = "http://127.0.0.1:%d" % wire_port

        # 1. boto3: the facade's wire endpoint, then moto, the same calls.
        facade = boto(boto_python, wire, seconds)
        # moto logs every request to stderr: a pipe nobody reads would stop it.
        moto_proc, moto_port = moto_server.start(boto_python, stderr=subprocess.DEVNULL)
        try:
            moto = boto(boto_python, moto_server.endpoint(moto_port), seconds)
        finally:
            moto_server.stop(moto_proc)
        print("boto3 vs the facade's wire endpoint and vs moto (%d s each):" % seconds)
        print("  facade: %s" % json.dumps(facade))
        print("  moto:   %s" % json.dumps(moto))
        for name, key, goal in (("PutItem/s", "put_per_s", ">= 10"),
                                ("GetRecords records/s", "records_per_s", ">= 10")):
            ratio = facade[key] / moto[key] if moto[key] else float("inf")
            print("ROW | boto3 %s, wire endpoint vs moto | %.0f | moto %.0f | %.1fx | %s" % (
                name, facade[key], moto[key], ratio, goal))

        # 2. GetItem: wire (HTTP/1.1) vs gRPC on this server, the same item.
        channel = grpc.insecure_channel(server.address)
        request = json_format.ParseDict({"TableName": TABLE, "Key": {"pk": {"S": "seed00001"}}},
                                        db.GetItemRequest())
        got = db_grpc.DynamoDbServiceStub(channel).GetItem(request)  # raises unless grpc-status OK
        assert got.item["pk"].s == "seed00001"
        channel.close()
        with tempfile.TemporaryDirectory() as tmp:
            grpc_body = os.path.join(tmp, "grpc")
            with open(grpc_body, "wb") as f:
                payload = request.SerializeToString()
                f.write(b"\x00" + struct.pack(">I", len(payload)) + payload)
            wire_body = os.path.join(tmp, "wire")
            with open(wire_body, "w") as f:
                json.dump({"TableName": TABLE, "Key": {"pk": {"S": "seed00001"}}}, f)
            # Alternated, twice each: this shared machine's load drifts within a
            # minute; the best of each pair is reported.
            runs = {"grpc": [], "wire": []}
            for _ in range(2):
                runs["grpc"].append(h2load(
                    ["-c", "4", "-m", "16", "-d", grpc_body, "-H", "content-type: application/grpc",
                     "-H", "te: trailers"],
                    "http://%s/aws.dynamodb.v1.DynamoDbService/GetItem" % server.address, seconds))
                runs["wire"].append(h2load(
                    ["--h1", "-c", "32", "-m", "1", "-d", wire_body,
                     "-H", "content-type: application/x-amz-json-1.0",
                     "-H", "x-amz-target: DynamoDB_20120810.GetItem"], wire + "/", seconds))
            grpc_rps, grpc_codes = max(runs["grpc"])
            wire_rps, wire_codes = max(runs["wire"])
            print("GetItem runs (req/s): gRPC %s, wire %s" % (
                [round(r) for r, _ in runs["grpc"]], [round(r) for r, _ in runs["wire"]]))
        print("GetItem: wire %.0f req/s (status 2xx/3xx/4xx/5xx %s), gRPC %.0f req/s (%s)" % (
            wire_rps, "/".join(wire_codes), grpc_rps, "/".join(grpc_codes)))
        print("ROW | GetItem over the wire endpoint (h2load --h1, 32 connections) | %.0f req/s | "
              "gRPC GetItem %.0f req/s | %.2f | >= 0.5" % (wire_rps, grpc_rps,
                                                             wire_rps / grpc_rps if grpc_rps else 0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
