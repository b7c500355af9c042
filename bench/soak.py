"""Soak: mixed unary and subscription load against the simulator for a set
time (issue 7 section 4). Reports, for the first and the last window of the
run, unary throughput, unary p99 latency, the server's RSS and open file
descriptors, the change between them (stable = within 5%), the errors
(expected: zero) and whether every subscriber received every stream record
written (zero lost or duplicated).

A benchmark, not a test: it prints figures and never fails on timing. It
exits 1 only when a call failed or a subscriber lost or repeated a record,
which are correctness failures, not timing.

The load (client threads in this process, grpcio):
  - writers: DynamoDB PutItem on a streamed table (each write feeds every
    subscriber), GetItem, Cognito Sync UpdateRecords + ListRecords,
    Personalize ListDatasets, DynamoDB Streams DescribeStream;
  - subscribers: SubscribeToStream from TRIM_HORIZON, each checking that
    every item's versions arrive once, in order;
  - the simulated clock runs fast (--sim-hours-per-second, default 2): stream
    records are trimmed after 24 simulated hours, so retained data reaches a
    steady state (a real table with a stream keeps 24 h of records: without
    this the RSS would grow by design), shards roll over every 4 simulated
    hours and iterators expire after 15 simulated minutes, all while the
    subscriptions run. The first --warmup seconds (the retention filling up)
    are not measured.

  /usr/bin/python3 bench/soak.py build/service/awsfacade-server build/gen/python \
      [--seconds 60] [--warmup 15] [--writers 4] [--subscribers 8] [--window 10] [--sim-hours-per-second 2]
"""
import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "polyglot"))
from facade_calls import rss_kib  # noqa: E402


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def cpu_seconds(pid):
    """User + system CPU time of process `pid` so far (Linux /proc)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def p99(values):
    s = sorted(values)
    return s[min(len(s) - 1, int(0.99 * (len(s) - 1)))] if s else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("server_bin")
    parser.add_argument("stubs_dir")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--subscribers", type=int, default=8)
    parser.add_argument("--window", type=float, default=10, help="seconds measured at the start and at the end")
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--warmup", type=float, default=15, help="seconds before the first window")
    parser.add_argument("--sim-hours-per-second", type=float, default=2)
    args = parser.parse_args()
    window = min(args.window, args.seconds / 3)

    sys.path.insert(0, args.stubs_dir)
    import grpc
    from aws.cognitosync.v1 import cognitosync_pb2 as cs, cognitosync_pb2_grpc as cs_grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from aws.personalize.v1 import personalize_pb2 as pz, personalize_pb2_grpc as pz_grpc
    from awsfacade.simulator.v1 import simulator_pb2 as sim, simulator_pb2_grpc as sim_grpc
    from facade_calls import create_streamed_table
    from facade_server import FacadeServer

    server = FacadeServer(args.server_bin)
    pid = server.proc.pid
    channel = grpc.insecure_channel(server.address)
    ddb = db_grpc.DynamoDbServiceStub(channel)
    streams = st_grpc.DynamoDbStreamsServiceStub(channel)
    sync = cs_grpc.CognitoSyncServiceStub(channel)
    personalize = pz_grpc.PersonalizeServiceStub(channel)
    arn = create_streamed_table(channel, "soak")
    group = personalize.CreateDatasetGroup(pz.CreateDatasetGroupRequest(name="soak-group")).dataset_group_arn
    pool = "us-east-1:00000000-0000-0000-0000-000000000000"

    lock = threading.Lock()
    stop = threading.Event()
    calls = []          # (finished_at, seconds)
    errors = []         # (operation, message)
    versions = {}       # item -> last version written (by its owning writer)

    def timed(op, fn):
        t0 = time.perf_counter()
        try:
            fn()
        except grpc.RpcError as e:
            with lock:
                errors.append((op, "%s: %s" % (e.code(), e.details())))
            return
        t1 = time.perf_counter()
        with lock:
            calls.append((time.time(), t1 - t0))

    def writer(w):
        # Each writer owns items w, w + writers, ...: per-item order is its own.
        mine = list(range(w, args.items, args.writers))
        n = 0
        identity = "us-east-1:%08d-0000-0000-0000-000000000000" % w
        while not stop.is_set():
            item = mine[n % len(mine)]
            version = versions.get(item, 0) + 1
            timed("PutItem", lambda: ddb.PutItem(db.PutItemRequest(table_name="soak", item={
                "pk": av.AttributeValue(s="item-%d" % item), "v": av.AttributeValue(n=str(version))})))
            versions[item] = version
            timed("GetItem", lambda: ddb.GetItem(db.GetItemRequest(
                table_name="soak", key={"pk": av.AttributeValue(s="item-%d" % item)})))
            if n % 4 == 0:
                def sync_round():
                    key = "k%d" % (n % 20)
                    listed = sync.ListRecords(cs.ListRecordsRequest(
                        identity_pool_id=pool, identity_id=identity, dataset_name="soak"))
                    count = next((r.sync_count for r in listed.records if r.key == key), 0)
                    sync.UpdateRecords(cs.UpdateRecordsRequest(
                        identity_pool_id=pool, identity_id=identity, dataset_name="soak",
                        sync_session_token=listed.sync_session_token, record_patches=[cs.RecordPatch(
                            op="replace", key=key, value="v%d" % n, sync_count=count)]))
                timed("CognitoSync", sync_round)
                timed("ListDatasets", lambda: personalize.ListDatasets(pz.ListDatasetsRequest(
                    dataset_group_arn=group)))
                timed("DescribeStream", lambda: streams.DescribeStream(st.DescribeStreamRequest(stream_arn=arn)))
            n += 1

    delivered = [dict() for _ in range(args.subscribers)]  # item -> versions seen, per subscriber
    bad = []

    def subscriber(i):
        request = st.SubscribeToStreamRequest(stream_arn=arn,
                                              starting_position=st.StartingPosition(type="TRIM_HORIZON"))
        request.options.heartbeat_interval.seconds = 1
        call = streams.SubscribeToStream(request)
        seen = delivered[i]
        try:
            for event in call:
                if event.HasField("records"):
                    lags.append((time.time(), event.records.millis_behind_latest))
                for r in event.records.records:
                    item = int(r.record.dynamodb.keys["pk"].s.split("-")[1])
                    v = int(r.record.dynamodb.new_image["v"].n)
                    last = seen.get(item, 0)
                    if v != last + 1:
                        bad.append("subscriber %d: item %d version %d after %d" % (i, item, v, last))
                    seen[item] = v
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:  # closing the channel at the end cancels
                with lock:
                    errors.append(("SubscribeToStream", "%s: %s" % (e.code(), e.details())))

    lags = []  # (received_at, MillisBehindLatest): is the client keeping up?
    sub_threads = []
    for i in range(args.subscribers):
        t = threading.Thread(target=subscriber, args=(i,), daemon=True)
        t.start()
        sub_threads.append(t)
    write_threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(args.writers)]
    for t in write_threads:
        t.start()

    def clock():
        simulator = sim_grpc.SimulatorServiceStub(channel)
        while not stop.wait(0.25):
            request = sim.AdvanceClockRequest()
            request.by.seconds = int(args.sim_hours_per_second * 3600 * 0.25)
            timed("AdvanceClock", lambda: simulator.AdvanceClock(request))
    clock_thread = threading.Thread(target=clock, daemon=True)
    if args.sim_hours_per_second > 0:
        clock_thread.start()

    samples = {}

    def sample(name):
        samples[name] = {"rss": rss_kib(pid), "fds": open_fds(pid), "at": time.time(),
                         "server_cpu": cpu_seconds(pid), "client_cpu": cpu_seconds(os.getpid())}

    time.sleep(args.warmup)
    sample("start_window_begin")
    time.sleep(window)
    sample("start")
    time.sleep(max(0.0, args.seconds - 2 * window))
    sample("end_window_begin")
    time.sleep(window)
    sample("end")
    stop.set()
    for t in write_threads:
        t.join()
    if clock_thread.is_alive():
        clock_thread.join()
    # Let subscribers drain what was written, then end them.
    written = dict(versions)
    deadline = time.time() + 30
    while time.time() < deadline and any(d != written for d in delivered):
        time.sleep(0.2)
    complete = [d == written for d in delivered]
    channel.close()
    for t in sub_threads:
        t.join(timeout=10)
    server.stop()

    def window_stats(t_begin, t_end):
        inside = [s for (at, s) in calls if t_begin <= at < t_end]
        return len(inside) / (t_end - t_begin), p99(inside) * 1e3

    tp_start, p99_start = window_stats(samples["start_window_begin"]["at"], samples["start"]["at"])

    def median_lag(t_begin, t_end):
        inside = sorted(l for (at, l) in lags if t_begin <= at < t_end)
        return inside[len(inside) // 2] if inside else float("nan")
    lag_start = median_lag(samples["start_window_begin"]["at"], samples["start"]["at"])
    lag_end = median_lag(samples["end_window_begin"]["at"], samples["end"]["at"])
    tp_end, p99_end = window_stats(samples["end_window_begin"]["at"], samples["end"]["at"])

    def change(a, b):
        return (b - a) / a * 100 if a else float("nan")

    print("soak: %.0f s after %.0f s of warm-up, %d writer threads, %d subscriptions, %d items, simulated clock "
          "x%.0f; windows of %.0f s at start and end" % (
              args.seconds, args.warmup, args.writers, args.subscribers, args.items,
              args.sim_hours_per_second * 3600, window))
    print("figure | start | end | change | stable (within 5%)")
    rows = [("unary calls/s", tp_start, tp_end, "%.0f"),
            ("unary p99 latency (ms)", p99_start, p99_end, "%.2f"),
            ("server RSS (KiB)", samples["start"]["rss"], samples["end"]["rss"], "%d"),
            ("server open fds", samples["start"]["fds"], samples["end"]["fds"], "%d")]
    for label, a, b, fmt in rows:
        c = change(a, b)
        print("%s | %s | %s | %+.1f%% | %s" % (label, fmt % a, fmt % b, c, "yes" if abs(c) <= 5 else "NO"))
        print("ROW | soak %s, end of run | %s | start of run %s | %+.1f%% | within 5%%" % (
            label, fmt % b, fmt % a, c))
    # Where the time goes: CPU seconds per unary call of the server and of
    # this client (writers, subscribers and all), in each window.
    def per_call(who, begin, end):
        n = sum(1 for (at, _) in calls if samples[begin]["at"] <= at < samples[end]["at"])
        return (samples[end][who] - samples[begin][who]) / n * 1e6 if n else float("nan")
    for who in ("server_cpu", "client_cpu"):
        a, b = per_call(who, "start_window_begin", "start"), per_call(who, "end_window_begin", "end")
        print("%s per unary call (us): start %.0f, end %.0f (%+.1f%%)" % (who.replace("_", " "), a, b, change(a, b)))
    print("subscriber lag (MillisBehindLatest, simulated ms, median): start %s, end %s "
          "(growing lag means the subscribers, i.e. this Python client, fall behind)" % (lag_start, lag_end))
    total_records = sum(written.values())
    print("calls: %d ok, %d errors; stream records written: %d, subscribers complete: %d/%d; "
          "order violations: %d" % (len(calls), len(errors), total_records, sum(complete), len(complete), len(bad)))
    print("ROW | soak errors / lost or repeated records | %d / %d | - | - | 0 / 0" % (
        len(errors), len(bad) + sum(1 for c in complete if not c)))
    for op, message in errors[:10]:
        print("error: %s %s" % (op, message))
    for line in bad[:10]:
        print("order: " + line)
    return 1 if errors or bad or not all(complete) else 0


if __name__ == "__main__":
    sys.exit(main())
