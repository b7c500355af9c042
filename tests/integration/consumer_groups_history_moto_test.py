"""Consumer groups: a history checker (issue 15 §3) with three facade replicas
on --backend=aws against one moto server.

Six members spread over the replicas (two each) join one group; a writer puts
WRITES versions over 200 keys (item pk=k<i>, v=<version>, versions of a key in
order) through all replicas. Meanwhile: the member holding the shard is killed
(the call cancelled) and a member is added; then the holder is moved onto
replica 2 (its holders killed in turn) and replica 2 is SIGKILLed; two
members are restarted on the survivors. Each member records every record it
processes (with the time and its assignment) and checkpoints after each
batch (SHARD_END after ShardEnded).

Checked from the history:
  * every written (key, version) was processed at least once;
  * within one assignment (one lease held by one member) no record twice and
    each key's versions in increasing order;
  * a record processed twice was processed in two different assignments
    (duplicates only after a failover or hand-over), and every record of an
    assignment lies after the checkpoint it resumed from (redelivery only
    past the last checkpoint);
  * no two members processed the shard at overlapping times;
  * after a holder leaves, and after its replica is SIGKILLed, the shard is
    assigned elsewhere within lease duration + 2 s;
  * upstream GetRecords (the replicas' awsfacade_backend_calls_total), summed
    over the live replicas over a window, stays within one reader's budget
    (--shard_reads_per_second, 5 on the AWS backend, plus one second's burst).

Scaled to keep the run near a minute: WRITES (default 3000, env
AWSFACADE_GROUP_WRITES) instead of the issue's 20,000, and a lease duration of
3 s instead of 10 s. moto's stream has one shard that never rolls over, so the
spread over several shards and parents-first are shown by the simulator tests
(tests/service/consumer_groups/).

Runs under Debian's /usr/bin/python3 (grpcio); moto under MOTO_PYTHON:
  /usr/bin/python3 consumer_groups_history_moto_test.py SERVER_BIN STUBS_DIR MOTO_PYTHON
Exit 77 (skipped) when MOTO_PYTHON cannot run moto.server.
"""
import os
import re
import signal
import urllib.request
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))
import moto_server  # noqa: E402

TABLE = "group-history"
GROUP = "history"
KEYS = 200
LEASE_SECONDS = 3
WRITES = int(os.environ.get("AWSFACADE_GROUP_WRITES", "3000"))
READS_PER_SECOND = 5  # --shard_reads_per_second's default on the AWS backend
BUDGET_WINDOW = 4.0   # seconds
# One writer: moto numbers a stream record len(records) + base, unlocked, so two
# concurrent PutItems can get the same sequence number, and its iterators
# (positions computed from sequence numbers) then skip records. Seen here
# with 4 writers: 2 of 3000 records never readable after their predecessor.
WRITER_LANES = 1


