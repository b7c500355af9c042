"""Subscriptions at scale on the real-AWS backend, against moto (issue 13 §4).

awsfacade-server runs --backend=aws against one moto server. For each
subscriber count (1, 10, 100, 1000 by default) a fresh table with a stream
(moto gives it one shard) gets N SubscribeToShard calls from TRIM_HORIZON,
then 20 PutItem/s for --seconds through the facade. Checked per count:
  * every subscriber got every record, in write order, without duplicates;
  * upstream GetRecords per second over the window (first write to the last
    subscriber complete) is within the per-shard read budget;
  * the server's thread count (/proc/PID/task, the highest seen while the
    subscriptions are open) at the largest count is at most its count at 10
    plus THREAD_SLACK.

Upstream GetRecords are counted from the server's own metrics
(--metrics_listen): awsfacade_backend_calls_total{operation="GetRecords"}
plus awsfacade_aws_retries_total{operation="GetRecords"} (every HTTP attempt
that reaches moto). The subscriptions' start-up calls (DescribeStream,
GetShardIterator) are other operations and are not counted; the window
starts when all N subscriptions are open (awsfacade_subscriptions_open).
Tolerance: budget * window + budget, i.e. one second's worth of reads on top
of the rate: a token bucket that starts full may spend one second of budget
at once at the window's start, and the window's edges cut polls in flight.

The budget is --shard_reads_per_second (issue 13; 5 by default on the AWS
backend). The flag is passed (=5) only when the server's --help lists it:
a server without it rejects unknown flags. The test says which case it ran.

Enforcement (AWSFACADE_SCALE_ENFORCE): "1" fails the test on any assertion,
"0" reports only; "auto" (default) enforces when --help lists
--shard_reads_per_second (the shared-reader engine of issue 13 has landed).
Order and no-duplicates are always enforced: they are correct today too.
When not enforced and the scale assertions fail, the figures are printed and
the test exits 77 (skipped, saying which assertion failed with what figures).

1000 subscribers run in the same test: one asyncio event loop reads all the
streams, the writes run on a thread of their own (about 75 s in all on
today's server, 20 s of it the 1000-subscriber drain; --counts picks others).

  /usr/bin/python3 subscription_scale_moto_test.py SERVER_BIN STUBS_DIR MOTO_PYTHON
      [--counts 1,10,100,1000] [--seconds 10] [--rate 20] [--backend aws|simulator]
(--backend simulator skips moto: a check of the harness itself.)
Exit 77 (skipped) when MOTO_PYTHON cannot run moto.server.
"""
import argparse
import asyncio
import os
import re
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
import moto_server  # noqa: E402

BUDGET_FLAG = "--shard_reads_per_second"
DEFAULT_BUDGET = 5.0  # issue 13: the AWS backend's default per-shard budget
# Threads the server may add between 10 and the largest count: gRPC 1.51's own
# pools grow a little with load (today's server: 35-36 threads at 10, 38-39 at 1000).
THREAD_SLACK = 4
STREAMS_PER_CHANNEL = 500  # the server allows 1000 concurrent streams per connection
DRAIN_SECONDS = 20  # after the last write, how long subscribers may take to catch up


