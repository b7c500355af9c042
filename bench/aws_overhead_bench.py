"""The facade's overhead on the real-AWS backend (issue 5 section 3): the
same DynamoDB Streams calls against one moto server, made (a) by boto3
directly and (b) through the facade with --backend=aws and the endpoint
override, from a Python gRPC client. Same machine, same run, same stream.

A benchmark, not a test: it prints figures and never fails on timing.

moto is the "AWS" of both paths, so most of each call is moto's own time;
the difference between the two columns is what the facade adds (gRPC hop,
protobuf <-> AWS JSON, SigV4, its HTTP client) minus what boto3 spends
(its own JSON parsing, signing, botocore's machinery). The two paths are
measured in alternating rounds so that drift on this noisy machine hits both.

Figures per call, client-side wall time:
  - GetRecords of LIMIT records (NEW_AND_OLD_IMAGES INSERTs, ~0.2 KB each);
  - DescribeStream (a small call: the fixed cost per request).

Run with Debian's /usr/bin/python3 (python3-grpcio):
  /usr/bin/python3 bench/aws_overhead_bench.py build/service/awsfacade-server build/gen/python \
      [--boto-python python3] [--records 2000] [--limit 1000] [--rounds 5] [--small-calls 50]
The boto3 side runs under --boto-python (must have boto3; `python3` on PATH
here) as `aws_overhead_bench.py --boto-side`, driven over stdin/stdout.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "polyglot"))
import moto_server  # noqa: E402

TABLE = "overhead"


def item(i):
    return {"pk": {"S": "item-%05d" % i}, "n": {"N": str(i)}, "s": {"S": ("s%05d" % i) * 10}}


# ------------------------------------------------------------ boto3 side
# Runs under the Python with boto3; must not import grpc. One JSON command
# per stdin line, one JSON answer per stdout line.

def boto_side(endpoint):
    import boto3
    kw = moto_server.boto3_client_args(endpoint)
    ddb = boto3.client("dynamodb", **kw)
    streams = boto3.client("dynamodbstreams", **kw)
    state = {}

    def seed(records):
        arn = ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
        for start in range(0, records, 25):
            ddb.batch_write_item(RequestItems={TABLE: [
                {"PutRequest": {"Item": item(i)}} for i in range(start, min(records, start + 25))]})
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        state.update(arn=arn, shard=shard)
        return {"arn": arn, "shard": shard}

    def getrecords_pass(records, limit):
        it = streams.get_shard_iterator(StreamArn=state["arn"], ShardId=state["shard"],
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        latencies, got = [], 0
        while got < records:
            t0 = time.perf_counter()
            page = streams.get_records(ShardIterator=it, Limit=limit)
            latencies.append(time.perf_counter() - t0)
            got += len(page["Records"])
            it = page["NextShardIterator"]
        return {"latencies": latencies, "records": got}

    def small(n):
        latencies = []
        for _ in range(n):
            t0 = time.perf_counter()
            streams.describe_stream(StreamArn=state["arn"])
            latencies.append(time.perf_counter() - t0)
        return {"latencies": latencies}

    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "seed":
            out = seed(cmd["records"])
        elif cmd["op"] == "getrecords":
            out = getrecords_pass(cmd["records"], cmd["limit"])
        elif cmd["op"] == "small":
            out = small(cmd["n"])
        else:
            out = {"error": "unknown op"}
        print(json.dumps(out), flush=True)
    return 0


class BotoSide:
    def __init__(self, python, endpoint):
        self.proc = subprocess.Popen([python, os.path.abspath(__file__), "--boto-side", endpoint],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def ask(self, **cmd):
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the boto3 side exited (%s)" % self.proc.wait())
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# ----------------------------------------------------------- facade side

class FacadeSide:
    def __init__(self, server_bin, stubs_dir, endpoint):
        sys.path.insert(0, stubs_dir)
        import grpc
        from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
        from facade_server import FacadeServer
        self.st = st
        # The AWS backend's credential chain reads the environment (moto
        # accepts any key); nothing else differs from a real deployment.
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        os.environ.pop("AWS_SESSION_TOKEN", None)
        self.server = FacadeServer(server_bin, "--backend=aws", "--region=" + moto_server.REGION,
                                   "--endpoint_url=" + endpoint)
        self.channel = grpc.insecure_channel(self.server.address, options=[
            ("grpc.max_receive_message_length", 64 << 20)])
        self.streams = st_grpc.DynamoDbStreamsServiceStub(self.channel)

    def getrecords_pass(self, arn, shard, records, limit):
        st = self.st
        it = self.streams.GetShardIterator(st.GetShardIteratorRequest(
            stream_arn=arn, shard_id=shard, shard_iterator_type="TRIM_HORIZON")).shard_iterator
        latencies, got = [], 0
        while got < records:
            t0 = time.perf_counter()
            page = self.streams.GetRecords(st.GetRecordsRequest(shard_iterator=it, limit=limit))
            latencies.append(time.perf_counter() - t0)
            got += len(page.records)
            it = page.next_shard_iterator
        return {"latencies": latencies, "records": got}

    def small(self, arn, n):
        latencies = []
        for _ in range(n):
            t0 = time.perf_counter()
            self.streams.DescribeStream(self.st.DescribeStreamRequest(stream_arn=arn))
            latencies.append(time.perf_counter() - t0)
        return {"latencies": latencies}

    def close(self):
        self.channel.close()
        self.server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server_bin", nargs="?")
    parser.add_argument("stubs_dir", nargs="?")
    parser.add_argument("--boto-python", default="python3")
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--small-calls", type=int, default=50)
    parser.add_argument("--boto-side", metavar="ENDPOINT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.boto_side:
        return boto_side(args.boto_side)
    if not args.server_bin or not args.stubs_dir:
        parser.error("SERVER_BIN and STUBS_DIR are required")

    try:
        moto, port = moto_server.start(args.boto_python, stderr=subprocess.DEVNULL)
    except (RuntimeError, OSError) as e:
        print("facade-on-AWS overhead: skipped, moto.server does not start under %s: %s" % (
            args.boto_python, e))
        return 0
    boto = facade = None
    try:
        endpoint = moto_server.endpoint(port)
        boto = BotoSide(args.boto_python, endpoint)
        where = boto.ask(op="seed", records=args.records)
        facade = FacadeSide(args.server_bin, args.stubs_dir, endpoint)
        seen = {"boto3": {"getrecords": [], "small": [], "records": 0},
                "facade": {"getrecords": [], "small": [], "records": 0}}
        for _ in range(args.rounds):
            for side in ("boto3", "facade"):
                if side == "boto3":
                    page = boto.ask(op="getrecords", records=args.records, limit=args.limit)
                    few = boto.ask(op="small", n=args.small_calls)
                else:
                    page = facade.getrecords_pass(where["arn"], where["shard"], args.records, args.limit)
                    few = facade.small(where["arn"], args.small_calls)
                if page["records"] != args.records:
                    raise RuntimeError("%s read %d records, expected %d" % (side, page["records"], args.records))
                seen[side]["getrecords"] += page["latencies"]
                seen[side]["small"] += few["latencies"]
                seen[side]["records"] += page["records"]
    finally:
        if facade:
            facade.close()
        if boto:
            boto.close()
        moto_server.stop(moto)

    print("facade --backend=aws vs boto3, both against one moto server; %d rounds, %d records, Limit %d" % (
        args.rounds, args.records, args.limit))
    print("figure | facade->moto | boto3->moto | ratio (facade/boto3; under 1 = faster than boto3)")
    for label, key in (("GetRecords (%d records) median ms per call" % args.limit, "getrecords"),
                       ("DescribeStream median ms per call", "small")):
        f = statistics.median(seen["facade"][key]) * 1e3
        b = statistics.median(seen["boto3"][key]) * 1e3
        print("%s | %.2f | %.2f | %.2fx" % (label, f, b, f / b))
        print("ROW | facade on AWS backend -> moto: %s | %.2f ms | boto3 -> moto %.2f ms | %.2f | report" % (
            label, f, b, f / b))
    return 0


if __name__ == "__main__":
    sys.exit(main())
