"""Consumer groups (issue 15 §4), on the simulator, one server process.

A benchmark, not a test: it prints figures and never fails on timing.

Failover: a stream with 4 open shards, a writer putting about 200 items/s, two
members holding two shards each. KILLS times, the member holding shards is
killed (its call cancelled: to the server, what a crashed member process looks
like, a connection that goes away) and the time is taken until every one of its
shards delivers records again on the other member; a new member then joins and
the group rebalances before the next kill. Reported: p50 and p99 of that time,
against the goal lease duration + 1 s (the default lease, 10 s).

Throughput: RECORDS items preloaded over the 4 shards, read from TRIM_HORIZON
by 4 plain SubscribeToShard calls (the baseline), then by a group of 4 members
(a fresh group, the member checkpointing nothing): records/s from the first
record to the last, client side, both in Python in the same run.

  /usr/bin/python3 bench/consumer_groups_bench.py build/service/awsfacade-server build/gen/python \
      [--kills 20] [--records 20000]
"""
import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "polyglot"))

LEASE_SECONDS = 10


def percentile(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("server")
    parser.add_argument("stubs")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--records", type=int, default=20000)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from awsfacade.consumergroups.v1 import consumergroups_pb2 as cg, consumergroups_pb2_grpc as cg_grpc
    from facade_server import FacadeServer

    server = FacadeServer(args.server, "--open_shards_per_stream=4",
                          "--consumer_group_lease_duration=%ds" % LEASE_SECONDS)
    try:
        channel = grpc.insecure_channel(server.address)
        dynamodb = db_grpc.DynamoDbServiceStub(channel)
        streams = st_grpc.DynamoDbStreamsServiceStub(channel)
        groups = cg_grpc.ConsumerGroupsServiceStub(channel)

        def make_table(name):
            return dynamodb.CreateTable(db.CreateTableRequest(
                table_name=name, billing_mode="PAY_PER_REQUEST",
                attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
                key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
                stream_specification=db.StreamSpecification(stream_enabled=True, stream_view_type="KEYS_ONLY"))
            ).table_description.latest_stream_arn

        class Member(threading.Thread):
            """Records (time, shard, count) of each Records event; holds = open assignments."""

            def __init__(self, arn, group, name):
                super().__init__(daemon=True)
                self.lock = threading.Lock()
                self.held, self.deliveries, self.records = set(), [], 0
                self.first = self.last = None
                self.call = groups.JoinGroup(cg.JoinGroupRequest(group_name=group, stream_arn=arn, member_id=name))
                self.start()

            def run(self):
                try:
                    for ev in self.call:
                        kind = ev.WhichOneof("event")
                        now = time.time()
                        with self.lock:
                            if kind == "shard_assigned":
                                self.held.add(ev.shard_assigned.shard_id)
                            elif kind == "shard_revoked":
                                self.held.discard(ev.shard_revoked.shard_id)
                            elif kind == "records":
                                self.deliveries.append((now, ev.records.shard_id))
                                self.records += len(ev.records.records)
                                self.first = self.first or now
                                self.last = now
                except grpc.RpcError:
                    pass

            def holding(self):
                with self.lock:
                    return set(self.held)

            def delivered_since(self, t0):
                with self.lock:
                    return {shard for (t, shard) in self.deliveries if t > t0}

            def kill(self):
                self.call.cancel()
                self.join(timeout=10)

        def wait_for(cond, seconds):
            deadline = time.time() + seconds
            while time.time() < deadline:
                if cond():
                    return True
                time.sleep(0.01)
            return False

        # --- failover -------------------------------------------------------
        arn = make_table("failover")
        stop = threading.Event()

        def writer():
            i = 0
            while not stop.is_set():
                dynamodb.PutItem(db.PutItemRequest(table_name="failover", item={"pk": av.AttributeValue(s="k%d" % i)}))
                i += 1
                time.sleep(0.005)

        threading.Thread(target=writer, daemon=True).start()
        a, b = Member(arn, "failover", "a0"), Member(arn, "failover", "b0")
        times = []
        for kill in range(args.kills):
            if not wait_for(lambda: len(a.holding()) == 2 and len(b.holding()) == 2, 30):
                print("the group did not rebalance to 2+2 (kill %d); stopping" % kill)
                break
            victim, survivor = (a, b) if kill % 2 == 0 else (b, a)
            lost = victim.holding()
            t0 = time.time()
            victim.kill()
            if not wait_for(lambda: lost <= survivor.delivered_since(t0), 3 * LEASE_SECONDS):
                print("kill %d: shards not delivering again within %d s" % (kill, 3 * LEASE_SECONDS))
                break
            times.append(time.time() - t0)
            newcomer = Member(arn, "failover", "m%d" % kill)
            a, b = (newcomer, survivor) if kill % 2 == 0 else (survivor, newcomer)
        stop.set()
        a.kill()
        b.kill()
        if times:
            p50, p99 = percentile(times, 50), percentile(times, 99)
            print("failover over %d kills: p50 %.2f s, p99 %.2f s, max %.2f s (lease %d s)"
                  % (len(times), p50, p99, max(times), LEASE_SECONDS))
            print("ROW | group failover p99 (member killed -> its shards delivering elsewhere) | %.2f s | "
                  "lease %d s | %.2f | under lease + 1 s" % (p99, LEASE_SECONDS, p99 / LEASE_SECONDS))
            print("ROW | group failover p50 | %.2f s | lease %d s | %.2f | report" % (p50, LEASE_SECONDS,
                                                                                   p50 / LEASE_SECONDS))

        # --- throughput -----------------------------------------------------
        arn = make_table("throughput")
        for i in range(args.records):
            dynamodb.PutItem(db.PutItemRequest(table_name="throughput", item={"pk": av.AttributeValue(s="k%d" % i)}))
        shards = [s.shard_id for s in streams.DescribeStream(
            st.DescribeStreamRequest(stream_arn=arn)).stream_description.shards]

        counts = [0] * len(shards)
        span = [None, None]
        lock = threading.Lock()

        done = threading.Event()

        def plain(i, shard):
            call = streams.SubscribeToShard(st.SubscribeToShardRequest(
                stream_arn=arn, shard_id=shard, starting_position=st.StartingPosition(type="TRIM_HORIZON")))
            threading.Thread(target=lambda: (done.wait(), call.cancel()), daemon=True).start()
            try:
                for ev in call:
                    if ev.WhichOneof("event") != "records":
                        continue
                    now = time.time()
                    with lock:
                        counts[i] += len(ev.records.records)
                        span[0] = span[0] or now
                        span[1] = now
                        if sum(counts) >= args.records:
                            done.set()
            except grpc.RpcError:
                pass  # cancelled once every record arrived

        readers = [threading.Thread(target=plain, args=(i, s), daemon=True) for i, s in enumerate(shards)]
        for r in readers:
            r.start()
        wait_for(lambda: sum(counts) >= args.records, 120)
        plain_rate = sum(counts) / max(span[1] - span[0], 1e-9)
        done.set()
        for r in readers:
            r.join(timeout=10)

        members = [Member(arn, "throughput", "t%d" % i) for i in range(4)]
        wait_for(lambda: sum(m.records for m in members) >= args.records, 120)
        got = sum(m.records for m in members)
        first = min(m.first for m in members if m.first)
        last = max(m.last for m in members if m.last)
        group_rate = got / max(last - first, 1e-9)
        for m in members:
            m.kill()
        print("throughput over %d records on %d shards: group of 4 %.0f records/s (%d delivered), "
              "4 plain subscriptions %.0f records/s" % (args.records, len(shards), group_rate, got, plain_rate))
        print("ROW | group of 4 members on 4 shards, records/s | %.0f | 4 plain subscriptions %.0f | %.2f | at least 0.8"
              % (group_rate, plain_rate, group_rate / plain_rate))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