def metric_sum(text, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        m = re.match(r"^(\w+)(\{[^}]*\})?\s+(\S+)", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += float(m.group(3))
    return total


class Metrics:
    def __init__(self, port):
        self.url = "http://127.0.0.1:%d/metrics" % port

    def text(self):
        with urllib.request.urlopen(self.url, timeout=10) as r:
            return r.read().decode()

    def upstream_get_records(self):
        t = self.text()
        return (metric_sum(t, "awsfacade_backend_calls_total", service="dynamodbstreams",
                           operation="GetRecords")
                + metric_sum(t, "awsfacade_aws_retries_total", service="dynamodbstreams",
                             operation="GetRecords"))

    def subscriptions_open(self):
        return metric_sum(self.text(), "awsfacade_subscriptions_open")


def thread_count(pid):
    return len(os.listdir("/proc/%d/task" % pid))


async def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        await asyncio.sleep(0.05)


async def run_count(n, args, server, metrics):
    """One phase: n subscribers on a fresh one-shard stream. Returns a dict of figures."""
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc

    table = "scale-%d-%d" % (n, int(time.time() * 1000) % 100000)
    control = grpc.aio.insecure_channel(server.address)
    channels = [grpc.aio.insecure_channel(server.address, options=[("grpc.use_local_subchannel_pool", 1)])
                for _ in range((n + STREAMS_PER_CHANNEL - 1) // STREAMS_PER_CHANNEL)]
    try:
        dbs = db_grpc.DynamoDbServiceStub(control)
        created = await dbs.CreateTable(db.CreateTableRequest(
            table_name=table, billing_mode="PAY_PER_REQUEST",
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            stream_specification=db.StreamSpecification(stream_enabled=True, stream_view_type="NEW_IMAGE")))
        arn = created.table_description.latest_stream_arn
        shards = (await st_grpc.DynamoDbStreamsServiceStub(control).DescribeStream(
            st.DescribeStreamRequest(stream_arn=arn))).stream_description.shards
        assert len(shards) == 1, "expected one shard, got %d" % len(shards)
        shard_id = shards[0].shard_id

        total = int(args.rate * args.seconds)
        got = [[] for _ in range(n)]
        errors = []
        calls = []

        async def subscriber(i, call):
            try:
                async for event in call:
                    for r in event.records.records:
                        got[i].append(int(r.record.dynamodb.new_image["v"].n))
            except asyncio.CancelledError:
                raise
            except grpc.aio.AioRpcError as e:
                if e.code() != grpc.StatusCode.CANCELLED:
                    errors.append("subscriber %d: %s %s" % (i, e.code().name, e.details()))

        request = st.SubscribeToShardRequest(stream_arn=arn, shard_id=shard_id,
                                             starting_position=st.StartingPosition(type="TRIM_HORIZON"))
        for i in range(n):
            stub = st_grpc.DynamoDbStreamsServiceStub(channels[i // STREAMS_PER_CHANNEL])
            calls.append(stub.SubscribeToShard(request))
        tasks = [asyncio.ensure_future(subscriber(i, c)) for i, c in enumerate(calls)]
        await wait_for(lambda: metrics.subscriptions_open() >= n or errors, 60,
                       "%d subscriptions open" % n)
        assert not errors, errors[:3]

        threads = [thread_count(server.proc.pid)]

        def write_all():
            """20 writes/s on an absolute schedule, from a thread of its own with a
            blocking stub (the event loop is busy reading the streams); samples the
            server's thread count as it goes."""
            with grpc.insecure_channel(server.address) as channel:
                put = db_grpc.DynamoDbServiceStub(channel).PutItem
                for k in range(total):
                    delay = t0 + k / args.rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    put(db.PutItemRequest(table_name=table, item={
                        "pk": av.AttributeValue(s="item-%d" % (k % 50)), "v": av.AttributeValue(n=str(k))}),
                        timeout=30)
                    if k % int(args.rate) == 0:
                        threads.append(thread_count(server.proc.pid))

        t0 = time.monotonic()
        reads0 = metrics.upstream_get_records()
        await asyncio.get_running_loop().run_in_executor(None, write_all)
        last_write = time.monotonic()
        try:
            await wait_for(lambda: all(len(g) >= total for g in got) or errors, DRAIN_SECONDS,
                           "every subscriber to get %d records" % total)
        except AssertionError:
            pass  # judged below, with the figures
        t1 = time.monotonic()
        reads1 = metrics.upstream_get_records()
        threads.append(thread_count(server.proc.pid))
        for c in calls:
            c.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await wait_for(lambda: metrics.subscriptions_open() == 0, 30, "subscriptions to close")

        complete = sum(1 for g in got if g == list(range(total)))
        # A fresh stream read from TRIM_HORIZON: exactly 0, 1, 2, ... so far.
        disorder = [i for i, g in enumerate(got) if g != list(range(len(g)))]
        window = t1 - t0
        return dict(n=n, total=total, complete=complete, disorder=disorder, errors=errors,
                    got_min=min(len(g) for g in got), reads=reads1 - reads0, window=window,
                    reads_per_second=(reads1 - reads0) / window, threads=max(threads),
                    drain=t1 - last_write, write_rate=total / (last_write - t0), sample=got[disorder[0]][:20] if disorder else None)
    finally:
        for c in channels + [control]:
            await c.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server_bin")
    parser.add_argument("stubs_dir")
    parser.add_argument("moto_python")
    parser.add_argument("--counts", default="1,10,100,1000")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--backend", default="aws", choices=["aws", "simulator"])
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    sys.path.insert(0, args.stubs_dir)
    from facade_server import FacadeServer

    enforce_env = os.environ.get("AWSFACADE_SCALE_ENFORCE", "auto")
    help_text = subprocess.run([args.server_bin, "--help"], capture_output=True, text=True, timeout=30)
    has_budget_flag = re.search(re.escape(BUDGET_FLAG) + r"\b", help_text.stdout + help_text.stderr) is not None
    enforce = enforce_env == "1" or (enforce_env == "auto" and has_budget_flag)
    budget = DEFAULT_BUDGET
    flags = ["--metrics_listen=127.0.0.1:0", "--log_level=warning"]
    if has_budget_flag:
        flags.append("%s=%g" % (BUDGET_FLAG, budget))
        print("the server lists %s: passing %s=%g" % (BUDGET_FLAG, BUDGET_FLAG, budget))
    else:
        print("the server's --help does not list %s: not passed; judging against the issue's "
              "default budget of %g GetRecords/s per shard" % (BUDGET_FLAG, budget))
    print("scale assertions %s (AWSFACADE_SCALE_ENFORCE=%s)" %
          ("ENFORCED" if enforce else "REPORTED ONLY", enforce_env))

    moto = None
    if args.backend == "aws":
        try:
            moto, port = moto_server.start(args.moto_python, stderr=subprocess.DEVNULL)
        except (RuntimeError, OSError) as e:
            print("SKIPPED: moto.server does not start under %s: %s" % (args.moto_python, e))
            return 77
        os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
        os.environ.pop("AWS_SESSION_TOKEN", None)
        flags += ["--backend=aws", "--region=" + moto_server.REGION,
                  "--endpoint_url=" + moto_server.endpoint(port)]
    server = None
    try:
        server = FacadeServer(args.server_bin, *flags)
        m = re.search(r'"metrics_port":(\d+)', server.startup_log) or \
            re.search(r"metrics on port (\d+)", server.startup_log)
        assert m, "no metrics port in the start-up log: " + server.startup_log
        metrics = Metrics(int(m.group(1)))
        results = []
        for n in counts:
            r = asyncio.run(run_count(n, args, server, metrics))
            results.append(r)
            print("%5d subscribers: %d/%d got all %d records in order (fewest %d), upstream GetRecords "
                  "%.1f/s (%d in %.1f s, budget %g/s), server threads %d, %.1f writes/s, drain %.1f s%s" %
                  (n, r["complete"], n, r["total"], r["got_min"], r["reads_per_second"], r["reads"],
                   r["window"], budget, r["threads"], r["write_rate"], r["drain"],
                   ", errors: %s" % r["errors"][:2] if r["errors"] else ""), flush=True)

        def read_limit(r):
            return budget * r["window"] + budget

        # Figures for bench/run_all.sh's table (bench/summarize.py reads ROW lines).
        for r in results:
            print("ROW | moto, %d subscribers on one shard at %g writes/s: upstream GetRecords/s "
                  "(subscribers with every record) | %.1f (%d/%d) | budget %g/s (+%g per window) | %.2f | "
                  "<= 1.0 (%d/%d)" %
                  (r["n"], args.rate, r["reads_per_second"], r["complete"], r["n"], budget, budget,
                   r["reads"] / read_limit(r), r["n"], r["n"]))
        by_n = {r["n"]: r for r in results}
        largest = max(counts)
        if 10 in by_n and largest > 10:
            print("ROW | moto: server threads at %d subscriptions | %d | at 10: %d | %+d | <= +%d" %
                  (largest, by_n[largest]["threads"], by_n[10]["threads"],
                   by_n[largest]["threads"] - by_n[10]["threads"], THREAD_SLACK))

        # Always: what a subscriber got is in order, without duplicates.
        for r in results:
            assert not r["disorder"], ("%d subscribers: %d got records out of order or repeated, e.g. %r" %
                                       (r["n"], len(r["disorder"]), r["sample"]))
        failures = []
        for r in results:
            if r["complete"] != r["n"] or r["errors"]:
                failures.append("%d subscribers: only %d/%d got all %d records (fewest %d)%s" %
                                (r["n"], r["complete"], r["n"], r["total"], r["got_min"],
                                 "; errors %s" % r["errors"][:2] if r["errors"] else ""))
            limit = read_limit(r)
            if r["reads"] == 0 and r["got_min"] > 0:
                failures.append("%d subscribers: records arrived but no upstream GetRecords was counted "
                                "(have the metric names changed?)" % r["n"])
            if r["reads"] > limit:
                failures.append("%d subscribers: %d upstream GetRecords in %.1f s (%.1f/s) > budget "
                                "%g/s * %.1f s + %g" % (r["n"], r["reads"], r["window"],
                                                        r["reads_per_second"], budget, r["window"], budget))
        if 10 in by_n and largest > 10:
            if by_n[largest]["threads"] > by_n[10]["threads"] + THREAD_SLACK:
                failures.append("server threads %d at %d subscriptions > %d at 10 + %d" %
                                (by_n[largest]["threads"], largest, by_n[10]["threads"], THREAD_SLACK))
        else:
            print("thread-count check not run: needs 10 and a larger count in --counts")
        if failures:
            print("FAILED scale assertions:\n  " + "\n  ".join(failures))
            if enforce:
                return 1
            print("SKIPPED: the scale assertions above are not enforced until issue 13's engine lands "
                  "(the server does not list %s; AWSFACADE_SCALE_ENFORCE=1 enforces them)" % BUDGET_FLAG)
            return 77
        print("every subscriber got every record in order; upstream GetRecords within the budget; "
              "server threads flat")
        return 0
    finally:
        if server:
            server.stop()
        if moto:
            moto_server.stop(moto)


if __name__ == "__main__":
    sys.exit(main())
