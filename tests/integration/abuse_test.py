"""Abuse on loopback (issue 7 §4): thousands of streams on one connection,
stalled readers while records pour in, a flood of cancellations, and
oversized messages. Through all of it the server must stay up, keep
answering a well-behaved client on another connection, keep its memory
under a quota, and release every cancelled subscription (checked through
--max_subscriptions: if one leaked, the cap would refuse new ones).

  /usr/bin/python3 abuse_test.py SERVER_BIN STUBS_DIR
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))

# The quota for this load (2500 open streams, 1200 of them stalled while
# 6 MB of records pour in, with --subscription_buffer_bytes=8 MiB). Measured
# on the 2-core machine: 43 MiB before the stalled phase, about 450 MiB
# after it. The engine's own holdings are bounded by the budget (see
# StalledReadersTogetherStayNearTheBufferBudget); the rest is per-stream
# memory in gRPC's transport, which the budget does not see.
RSS_QUOTA_KIB = 1024 * 1024


def main():
    server_bin, stubs_dir = sys.argv[1:3]
    sys.path.insert(0, stubs_dir)
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from facade_calls import Checks, create_streamed_table, rss_kib
    from facade_server import FacadeServer
    check = Checks()

    def connection():
        # Its own TCP connection: Python's channels to one target otherwise
        # share a subchannel, and the abusers' streams would queue the good
        # client's calls on the client side.
        return grpc.insecure_channel(server.address, options=[("grpc.use_local_subchannel_pool", 1)])

    server = FacadeServer(server_bin, "--max_subscriptions=3000", "--max_concurrent_streams=1000",
                          "--max_message_bytes=1048576", "--subscription_buffer_bytes=8388608")
    try:
        good = connection()
        good_db = db_grpc.DynamoDbServiceStub(good)
        arn = create_streamed_table(good, "abuse")

        def well_behaved(label):
            t0 = time.perf_counter()
            try:
                good_db.DescribeTable(db.DescribeTableRequest(table_name="abuse"), timeout=5)
                check(True, "%s: a well-behaved client is answered (%.0f ms)" % (
                    label, (time.perf_counter() - t0) * 1e3))
            except grpc.RpcError as e:
                check(False, "%s: a well-behaved client is answered: %s" % (label, e.code()))

        def request(position="LATEST"):
            r = st.SubscribeToStreamRequest(stream_arn=arn, starting_position=st.StartingPosition(type=position))
            r.options.heartbeat_interval.seconds = 300
            return r

        # 1. Thousands of streams on one connection: 2500 calls, 1000 admitted
        #    by HTTP/2 at a time (--max_concurrent_streams), the rest queued by
        #    the client.
        abuser = connection()
        abuser_streams = st_grpc.DynamoDbStreamsServiceStub(abuser)
        many = [abuser_streams.SubscribeToStream(request()) for _ in range(2500)]
        time.sleep(2)
        well_behaved("2500 streams on one connection")
        check(server.proc.poll() is None, "the server is up with 2500 streams opened on one connection")

        # 2. Stalled readers: 200 subscriptions from TRIM_HORIZON that never
        #    read, while 3000 records of ~2 KB are written.
        stalled_channel = connection()
        stalled = [st_grpc.DynamoDbStreamsServiceStub(stalled_channel).SubscribeToStream(request("TRIM_HORIZON"))
                   for _ in range(200)]
        filler = "x" * 2000
        for i in range(3000):
            good_db.PutItem(db.PutItemRequest(table_name="abuse", item={
                "pk": av.AttributeValue(s="item-%d" % (i % 300)), "v": av.AttributeValue(n=str(i)),
                "pad": av.AttributeValue(s=filler)}))
        time.sleep(2)
        rss = rss_kib(server.proc.pid)
        check(rss < RSS_QUOTA_KIB, "with stalled readers the server's RSS stays under %d MiB: %d MiB" % (
            RSS_QUOTA_KIB // 1024, rss // 1024))
        well_behaved("200 stalled readers")

        # 3. Flood of cancellations: everything above cancelled at once, then
        #    3000 subscriptions opened and cancelled immediately.
        for c in many + stalled:
            c.cancel()
        flood = connection()
        flood_streams = st_grpc.DynamoDbStreamsServiceStub(flood)
        for _ in range(3000):
            flood_streams.SubscribeToStream(request()).cancel()
        well_behaved("3000 cancellations")

        # Every cancelled subscription must have been released: with a cap of
        # 3000, 2898 new ones (3 connections x 966, under the per-connection
        # stream limit so none waits in a client queue) must all be admitted.
        deadline = time.time() + 30
        admitted = False
        probe_channels = [connection() for _ in range(3)]
        while time.time() < deadline and not admitted:
            probes = [st_grpc.DynamoDbStreamsServiceStub(ch).SubscribeToStream(request())
                      for ch in probe_channels for _ in range(966)]
            time.sleep(2)
            refused = 0
            for p in probes:
                if p.done() and p.code() == grpc.StatusCode.RESOURCE_EXHAUSTED:
                    refused += 1
                p.cancel()
            admitted = refused == 0
            if not admitted:
                time.sleep(1)
        check(admitted, "after the flood, new subscriptions are admitted (no leaked slots)")

        # 4. Oversized messages, repeatedly.
        for _ in range(20):
            try:
                good_db.PutItem(db.PutItemRequest(table_name="abuse", item={
                    "pk": av.AttributeValue(s="big"), "pad": av.AttributeValue(s="y" * (2 << 20))}), timeout=5)
                check(False, "an oversized message is refused")
                break
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
                    check(False, "an oversized message is RESOURCE_EXHAUSTED, not %s" % e.code())
                    break
        well_behaved("20 oversized messages")
        rss = rss_kib(server.proc.pid)
        check(rss < RSS_QUOTA_KIB, "after everything the server's RSS is under %d MiB: %d MiB" % (
            RSS_QUOTA_KIB // 1024, rss // 1024))
        check(server.proc.poll() is None, "the server is still running")
        for ch in [abuser, stalled_channel, flood, good] + probe_channels:
            ch.close()
    finally:
        code = server.stop()
    check(code == 0, "the server then shuts down cleanly (exit %s)" % code)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
