"""Subscriptions resume on another replica (issue 4 §1 exact resume, issue 7
§1 stateless replicas on the AWS backend), against moto.

Facades A, B and C run --backend=aws against one moto server; A and B share
a --token_key_file, C has its own. Through A: a table with a stream, 5 puts,
SubscribeToStream from TRIM_HORIZON until the 5 records arrive; A is then
stopped (SIGTERM) and its final token taken from the trailing metadata.
5 more puts through B; resuming on B from A's token must deliver exactly
those 5 records, in order (no duplicates across the replicas, no loss).
C must refuse A's token with INVALID_ARGUMENT; a server given a key file
with fewer than 32 bytes must refuse to start.

Runs under Debian's /usr/bin/python3 (grpcio); moto under MOTO_PYTHON:
  /usr/bin/python3 replica_resume_moto_test.py SERVER_BIN STUBS_DIR MOTO_PYTHON
Exit 77 (skipped) when MOTO_PYTHON cannot run moto.server.
"""
import os
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
import moto_server  # noqa: E402

TABLE = "replica-resume"


def main():
    server_bin, stubs_dir, moto_python = sys.argv[1:4]
    sys.path.insert(0, stubs_dir)
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from facade_server import FacadeServer

    try:
        moto, port = moto_server.start(moto_python, stderr=subprocess.DEVNULL)
    except (RuntimeError, OSError) as e:
        print("SKIPPED: moto.server does not start under %s: %s" % (moto_python, e))
        return 77
    tmp = tempfile.TemporaryDirectory()
    servers = []
    try:
        shared_key = os.path.join(tmp.name, "shared.key")
        other_key = os.path.join(tmp.name, "other.key")
        short_key = os.path.join(tmp.name, "short.key")
        with open(shared_key, "wb") as f:
            f.write(os.urandom(48))
        with open(other_key, "wb") as f:
            f.write(os.urandom(48))
        with open(short_key, "wb") as f:
            f.write(os.urandom(16))
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        os.environ.pop("AWS_SESSION_TOKEN", None)
        common = ["--backend=aws", "--region=" + moto_server.REGION,
                  "--endpoint_url=" + moto_server.endpoint(port)]

        def start(key):
            s = FacadeServer(server_bin, *common, "--token_key_file=" + key)
            servers.append(s)
            channel = grpc.insecure_channel(s.address)
            return s, db_grpc.DynamoDbServiceStub(channel), st_grpc.DynamoDbStreamsServiceStub(channel)

        a, a_db, a_streams = start(shared_key)
        b, b_db, b_streams = start(shared_key)
        _, _, c_streams = start(other_key)

        arn = a_db.CreateTable(db.CreateTableRequest(
            table_name=TABLE, billing_mode="PAY_PER_REQUEST",
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            stream_specification=db.StreamSpecification(stream_enabled=True,
                                                        stream_view_type="NEW_IMAGE"))
        ).table_description.latest_stream_arn

        def put(stub, i):
            stub.PutItem(db.PutItemRequest(table_name=TABLE, item={
                "pk": av.AttributeValue(s="item-%d" % i), "v": av.AttributeValue(n=str(i))}))

        def read(stub, position, count):
            """Versions of the first `count` records, then cancels."""
            call = stub.SubscribeToStream(
                st.SubscribeToStreamRequest(stream_arn=arn, starting_position=position), timeout=60)
            versions = []
            for event in call:
                for r in event.records.records:
                    versions.append(int(r.record.dynamodb.new_image["v"].n))
                if len(versions) >= count:
                    call.cancel()
                    break
            return versions

        for i in range(5):
            put(a_db, i)
        # On A until the 5 records arrive, then SIGTERM A while the stream is
        # open: it must end UNAVAILABLE with its final token.
        call = a_streams.SubscribeToStream(st.SubscribeToStreamRequest(
            stream_arn=arn, starting_position=st.StartingPosition(type="TRIM_HORIZON")), timeout=60)
        on_a, stopper = [], None
        try:
            for event in call:
                for r in event.records.records:
                    on_a.append(int(r.record.dynamodb.new_image["v"].n))
                if len(on_a) >= 5 and stopper is None:
                    stopper = threading.Thread(target=a.stop)
                    stopper.start()
            raise AssertionError("A's stream ended with OK")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.UNAVAILABLE, e
            token = dict(e.trailing_metadata() or ()).get("awsfacade-continuation-token", "")
        if stopper:
            stopper.join()
        assert on_a == [0, 1, 2, 3, 4], "A delivered %r" % (on_a,)
        assert token, "A ended without a final token in the trailing metadata"

        for i in range(5, 10):
            put(b_db, i)
        resumed = read(b_streams, st.StartingPosition(type="CONTINUATION", continuation_token=token), 5)
        assert resumed == [5, 6, 7, 8, 9], "B resumed with %r, expected [5..9]" % (resumed,)

        try:
            read(c_streams, st.StartingPosition(type="CONTINUATION", continuation_token=token), 1)
            raise AssertionError("C (another key) accepted A's token")
        except grpc.RpcError as e:
            assert e.code() == grpc.StatusCode.INVALID_ARGUMENT, e

        short = subprocess.run([server_bin, "--listen=127.0.0.1:0", *common, "--token_key_file=" + short_key],
                               capture_output=True, text=True, timeout=30)
        assert short.returncode != 0 and "at least 32 bytes" in short.stderr, (short.returncode, short.stderr)
        print("replica resume: A's final token resumed on B with exactly the next 5 records; "
              "C refused it; a 16-byte key is refused")
        return 0
    finally:
        for s in servers:
            s.stop()
        moto_server.stop(moto)
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())
