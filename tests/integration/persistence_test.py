"""Simulator persistence (issue 7 §4, --state_dir): kill -9 the server in
the middle of a mixed write load, restart it on the same directory, and
check that every acknowledged write is back, and every stream record, in
order, identical to what readers saw before the crash (same sequence
numbers, event IDs, images); that iterators issued before the crash still
read; that the simulated clock does not run backwards; that a graceful
restart after that replays nothing and changes nothing; and that a start
with other settings (another --region) is refused.

  /usr/bin/python3 persistence_test.py SERVER_BIN STUBS_DIR
"""
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "polyglot"))

WRITERS = 4
KEYS_PER_WRITER = 25
LOAD_SECONDS = 4.0
PERSONALIZE_PAUSE = 0.5  # between Personalize writes, to spread them over the load
# Small enough that the load takes several snapshots, so recovery is a
# snapshot plus the journal after it, not the journal alone.
SERVER_ARGS = ["--state_snapshot_bytes=60000", "--open_shards_per_stream=2",
               "--shard_rollover_records=40"]


def main():
    started = []
    try:
        return run(started)
    finally:  # whatever failed, no server outlives the test
        for server in started:
            server.stop()


def run(started):
    server_bin, stubs_dir = sys.argv[1:3]
    sys.path.insert(0, stubs_dir)
    import grpc
    from aws.cognitosync.v1 import cognitosync_pb2 as cs, cognitosync_pb2_grpc as cs_grpc
    from aws.dynamodb.v1 import attribute_value_pb2 as av
    from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
    from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc
    from aws.personalize.v1 import personalize_pb2 as pz, personalize_pb2_grpc as pz_grpc
    from awsfacade.simulator.v1 import simulator_pb2 as sim, simulator_pb2_grpc as sim_grpc
    from facade_calls import (COGNITO_IDENTITY as IDENTITY, COGNITO_POOL as POOL, INTERACTIONS_SCHEMA as SCHEMA,
                              Checks, create_streamed_table)
    from facade_server import FacadeServer
    check = Checks()
    state_dir = os.path.join(tempfile.mkdtemp(prefix="persistence_test."), "state")

    class Stubs:
        def __init__(self, address):
            self.channel = grpc.insecure_channel(address)
            self.db = db_grpc.DynamoDbServiceStub(self.channel)
            self.st = st_grpc.DynamoDbStreamsServiceStub(self.channel)
            self.cs = cs_grpc.CognitoSyncServiceStub(self.channel)
            self.pz = pz_grpc.PersonalizeServiceStub(self.channel)
            self.sim = sim_grpc.SimulatorServiceStub(self.channel)

    def start():
        started.append(FacadeServer(server_bin, "--state_dir=" + state_dir, *SERVER_ARGS))
        return started[-1]

    def stream_dump(stubs, arn, shard_of=None):
        """Every record of every shard, from the trim horizon, by sequence
        number; with `shard_of`, also notes each record's shard there."""
        shards, start_id = [], ""
        while True:
            d = stubs.st.DescribeStream(st.DescribeStreamRequest(
                stream_arn=arn, exclusive_start_shard_id=start_id), timeout=10).stream_description
            shards += list(d.shards)
            start_id = d.last_evaluated_shard_id
            if not start_id:
                break
        records = {}
        for shard in shards:
            it = stubs.st.GetShardIterator(st.GetShardIteratorRequest(
                stream_arn=arn, shard_id=shard.shard_id, shard_iterator_type="TRIM_HORIZON"),
                timeout=10).shard_iterator
            while it:
                page = stubs.st.GetRecords(st.GetRecordsRequest(shard_iterator=it), timeout=10)
                for r in page.records:
                    records[int(r.dynamodb.sequence_number)] = r
                    if shard_of is not None:
                        shard_of[int(r.dynamodb.sequence_number)] = shard.shard_id
                if not page.records:
                    break
                it = page.next_shard_iterator
        return records

    # --- Before the crash -------------------------------------------------
    server = start()
    check("no snapshot, 0 journal entries replayed" in server.startup_log,
          "a fresh directory starts empty: %r" % server.startup_log.strip().splitlines()[-1:])
    stubs = Stubs(server.address)
    arn = create_streamed_table(stubs.channel, "orders", view="NEW_AND_OLD_IMAGES")
    schema_arn = stubs.pz.CreateSchema(pz.CreateSchemaRequest(name="s", schema=SCHEMA), timeout=10).schema_arn
    # ACTIVE by the time the load starts: a group the load creates a dataset
    # in, and one it deletes (a group is deleted only once it is ACTIVE).
    base_group, doomed_group = [stubs.pz.CreateDatasetGroup(pz.CreateDatasetGroupRequest(name=name),
                                                            timeout=10).dataset_group_arn
                                for name in ("base", "doomed")]
    stubs.sim.AdvanceClock(sim.AdvanceClockRequest(by={"seconds": 3600}), timeout=10)

    stop = threading.Event()
    acked = {}       # key -> ops acknowledged, in order: ("v", n) or ("del",)
    in_flight = {}   # key -> the op whose call failed (it may or may not have happened)
    lock = threading.Lock()

    def writer(w):
        rng = random.Random(w)
        s = Stubs(server.address)
        exists = set()
        n = 0
        while not stop.is_set():
            key = "w%d-k%d" % (w, rng.randrange(KEYS_PER_WRITER))
            with lock:
                if key in in_flight:  # this key's fate is unknown: leave it be
                    continue
            n += 1
            value = w * 1000000 + n
            if key in exists and rng.random() < 0.2:
                op, call = ("del",), lambda: s.db.DeleteItem(db.DeleteItemRequest(
                    table_name="orders", key={"pk": av.AttributeValue(s=key)}), timeout=5)
            elif key in exists and rng.random() < 0.5:
                op, call = ("v", value), lambda: s.db.UpdateItem(db.UpdateItemRequest(
                    table_name="orders", key={"pk": av.AttributeValue(s=key)},
                    update_expression="SET v = :v",
                    expression_attribute_values={":v": av.AttributeValue(n=str(value))}), timeout=5)
            else:
                op, call = ("v", value), lambda: s.db.PutItem(db.PutItemRequest(
                    table_name="orders", item={"pk": av.AttributeValue(s=key),
                                               "v": av.AttributeValue(n=str(value))}), timeout=5)
            try:
                call()
            except grpc.RpcError:
                with lock:
                    in_flight[key] = op
                if stop.is_set() or server.proc.poll() is not None:
                    return
                continue
            with lock:
                acked.setdefault(key, []).append(op)
            if op[0] == "del":
                exists.discard(key)
            else:
                exists.add(key)

    cognito_acked = {}   # record key -> last acknowledged value
    cognito_updates = [0]
    cognito_in_flight = {}

    def cognito_writer():
        s = Stubs(server.address)
        i = 0
        while not stop.is_set():
            try:
                listed = s.cs.ListRecords(cs.ListRecordsRequest(
                    identity_pool_id=POOL, identity_id=IDENTITY, dataset_name="prefs"), timeout=5)
                counts = {r.key: r.sync_count for r in listed.records}
                key = "k%d" % (i % 5)
                patch = cs.RecordPatch(op="replace", key=key, value="value-%d" % i,
                                       sync_count=counts.get(key, 0))
            except grpc.RpcError:
                return
            try:
                s.cs.UpdateRecords(cs.UpdateRecordsRequest(
                    identity_pool_id=POOL, identity_id=IDENTITY, dataset_name="prefs",
                    device_id="dev", sync_session_token=listed.sync_session_token,
                    record_patches=[patch]), timeout=5)
            except grpc.RpcError:
                cognito_in_flight[key] = patch.value
                return
            cognito_acked[key] = patch.value
            cognito_updates[0] += 1
            i += 1

    # Dataset groups and datasets acknowledged before the crash, as described
    # then, without the status and its time: those move on with the clock.
    groups_acked, datasets_acked = {}, {}
    stopped_by = {}  # thread -> the error that ended it

    def without_status(resource):
        resource.ClearField("status")
        resource.ClearField("last_updated_date_time")
        return resource

    groups_deleted = []

    def personalize_writer():
        """Spread over the load: three dataset groups (up to the quota of
        five), a dataset in the base group, and a deletion."""
        s = Stubs(server.address)
        try:
            for i in range(3):
                made = s.pz.CreateDatasetGroup(pz.CreateDatasetGroupRequest(name="group-%d" % i), timeout=5)
                groups_acked[made.dataset_group_arn] = without_status(s.pz.DescribeDatasetGroup(
                    pz.DescribeDatasetGroupRequest(dataset_group_arn=made.dataset_group_arn),
                    timeout=5).dataset_group)
                time.sleep(PERSONALIZE_PAUSE)
            made_ds = s.pz.CreateDataset(pz.CreateDatasetRequest(
                name="interactions", schema_arn=schema_arn, dataset_group_arn=base_group,
                dataset_type="Interactions"), timeout=5).dataset_arn
            datasets_acked[made_ds] = without_status(s.pz.DescribeDataset(
                pz.DescribeDatasetRequest(dataset_arn=made_ds), timeout=5).dataset)
            time.sleep(PERSONALIZE_PAUSE)
            s.pz.DeleteDatasetGroup(pz.DeleteDatasetGroupRequest(dataset_group_arn=doomed_group), timeout=5)
            groups_deleted.append(doomed_group)
        except grpc.RpcError as e:
            stopped_by["personalize"] = "%s: %s" % (e.code(), e.details())

    seen = {}  # sequence number -> record, read before the crash
    early = {}  # an iterator issued before the crash, and the record it starts at

    def reader():
        s = Stubs(server.address)
        while not stop.is_set():
            shard_of = {}
            try:
                got = stream_dump(s, arn, shard_of)
                seen.update(got)
                if not early and got:
                    first = got[min(got)]
                    early["iterator"] = s.st.GetShardIterator(st.GetShardIteratorRequest(
                        stream_arn=arn, shard_id=shard_of[min(got)], shard_iterator_type="AT_SEQUENCE_NUMBER",
                        sequence_number=first.dynamodb.sequence_number), timeout=5).shard_iterator
                    early["record"] = first
            except grpc.RpcError as e:
                stopped_by["reader"] = "%s: %s" % (e.code(), e.details())
                return
            time.sleep(0.05)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    threads += [threading.Thread(target=cognito_writer), threading.Thread(target=personalize_writer),
                threading.Thread(target=reader)]
    for t in threads:
        t.start()
    time.sleep(LOAD_SECONDS)
    clock_before = stubs.sim.GetClock(sim.GetClockRequest(), timeout=5).now.ToDatetime()
    os.kill(server.proc.pid, signal.SIGKILL)  # mid-load: writes are in flight
    server.proc.wait()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    server.stop()
    total_acked = sum(len(ops) for ops in acked.values())
    snapshots = [f for f in os.listdir(state_dir) if f.startswith("snapshot-")]
    print("threads ended by: %s" % stopped_by)
    print("acknowledged: %d item writes on %d keys, %d Cognito updates, %d dataset groups, %d datasets; "
          "%d stream records read before the crash; %d calls in flight at the kill; files %s"
          % (total_acked, len(acked), cognito_updates[0], len(groups_acked), len(datasets_acked), len(seen),
             len(in_flight) + len(cognito_in_flight), sorted(os.listdir(state_dir))))
    check("personalize" not in stopped_by and groups_deleted,
          "the Personalize writes were all acknowledged before the crash (%s)" % stopped_by.get("personalize"))
    check(total_acked > 200, "the load acknowledged a few hundred item writes (%d)" % total_acked)
    check(len(snapshots) == 1, "snapshots were taken during the load (%s)" % snapshots)

    # --- After the crash --------------------------------------------------
    server = start()
    summary = [line for line in server.startup_log.splitlines() if "journal entries replayed" in line]
    print("recovery: " + (summary[0] if summary else server.startup_log))
    check(bool(summary) and "snapshot after entry" in summary[0],
          "recovery starts from a snapshot and replays the journal after it")
    stubs = Stubs(server.address)
    try:
        # Items: the last acknowledged write of each key (or the one in flight).
        wrong = []
        for key, ops in acked.items():
            got = stubs.db.GetItem(db.GetItemRequest(
                table_name="orders", key={"pk": av.AttributeValue(s=key)}, consistent_read=True), timeout=5)
            state = ("v", int(got.item["v"].n)) if got.item else ("del",)
            allowed = [ops[-1]] + ([in_flight[key]] if key in in_flight else [])
            if state not in allowed:
                wrong.append((key, state, allowed))
        check(not wrong, "every acknowledged item write is back (%d keys; wrong: %s)" % (len(acked), wrong[:3]))

        # Stream records: per key, exactly the acknowledged writes, in order.
        after = stream_dump(stubs, arn)
        by_key = {}
        for seq in sorted(after):
            r = after[seq]
            key = r.dynamodb.keys["pk"].s
            by_key.setdefault(key, []).append(
                ("del",) if r.event_name == "REMOVE" else ("v", int(r.dynamodb.new_image["v"].n)))
        bad = [k for k, ops in acked.items()
               if by_key.get(k, []) not in (ops, ops + ([in_flight[k]] if k in in_flight else []))]
        check(not bad, "every key's stream records are its acknowledged writes, in order (%d records; "
              "wrong keys: %s)" % (len(after), bad[:3]))
        missing = [s for s in seen if s not in after]
        changed = [s for s in seen if s in after and after[s].SerializeToString(deterministic=True)
                   != seen[s].SerializeToString(deterministic=True)]
        check(seen and not missing and not changed,
              "all %d records read before the crash are back, identical (missing %d, changed %d)"
              % (len(seen), len(missing), len(changed)))
        if early:
            page = stubs.st.GetRecords(st.GetRecordsRequest(shard_iterator=early["iterator"]), timeout=5)
            check(bool(page.records) and page.records[0] == early["record"],
                  "an iterator issued before the crash still reads from where it pointed (got %s, want %s)"
                  % (page.records[0].dynamodb.sequence_number if page.records else "no records",
                     early["record"].dynamodb.sequence_number))
        check(stubs.sim.GetClock(sim.GetClockRequest(), timeout=5).now.ToDatetime() >= clock_before,
              "the simulated clock (an hour ahead) did not run backwards")

        # Cognito Sync and Personalize.
        listed = stubs.cs.ListRecords(cs.ListRecordsRequest(
            identity_pool_id=POOL, identity_id=IDENTITY, dataset_name="prefs"), timeout=5)
        values = {r.key: r.value for r in listed.records}
        wrong = [k for k, v in cognito_acked.items() if values.get(k) not in (v, cognito_in_flight.get(k))]
        check(cognito_updates[0] > 0 and not wrong,
              "every acknowledged Cognito Sync update is back (%d updates)" % cognito_updates[0])
        check(listed.dataset_sync_count in (cognito_updates[0], cognito_updates[0] + len(cognito_in_flight)),
              "the dataset's sync count is the number of updates (%d)" % listed.dataset_sync_count)
        differ = [g for g, before in groups_acked.items() if without_status(stubs.pz.DescribeDatasetGroup(
            pz.DescribeDatasetGroupRequest(dataset_group_arn=g), timeout=5).dataset_group) != before]
        check(groups_acked and not differ,
              "every dataset group made before the crash is back, identical (%d; differ: %s)"
              % (len(groups_acked), differ[:3]))
        for group_arn in groups_deleted:
            try:
                status = stubs.pz.DescribeDatasetGroup(pz.DescribeDatasetGroupRequest(
                    dataset_group_arn=group_arn), timeout=5).dataset_group.status
            except grpc.RpcError as e:
                status = e.code().name
            check(status.startswith("DELETE") or status == "NOT_FOUND",
                  "a dataset group deleted before the crash is still being deleted, or gone (%s)" % status)
        differ = [d for d, before in datasets_acked.items() if without_status(stubs.pz.DescribeDataset(
            pz.DescribeDatasetRequest(dataset_arn=d), timeout=5).dataset) != before]
        check(datasets_acked and not differ,
              "every dataset made before the crash is back, identical, tracking ID included (%d; differ: %s)"
              % (len(datasets_acked), differ[:3]))
    finally:
        server.stop()  # graceful: takes a last snapshot

    # --- A graceful restart replays nothing and changes nothing ------------
    server = start()
    try:
        summary = [line for line in server.startup_log.splitlines() if "journal entries replayed" in line]
        check(bool(summary) and " 0 journal entries replayed" in summary[0],
              "after a graceful stop the next start loads the last snapshot alone")
        again = stream_dump(Stubs(server.address), arn)
        check(again == after, "and the stream is the same (%d records)" % len(again))
    finally:
        server.stop()

    # --- Other settings are refused: the journal would build another state -
    refused = ""
    try:
        started.append(FacadeServer(server_bin, "--state_dir=" + state_dir, *SERVER_ARGS,
                                    "--region=eu-west-1"))
    except RuntimeError as e:
        refused = str(e)
    check("holds state made with other settings" in refused
          and "region: us-east-1 there, eu-west-1 now" in refused,
          "a start with another region is refused, naming the difference (%s)"
          % (refused.strip().splitlines() or ["it started"])[-1][:300])
    server = start()
    try:
        check(" 0 journal entries replayed" in server.startup_log,
              "and the same settings still start on the directory")
    finally:
        server.stop()
    shutil.rmtree(os.path.dirname(state_dir), ignore_errors=True)
    return check.exit_code()


if __name__ == "__main__":
    sys.exit(main())
