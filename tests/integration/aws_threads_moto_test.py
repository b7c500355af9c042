"""No thread waits on AWS (issue 13 section 2): awsfacade-server with
--backend=aws against moto serves many concurrent unary GetRecords with the
threads it had before they came.

The DynamoDB Streams handlers start the AWS backend's asynchronous calls on
gRPC's thread; the HTTP requests share curl's one thread and retries wait on
the backend's timer. So the server's thread count (/proc/<pid>/task) is
read before the load and sampled while CALLS GetRecords are in flight; the
largest sample may exceed the first by at most SLACK threads (gRPC's own
pollers may start one or two). Each GetRecords must return the stream's
records. The same for CALLS concurrent GetItem (the DynamoDB handlers take the
same asynchronous path). The figures are printed.

  /usr/bin/python3 aws_threads_moto_test.py SERVER_BIN STUBS_DIR MOTO_PYTHON

Exit 77 (skipped) when moto cannot be imported by MOTO_PYTHON.
"""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
import moto_server  # noqa: E402

REGION = "us-east-1"
TABLE = "aws-threads-moto"
CALLS = 400
SLACK = 4


def thread_count(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def main():
    server_bin, stubs_dir, moto_python = sys.argv[1:4]
    sys.path.insert(0, stubs_dir)
    try:
        probe = subprocess.run([moto_python, "-c", "import moto"], capture_output=True, text=True, timeout=120)
    except OSError as e:
        print("SKIP: cannot run the moto Python %r: %s" % (moto_python, e))
        return 77
    if probe.returncode != 0:
        print("SKIP: moto not importable by %s: %s" % (moto_python, probe.stderr.strip()))
        return 77

    import grpc
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from google.protobuf import json_format
    from facade_server import FacadeServer

    moto_proc, moto_port = moto_server.start(moto_python)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=moto_server.endpoint(moto_port), AWS_ACCESS_KEY_ID="testing",
               AWS_SECRET_ACCESS_KEY="testing", AWS_REGION=REGION, AWS_EC2_METADATA_DISABLED="true",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_CONFIG_FILE="/nonexistent")
    server = None
    try:
        server = FacadeServer(server_bin, "--backend=aws", env=env)
        channel = grpc.insecure_channel(server.address)
        ddb = db_grpc.DynamoDbServiceStub(channel)
        streams = st_grpc.DynamoDbStreamsServiceStub(channel)

        created = ddb.CreateTable(json_format.ParseDict({
            "TableName": TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        }, db.CreateTableRequest()), timeout=30)
        arn = created.table_description.latest_stream_arn
        for i in range(3):
            ddb.PutItem(json_format.ParseDict(
                {"TableName": TABLE, "Item": {"pk": {"S": "k%d" % i}}}, db.PutItemRequest()), timeout=30)
        shard = streams.DescribeStream(st.DescribeStreamRequest(stream_arn=arn),
                                       timeout=30).stream_description.shards[0]
        iterator = streams.GetShardIterator(st.GetShardIteratorRequest(
            stream_arn=arn, shard_id=shard.shard_id, shard_iterator_type="TRIM_HORIZON"),
            timeout=30).shard_iterator
        streams.GetRecords(st.GetRecordsRequest(shard_iterator=iterator), timeout=30)  # warm up

        pid = server.proc.pid
        failures = []

        def under_load(label, start_call):
            """CALLS concurrent calls; thread counts before and during; the answers."""
            before = thread_count(pid)
            samples = []
            stop = threading.Event()

            def sample():
                while not stop.is_set():
                    samples.append(thread_count(pid))
                    time.sleep(0.002)

            sampler = threading.Thread(target=sample)
            sampler.start()
            start = time.time()
            futures = [start_call() for _ in range(CALLS)]
            results = [f.result() for f in futures]
            took = time.time() - start
            stop.set()
            sampler.join()
            most = max(samples) if samples else before
            print("%s: server threads before %d, during max %d (%d samples), after %d; %d concurrent calls "
                  "in %.2f s" % (label, before, most, len(samples), thread_count(pid), CALLS, took))
            if most > before + SLACK:
                failures.append("%s: thread count grew from %d to %d under %d concurrent calls"
                                % (label, before, most, CALLS))
            return results

        pages = under_load("GetRecords", lambda: streams.GetRecords.future(
            st.GetRecordsRequest(shard_iterator=iterator), timeout=120))
        counts = sorted({len(r.records) for r in pages})
        if counts != [3]:
            failures.append("every GetRecords should return the 3 records, got counts %s" % counts)
        get_item = json_format.ParseDict({"TableName": TABLE, "Key": {"pk": {"S": "k1"}}}, db.GetItemRequest())
        items = under_load("GetItem", lambda: ddb.GetItem.future(get_item, timeout=120))
        found = sorted({r.item["pk"].s for r in items})
        if found != ["k1"]:
            failures.append("every GetItem should find k1, got %s" % found)
        channel.close()
        exit_code = server.stop()
        server = None
        if exit_code != 0:
            failures.append("awsfacade-server did not exit cleanly on SIGTERM: %r" % exit_code)
    finally:
        if server is not None:
            moto_server.stop(server.proc)
        moto_server.stop(moto_proc)
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
