"""Consumer groups: a history checker (issue 15 §3) with three facade replicas
on --backend=aws against one shared upstream: a moto server (--upstream=moto)
or a simulating awsfacade-server's AWS wire endpoint (--upstream=wire, its
--aws_listen, with several open shards rolled over while writing).

Six members spread over the replicas (two each) join one group; a writer puts
WRITES versions over 200 keys (item pk=k<i>, v=<version>, versions of a key in
order) through all replicas. Meanwhile: a member holding a shard is killed
(the call cancelled) and a member is added; then a holder is moved onto
replica 2 (holders elsewhere killed in turn) and replica 2 is SIGKILLed; two
members are restarted on the survivors. On the wire upstream the simulator
also closes every open shard three times (SimulatorService.ForceShardRollover,
at 10 %, 35 % and 70 % of the writes), each time opening a child per shard. Each member records every record it
processes (with the time and its assignment) and checkpoints after each
batch (SHARD_END after ShardEnded).

Checked from the history:
  * every written (key, version) was processed at least once;
  * per key, across assignments and across parent->child shard boundaries,
    each version was first processed after every earlier version;
  * parents first: no record of a child shard was processed, and no
    assignment of it began, before its parent's SHARD_END checkpoint was sent
    (parents from DescribeStream; after each rollover every closed parent
    must reach SHARD_END);
  * within one assignment (one lease held by one member) no record twice and
    each key's versions in increasing order;
  * a record processed twice was processed in two different assignments
    (duplicates only after a failover or hand-over), and every record of an
    assignment lies after the checkpoint it resumed from (redelivery only
    past the last checkpoint);
  * no two members processed a shard at overlapping times;
  * after a holder leaves, and after its replica is SIGKILLed, every shard
    it held is assigned elsewhere within lease duration + 2 s;
  * upstream GetRecords (the replicas' awsfacade_backend_calls_total), summed
    over the live replicas over a window, stays within one reader's budget
    per shard read in the window (--shard_reads_per_second, 5 on the AWS
    backend, plus one second's burst).

Scaled to keep the run near a minute: WRITES (default 3000, env
AWSFACADE_GROUP_WRITES) instead of the issue's 20,000, and a lease duration of
3 s instead of 10 s. moto's stream has one shard that never rolls over (and
one writer, see WRITER_LANES), so the spread over several shards and
parents-first are shown by --upstream=wire.

Runs under Debian's /usr/bin/python3 (grpcio); moto under MOTO_PYTHON:
  /usr/bin/python3 consumer_groups_history_test.py --upstream=moto SERVER_BIN STUBS_DIR MOTO_PYTHON
  /usr/bin/python3 consumer_groups_history_test.py --upstream=wire SERVER_BIN STUBS_DIR
Exit 77 (skipped) when MOTO_PYTHON cannot run moto.server (moto only).
"""
import argparse
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
# moto: one writer. moto numbers a stream record len(records) + base, unlocked, so two
# concurrent PutItems can get the same sequence number, and its iterators
# (positions computed from sequence numbers) then skip records. Seen here
# with 4 writers: 2 of 3000 records never readable after their predecessor.
WRITER_LANES = {"moto": 1, "wire": 4}
OPEN_SHARDS = 4  # wire: the simulator's --open_shards_per_stream
ROLLOVERS_AT = (0.10, 0.35, 0.70)  # wire: fractions of WRITES written


class MotoUpstream:
    """A moto server; its stream has one shard that never rolls over."""

    def __init__(self, moto_python):
        self.proc, port = moto_server.start(moto_python, stderr=subprocess.DEVNULL)
        self.endpoint = moto_server.endpoint(port)

    def rollover(self, stream_arn):
        raise AssertionError("moto cannot roll a shard over")

    def stop(self):
        moto_server.stop(self.proc)