def main():
    server_bin, stubs_dir, moto_python = sys.argv[1:4]
    sys.path.insert(0, stubs_dir)
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st
    from awsfacade.consumergroups.v1 import consumergroups_pb2 as cg, consumergroups_pb2_grpc as cg_grpc
    from facade_server import FacadeServer

    try:
        moto, port = moto_server.start(moto_python, stderr=subprocess.DEVNULL)
    except (RuntimeError, OSError) as e:
        print("SKIPPED: moto.server does not start under %s: %s" % (moto_python, e))
        return 77
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.pop("AWS_SESSION_TOKEN", None)
    common = ["--backend=aws", "--region=" + moto_server.REGION,
              "--endpoint_url=" + moto_server.endpoint(port),
              "--consumer_group_lease_duration=%ds" % LEASE_SECONDS, "--metrics_listen=127.0.0.1:0"]
    replicas = []
    members = []
    try:
        for _ in range(3):
            replicas.append(FacadeServer(server_bin, *common))
        channels = [grpc.insecure_channel(r.address) for r in replicas]
        metrics_ports = []
        for r in replicas:
            m = re.search(r'"metrics_port":\s*(\d+)', r.startup_log)
            assert m, "no metrics_port in the start-up line: %s" % r.startup_log
            metrics_ports.append(int(m.group(1)))

        def get_records(indexes):
            """Upstream GetRecords so far, summed over the replicas `indexes`."""
            total = 0
            for i in indexes:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics_ports[i], timeout=10) as f:
                    for line in f.read().decode().splitlines():
                        if (line.startswith("awsfacade_backend_calls_total{")
                                and 'operation="GetRecords"' in line and 'service="dynamodbstreams"' in line):
                            total += float(line.rsplit(" ", 1)[1])
            return total

        budget_checks = []

        def check_budget(indexes, what):
            before, t0 = get_records(indexes), time.time()
            time.sleep(BUDGET_WINDOW)  # a measuring window, not a wait for an outcome
            reads, elapsed = get_records(indexes) - before, time.time() - t0
            allowed = READS_PER_SECOND * (elapsed + 1)
            assert reads <= allowed, "%s: %d upstream GetRecords in %.1f s, budget %d" % (what, reads, elapsed, allowed)
            budget_checks.append("%s %.1f/s" % (what, reads / elapsed))
        dbs = [db_grpc.DynamoDbServiceStub(c) for c in channels]
        groups = [cg_grpc.ConsumerGroupsServiceStub(c) for c in channels]
        arn = dbs[0].CreateTable(db.CreateTableRequest(
            table_name=TABLE, billing_mode="PAY_PER_REQUEST",
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            stream_specification=db.StreamSpecification(stream_enabled=True,
                                                        stream_view_type="NEW_IMAGE"))
        ).table_description.latest_stream_arn

        lock = threading.Lock()
        history = []      # (time, member, assignment, shard, key, version, seq)
        assignments = {}  # assignment id -> dict(member, shard, resume_after, start, end)
        ends = []         # (time, member, why)

        class Member(threading.Thread):
            def __init__(self, name, replica):
                super().__init__(daemon=True)
                self.name_, self.replica = name, replica
                self.dead = False
                self.joined = False
                self.held = {}  # shard -> assignment id
                self.call = groups[replica].JoinGroup(cg.JoinGroupRequest(
                    group_name=GROUP, stream_arn=arn, member_id=name,
                    options=st.SubscriptionOptions(max_records_per_batch=100)))
                self.start()

            def checkpoint(self, shard, seq, proof):
                try:
                    groups[self.replica].Checkpoint(cg.CheckpointRequest(
                        group_name=GROUP, stream_arn=arn, shard_id=shard, sequence_number=seq,
                        lease_proof=proof), timeout=10)
                except grpc.RpcError as e:
                    # A zombie's checkpoint is refused; anything else is a failure.
                    if e.code() != grpc.StatusCode.FAILED_PRECONDITION and not self.dead:
                        raise

            def run(self):
                why = "ended"
                try:
                    for ev in self.call:
                        if self.dead:
                            break
                        kind = ev.WhichOneof("event")
                        now = time.time()
                        if kind == "joined":
                            self.joined = True
                        elif kind == "shard_assigned":
                            a = ev.shard_assigned
                            with lock:
                                aid = len(assignments)
                                assignments[aid] = dict(member=self.name_, shard=a.shard_id,
                                                        resume_after=a.resume_after, start=now,
                                                        end=None, proof=a.lease_proof)
                            self.held[a.shard_id] = aid
                        elif kind == "records":
                            aid = self.held[ev.records.shard_id]
                            with lock:
                                for r in ev.records.records:
                                    img = r.dynamodb.new_image
                                    history.append((time.time(), self.name_, aid, ev.records.shard_id,
                                                    img["pk"].s, int(img["v"].n),
                                                    int(r.dynamodb.sequence_number)))
                            self.checkpoint(ev.records.shard_id, ev.records.checkpoint_sequence_number,
                                            ev.records.lease_proof)
                        elif kind == "shard_ended":
                            self.checkpoint(ev.shard_ended.shard_id, "SHARD_END", ev.shard_ended.lease_proof)
                        elif kind == "shard_revoked":
                            aid = self.held.pop(ev.shard_revoked.shard_id, None)
                            if aid is not None:
                                with lock:
                                    assignments[aid]["end"] = now
                except grpc.RpcError as e:
                    why = "%s: %s" % (e.code().name, e.details())
                    self.call.cancel()  # as a crashed member's connection would go
                with lock:
                    now = time.time()
                    for aid in self.held.values():
                        if assignments[aid]["end"] is None:
                            assignments[aid]["end"] = now
                    ends.append((now, self.name_, why))

            def kill(self):
                self.dead = True
                self.call.cancel()
                self.join(timeout=10)

        def holder():
            """The live member holding an open assignment, if any."""
            with lock:
                open_ = [a for a in assignments.values() if a["end"] is None]
            for m in members:
                if not m.dead and m.is_alive() and any(a["member"] == m.name_ for a in open_):
                    return m
            return None

        def wait_for(cond, seconds):
            deadline = time.time() + seconds
            while time.time() < deadline:
                if cond():
                    return True
                time.sleep(0.05)
            return cond()

        def reassigned_after(t0, excluded):
            with lock:
                return [a for a in assignments.values() if a["start"] > t0 and a["member"] not in excluded]

        for i in range(6):
            members.append(Member("m%d" % i, i // 2))

        written = []
        writer_error = []

        def writer(lane):
            """Writes every i whose key is in this lane, in order: each key's
            versions are written one after the other."""
            try:
                for i in range(WRITES):
                    if (i % KEYS) % WRITER_LANES != lane:
                        continue
                    key, version = "k%d" % (i % KEYS), i // KEYS
                    dbs[i % 2].PutItem(db.PutItemRequest(table_name=TABLE, item={
                        "pk": av.AttributeValue(s=key), "v": av.AttributeValue(n=str(version))}),
                        timeout=30)
                    written.append((key, version))
            except Exception as e:  # noqa: BLE001 - reported below
                writer_error.append(e)

        writers = [threading.Thread(target=writer, args=(lane,), daemon=True) for lane in range(WRITER_LANES)]
        for w in writers:
            w.start()
        phase_seconds = max(120, WRITES // 20)
        assert wait_for(lambda: holder() is not None, 30), "no member was assigned the shard"
        failovers = []

        # A member leaves (its call cancelled): the shard is released and taken.
        assert wait_for(lambda: len(written) > WRITES // 5, phase_seconds)
        h = holder()
        t0 = time.time()
        h.kill()
        assert wait_for(lambda: reassigned_after(t0, {h.name_}), LEASE_SECONDS + 2), \
            "shard not reassigned within lease + 2 s after %s left" % h.name_
        failovers.append(("leave", min(a["start"] for a in reassigned_after(t0, {h.name_})) - t0))
        members.append(Member("m6", 0))  # a member added
        check_budget([0, 1, 2], "3 replicas")

        # Move the shard onto replica 2, then SIGKILL replica 2.
        assert wait_for(lambda: len(written) > WRITES // 2, phase_seconds)
        for _ in range(8):
            h = holder()
            if h is not None and h.replica == 2:
                break
            if h is not None:
                h.kill()
            wait_for(lambda: holder() is not None, LEASE_SECONDS + 2)
        h = holder()
        assert h is not None and h.replica == 2, "could not move the shard onto replica 2"
        # Someone must survive on replicas 0 and 1 to take the shard over.
        if not any(not m.dead and m.is_alive() and m.replica != 2 for m in members):
            members.append(Member("m7", 1))
            assert wait_for(lambda: members[-1].joined, 30), "m7 did not join"
        on_2 = {m.name_ for m in members if m.replica == 2}
        t0 = time.time()
        replicas[2].proc.send_signal(signal.SIGKILL)
        for m in members:
            if m.replica == 2:
                m.dead = True
        assert wait_for(lambda: reassigned_after(t0, on_2), LEASE_SECONDS + 2), \
            "shard not reassigned within lease + 2 s after replica 2 was SIGKILLed"
        failovers.append(("sigkill", min(a["start"] for a in reassigned_after(t0, on_2)) - t0))
        members.append(Member("m4b", 0))  # restarted on the survivors
        members.append(Member("m5b", 1))

        check_budget([0, 1], "2 replicas")
        for w in writers:
            w.join(timeout=phase_seconds * 2)
        assert not writer_error, "writer failed: %r" % writer_error
        assert len(written) == WRITES, "only %d writes" % len(written)
        want = set(written)

        def processed():
            with lock:
                return {(k, v) for (_, _, _, _, k, v, _) in history}
        if not wait_for(lambda: want <= processed(), 60):
            with lock:
                open_ = [(aid, a["member"], a["resume_after"]) for aid, a in assignments.items() if a["end"] is None]
                last = history[-3:]
            raise AssertionError("%d of %d records never processed: %s; member ends %s; open assignments %s; "
                                 "last processed %s" % (len(want - processed()), len(want),
                                                        sorted(want - processed())[:5], ends, open_, last))

        for m in members:
            if not m.dead:
                m.kill()
        with lock:
            hist = list(history)
            asg = dict(assignments)

        # Within one assignment: no duplicates, each key in order.
        seen = {}
        for (_, member, aid, shard, key, version, seq) in hist:
            last = seen.setdefault((aid, key), -1)
            assert version > last, "assignment %d (%s): %s version %d after %d" % (aid, member, key, version, last)
            seen[(aid, key)] = version
        # Duplicates only across assignments, and only past the resume point.
        by_record = {}
        for (_, member, aid, shard, key, version, seq) in hist:
            by_record.setdefault((key, version), []).append(aid)
            resume = asg[aid]["resume_after"]
            if resume.isdigit():
                assert seq > int(resume), "assignment %d delivered %d at or before its checkpoint %s" % (aid, seq, resume)
        duplicates = [(r, a) for r, a in by_record.items() if len(a) > 1]
        for r, aids in duplicates:
            assert len(set(aids)) == len(aids), "%r processed twice within one assignment" % (r,)
        # No two members on the shard at once: each assignment's processing
        # interval (first to last record) is disjoint from the others'.
        spans = {}
        for (t, member, aid, shard, *_rest) in hist:
            s = spans.setdefault(aid, [t, t, member, shard])
            s[0], s[1] = min(s[0], t), max(s[1], t)
        ordered = sorted(spans.values())
        for prev, cur in zip(ordered, ordered[1:]):
            if prev[3] == cur[3] and prev[2] != cur[2]:
                assert cur[0] >= prev[1], "%s and %s processed %s at once" % (prev[2], cur[2], cur[3])
        members_with_records = sorted({m for (_, m, *_rest) in hist})
        print("history: %d writes over %d keys, %d records processed (%d processed twice), "
              "%d assignments over members %s; failover after %s; upstream GetRecords %s; every "
              "record at least once, in order per key within each lease, duplicates only across "
              "leases and past the checkpoint, never two members at once"
              % (WRITES, KEYS, len(hist), len(duplicates), len(asg), members_with_records,
                 ", ".join("%s %.2f s" % f for f in failovers), ", ".join(budget_checks)))
        return 0
    finally:
        for m in members:
            m.dead = True
            try:
                m.call.cancel()
            except Exception:  # noqa: BLE001
                pass
        for r in replicas:
            if r.proc.poll() is None:
                r.stop()
        moto_server.stop(moto)


if __name__ == "__main__":
    sys.exit(main())
