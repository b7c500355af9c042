#!/usr/bin/python3
"""Measures the facade's peak memory with stalled subscription readers, on
loopback: READERS SubscribeToStream calls from TRIM_HORIZON that are never
read, opened at 250/s (under the proxy's per-address call rate), then RECORDS
PutItems of 2 KB each (written directly to the facade), then 5 s to settle.
The figures behind the Kubernetes memory limit (docs/security.md).

  /usr/bin/python3 tests/tools/stalled_readers.py SERVER_BIN STUBS_DIR
      [--readers=1500] [--records=3000] [--via=proxy|direct] [--many_addresses]
      [-- SERVER_FLAGS...]

--via=proxy puts deploy/proxy/nginx.conf (Debian's nginx) in front; every
reader then comes from 127.0.0.1, so the proxy's cap on open calls per
address applies: --many_addresses lifts that cap, which stands for readers
spread over many client addresses (grpcio cannot choose its source address).
The server runs with --max_subscriptions=3000 and SERVER_FLAGS.
"""
import argparse
import os
import sys
import tempfile
import time
import shutil

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "deploy"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "polyglot"))

from proxy_launch import Nginx, free_port, status_kib  # noqa: E402
from server_launch import Server  # noqa: E402

PER_CHANNEL = 100  # under both the server's and the proxy's streams per connection
OPEN_RATE = 250.0
PER_ADDRESS_CAP = "limit_conn awsfacade_open_calls 256;"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("server_bin")
    parser.add_argument("stubs_dir")
    parser.add_argument("--readers", type=int, default=1500)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--via", choices=["proxy", "direct"], default="proxy")
    parser.add_argument("--many_addresses", action="store_true")
    parser.add_argument("--nginx", default="/usr/sbin/nginx")
    argv = sys.argv[1:]
    server_flags = argv[argv.index("--") + 1:] if "--" in argv else []
    args = parser.parse_args(argv[:len(argv) - len(server_flags) - (1 if server_flags else 0)])
    sys.path.insert(0, os.path.abspath(args.stubs_dir))
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from facade_calls import create_streamed_table

    workdir = tempfile.mkdtemp(prefix="stalled_readers.")
    os.chmod(workdir, 0o755)  # nginx's workers run as nobody under root
    facade_port, proxy_port = free_port(), free_port()
    argv = [os.path.abspath(args.server_bin), "--listen=127.0.0.1:%d" % facade_port, "--max_subscriptions=3000",
            *server_flags]
    nginx = None
    try:
        with Server(argv, dict(os.environ)) as server:
            mib = lambda field: status_kib(server.proc.pid, field) // 1024  # noqa: E731
            if args.via == "proxy":
                nginx = Nginx(args.nginx, proxy_port, facade_port, workdir,
                              [(PER_ADDRESS_CAP, "")] if args.many_addresses else [])
            direct = grpc.insecure_channel("127.0.0.1:%d" % facade_port)
            arn = create_streamed_table(direct, "stalled")
            target = "127.0.0.1:%d" % (proxy_port if nginx else facade_port)
            channels = [grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
                        for _ in range((args.readers + PER_CHANNEL - 1) // PER_CHANNEL)]
            before = mib("VmHWM")
            calls = []
            start = time.monotonic()
            for i in range(args.readers):
                request = st.SubscribeToStreamRequest(
                    stream_arn=arn, starting_position=st.StartingPosition(type="TRIM_HORIZON"))
                request.options.heartbeat_interval.seconds = 300
                stub = st_grpc.DynamoDbStreamsServiceStub(channels[i // PER_CHANNEL])
                calls.append(stub.SubscribeToStream(request))
                time.sleep(max(0.0, start + (i + 1) / OPEN_RATE - time.monotonic()))
            time.sleep(2)
            opened = mib("VmHWM")
            ddb = db_grpc.DynamoDbServiceStub(direct)
            for i in range(args.records):
                ddb.PutItem(db.PutItemRequest(table_name="stalled", item={
                    "pk": av.AttributeValue(s="item-%d" % (i % 300)), "v": av.AttributeValue(n=str(i)),
                    "pad": av.AttributeValue(s="x" * 2000)}))
            time.sleep(5)
            ended = [c for c in calls if c.done()]
            codes = sorted(set(str(c.code()) for c in ended))
            nginx_mib = 0
            if nginx:
                nginx_mib = nginx.rss_mib()
            print("%d readers via %s%s, %d records of 2 KB: server peak %d MiB at start, %d with the readers "
                  "open, %d after the records (RSS %d MiB); %d calls ended %s; nginx RSS %.0f MiB" % (
                      args.readers, args.via, " (many addresses)" if args.many_addresses else "",
                      args.records, before, opened, mib("VmHWM"), mib("VmRSS"), len(ended), codes, nginx_mib))
            for c in calls:
                c.cancel()
            for ch in channels + [direct]:
                ch.close()
    finally:
        if nginx:
            nginx.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