class WireUpstream:
    """A simulating awsfacade-server: DynamoDB and DynamoDB Streams over AWS's
    wire protocol on --aws_listen, shards rolled over through its
    SimulatorService (gRPC on its --listen port)."""

    def __init__(self, server_bin):
        import grpc
        from awsfacade.simulator.v1 import simulator_pb2, simulator_pb2_grpc
        from facade_server import FacadeServer
        self.server = FacadeServer(server_bin, "--aws_listen=127.0.0.1:0",
                                   "--open_shards_per_stream=%d" % OPEN_SHARDS)
        m = re.search(r"AWS wire protocols on port (\d+)", self.server.startup_log)
        assert m, "no AWS wire port in the start-up line: %s" % self.server.startup_log
        self.endpoint = "http://127.0.0.1:%s" % m.group(1)
        self._pb = simulator_pb2
        self._control = simulator_pb2_grpc.SimulatorServiceStub(grpc.insecure_channel(self.server.address))

    def rollover(self, stream_arn):
        """Closes every open shard; returns the IDs of the closed shards."""
        return list(self._control.ForceShardRollover(
            self._pb.ForceShardRolloverRequest(stream_arn=stream_arn), timeout=30).closed_shard_ids)

    def stop(self):
        self.server.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", choices=("moto", "wire"), default="moto")
    parser.add_argument("server_bin")
    parser.add_argument("stubs_dir")
    parser.add_argument("moto_python", nargs="?")
    args = parser.parse_args()
    server_bin, upstream_kind = args.server_bin, args.upstream
    sys.path.insert(0, args.stubs_dir)
    import grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from awsfacade.consumergroups.v1 import consumergroups_pb2 as cg, consumergroups_pb2_grpc as cg_grpc
    from facade_server import FacadeServer

    if upstream_kind == "moto":
        try:
            upstream = MotoUpstream(args.moto_python)
        except (RuntimeError, OSError, TypeError) as e:
            print("SKIPPED: moto.server does not start under %s: %s" % (args.moto_python, e))
            return 77
    else:
        upstream = WireUpstream(server_bin)
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.pop("AWS_SESSION_TOKEN", None)
    common = ["--backend=aws", "--region=" + moto_server.REGION,
              "--endpoint_url=" + upstream.endpoint,
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
            reads, t1 = get_records(indexes) - before, time.time()
            elapsed = t1 - t0
            with lock:  # the shards some member held during the window
                shards = {a["shard"] for a in assignments.values()
                          if a["start"] < t1 and (a["end"] is None or a["end"] > t0)}
            allowed = READS_PER_SECOND * (elapsed + 1) * len(shards)
            assert reads <= allowed, "%s: %d upstream GetRecords in %.1f s on %d shards, budget %d" % (
                what, reads, elapsed, len(shards), allowed)
            budget_checks.append("%s %.1f/s/shard over %d shards" % (what, reads / elapsed / len(shards),
                                                                   len(shards)))
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
        shard_end_sent = {}  # shard -> when its first accepted SHARD_END checkpoint was sent

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
                sent = time.time()
                try:
                    groups[self.replica].Checkpoint(cg.CheckpointRequest(
                        group_name=GROUP, stream_arn=arn, shard_id=shard, sequence_number=seq,
                        lease_proof=proof), timeout=10)
                except grpc.RpcError as e:
                    # A zombie's checkpoint is refused; anything else is a failure.
                    if e.code() != grpc.StatusCode.FAILED_PRECONDITION and not self.dead:
                        raise
                    return
                if seq == "SHARD_END":
                    with lock:
                        shard_end_sent[shard] = min(sent, shard_end_sent.get(shard, sent))

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

        def held_by(names):
            """The shards, not yet checkpointed at SHARD_END, of the open
            assignments of the members `names`."""
            with lock:
                return {a["shard"] for a in assignments.values()
                        if a["end"] is None and a["member"] in names and a["shard"] not in shard_end_sent}

        def holder(replica=None):
            """A live member (on `replica`, if given) holding a shard, if any."""
            for m in members:
                if (not m.dead and m.is_alive() and (replica is None or m.replica == replica)
                        and held_by({m.name_})):
                    return m
            return None

        def wait_for(cond, seconds):
            deadline = time.time() + seconds
            while time.time() < deadline:
                if cond():
                    return True
                time.sleep(0.05)
            return cond()

        def reassigned_after(t0, excluded, shards):
            """The assignments since t0 of `shards` to members not `excluded`,
            once every one of `shards` has one; else []."""
            with lock:
                got = [a for a in assignments.values()
                       if a["start"] > t0 and a["member"] not in excluded and a["shard"] in shards]
            return got if {a["shard"] for a in got} == shards else []

        rollovers = []  # shards closed by each rollover

        def rollover():
            """wire: closes every open shard, then waits until each closed one
            has been read to its end and checkpointed at SHARD_END."""
            closed = upstream.rollover(arn)
            assert closed, "ForceShardRollover closed no shard"
            rollovers.append(closed)
            assert wait_for(lambda: set(closed) <= set(shard_end_sent), 60), \
                "closed shards never checkpointed at SHARD_END: %s" % sorted(set(closed) - set(shard_end_sent))

        def write_phase(fraction):
            """Waits until `fraction` of the writes are done, rolling the
            shards over (wire) at each ROLLOVERS_AT point passed on the way."""
            for n, point in enumerate(rollover_points):
                if point <= WRITES * fraction and len(rollovers) <= n:
                    assert wait_for(lambda: len(written) >= point, phase_seconds)
                    rollover()
            assert wait_for(lambda: len(written) >= WRITES * fraction, phase_seconds)

        for i in range(6):
            members.append(Member("m%d" % i, i // 2))

        written = []
        writer_error = []

        def writer(lane):
            """Writes every i whose key is in this lane, in order: each key's
            versions are written one after the other. On the wire upstream
            it pauses at each ROLLOVERS_AT point until that rollover is done,
            so every generation of shards gets records."""
            try:
                for i in range(WRITES):
                    if (i % KEYS) % lanes != lane:
                        continue
                    passed = [at for at in rollover_points if i >= at]
                    if len(rollovers) < len(passed):
                        assert wait_for(lambda: len(rollovers) >= len(passed), phase_seconds * 2), \
                            "writer waited for a rollover in vain"
                    key, version = "k%d" % (i % KEYS), i // KEYS
                    dbs[i % 2].PutItem(db.PutItemRequest(table_name=TABLE, item={
                        "pk": av.AttributeValue(s=key), "v": av.AttributeValue(n=str(version))}),
                        timeout=30)
                    written.append((key, version))
            except Exception as e:  # noqa: BLE001 - reported below
                writer_error.append(e)

        lanes = WRITER_LANES[upstream_kind]
        rollover_points = [int(WRITES * at) for at in ROLLOVERS_AT] if upstream_kind == "wire" else []
        writers = [threading.Thread(target=writer, args=(lane,), daemon=True) for lane in range(lanes)]
        for w in writers:
            w.start()
        phase_seconds = max(120, WRITES // 20)
        assert wait_for(lambda: holder() is not None, 30), "no member was assigned a shard"
        failovers = []

        # A member leaves (its call cancelled): its shards are released and taken.
        write_phase(0.2)
        assert wait_for(lambda: holder() is not None, LEASE_SECONDS + 2), "no member holds a shard"
        h = holder()
        t0 = time.time()
        shards = held_by({h.name_})
        h.kill()
        assert wait_for(lambda: reassigned_after(t0, {h.name_}, shards), LEASE_SECONDS + 2), \
            "shards %s not reassigned within lease + 2 s after %s left" % (sorted(shards), h.name_)
        failovers.append(("leave", max(a["start"] for a in reassigned_after(t0, {h.name_}, shards)) - t0))
        members.append(Member("m6", 0))  # a member added
        check_budget([0, 1, 2], "3 replicas")

        # Move a shard onto replica 2, then SIGKILL replica 2.
        write_phase(0.5)
        for _ in range(8):
            if holder(2) is not None:
                break
            h = holder()
            if h is not None:
                h.kill()
            wait_for(lambda: holder() is not None, LEASE_SECONDS + 2)
        assert holder(2) is not None, "could not move a shard onto replica 2"
        # Someone must survive on replicas 0 and 1 to take the shard over.
        if not any(not m.dead and m.is_alive() and m.replica != 2 for m in members):
            members.append(Member("m7", 1))
            assert wait_for(lambda: members[-1].joined, 30), "m7 did not join"
        on_2 = {m.name_ for m in members if m.replica == 2}
        t0 = time.time()
        shards = held_by(on_2)
        assert shards, "replica 2's members hold no shard"
        replicas[2].proc.send_signal(signal.SIGKILL)
        for m in members:
            if m.replica == 2:
                m.dead = True
        assert wait_for(lambda: reassigned_after(t0, on_2, shards), LEASE_SECONDS + 2), \
            "shards %s not reassigned within lease + 2 s after replica 2 was SIGKILLed" % sorted(shards)
        failovers.append(("sigkill", max(a["start"] for a in reassigned_after(t0, on_2, shards)) - t0))
        members.append(Member("m4b", 0))  # restarted on the survivors
        members.append(Member("m5b", 1))
        write_phase(1.0)

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
            try:  # the group's leases (owner, checkpoint, lag) as the facade sees them
                leases = str(groups[0].DescribeGroup(cg.DescribeGroupRequest(group_name=GROUP, stream_arn=arn),
                                                     timeout=10)).replace("\n", " ")
            except grpc.RpcError as e:
                leases = "DescribeGroup failed: %s" % e.code().name
            raise AssertionError("%d of %d records never processed: %s; member ends %s; open assignments %s; "
                                 "last processed %s; group %s" % (len(want - processed()), len(want),
                                                                  sorted(want - processed())[:5], ends, open_,
                                                                  last, leases))

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
        # Per key, across assignments and shard boundaries: each version is
        # first processed after every earlier one (history is in processing
        # order: appended under the lock).
        first_seen = {}
        newest = {}
        for (_, member, aid, shard, key, version, seq) in hist:
            if (key, version) in first_seen:
                continue
            first_seen[(key, version)] = shard
            assert version > newest.get(key, (-1, None))[0], \
                "%s version %d (shard %s, %s) first processed after version %d (shard %s)" % (
                    key, version, shard, member, *newest[key])
            newest[key] = (version, shard)
        # Parents first: nothing of a child before its parent's SHARD_END.
        described = st_grpc.DynamoDbStreamsServiceStub(channels[0]).DescribeStream(
            st.DescribeStreamRequest(stream_arn=arn), timeout=30).stream_description
        assert not described.last_evaluated_shard_id, "more shards than one DescribeStream page"
        parent_of = {sh.shard_id: sh.parent_shard_id for sh in described.shards if sh.parent_shard_id}
        first_record = {}
        for (t, _, _, shard, *_rest) in hist:
            first_record.setdefault(shard, t)
        boundaries = 0
        for child, parent in parent_of.items():
            if parent not in {sh.shard_id for sh in described.shards}:
                continue  # a parent trimmed away: nothing to order against
            assert parent in shard_end_sent, "parent %s of %s never checkpointed at SHARD_END" % (parent, child)
            for a in asg.values():
                if a["shard"] == child:
                    assert a["start"] >= shard_end_sent[parent], \
                        "%s assigned %s before its parent %s was checkpointed at SHARD_END" % (
                            a["member"], child, parent)
            if child in first_record:
                assert first_record[child] >= shard_end_sent[parent], \
                    "a record of %s processed before its parent %s reached SHARD_END" % (child, parent)
                boundaries += 1
        if upstream_kind == "wire":
            want_boundaries = sum(len(closed) for closed in rollovers)
            assert boundaries == want_boundaries, \
                "%d parent->child boundaries with records, %d rolled over; rollovers %s; parents %s; " \
                "shards with records %s" % (boundaries, want_boundaries, rollovers, parent_of, sorted(first_record))
        members_with_records = sorted({m for (_, m, *_rest) in hist})
        print("history (%s): %d writes over %d keys, %d records processed (%d processed twice), "
              "%d shards (%d rollovers, %d parent->child boundaries with records), "
              "%d assignments over members %s; failover after %s; upstream GetRecords %s; every "
              "record at least once, in order per key within each lease and across shards, children "
              "only after their parent's SHARD_END, duplicates only across leases and past the "
              "checkpoint, never two members at once"
              % (upstream_kind, WRITES, KEYS, len(hist), len(duplicates), len(described.shards), len(rollovers),
                 boundaries, len(asg), members_with_records,
                 ", ".join("%s %.2f s" % f for f in failovers), ", ".join(budget_checks)))
        return 0
    except BaseException:
        # What the replicas said last: a crashed or wedged replica shows here.
        for i, r in enumerate(replicas):
            print("replica %d (exit %s), last log lines:" % (i, r.proc.poll()), file=sys.stderr)
            for line in list(r.log_tail)[-15:]:
                print("  " + line.decode(errors="replace").rstrip(), file=sys.stderr)
        raise
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
        upstream.stop()


if __name__ == "__main__":
    sys.exit(main())
