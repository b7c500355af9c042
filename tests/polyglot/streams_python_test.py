"""DynamoDB Streams from Python (Debian's python3-grpcio) against the real
server binary on the simulator (issue 3 section 3).

Scenario: a table with a NEW_AND_OLD_IMAGES stream; items are written
(INSERT, MODIFY, REMOVE), the shard is rolled over with
SimulatorService.ForceShardRollover, more writes follow, a second rollover,
and more writes. Then:
  * polling: DescribeStream (paged with Limit 1) -> shards ordered parents
    before children by ParentShardId -> GetShardIterator(TRIM_HORIZON) ->
    GetRecords (small Limit, so it pages) until NextShardIterator is absent
    on each closed shard (and an empty page with a fresh iterator on the
    open one). Every write gives exactly one record, in per-item order, with
    the images a client-side model of the table predicts; sequence numbers
    only grow.
  * push: SubscribeToStream from TRIM_HORIZON delivers the same records in
    the same order, with a ShardEnd naming the child after each closed
    shard; cancelled mid-way (inside a shard, and right after a ShardEnd)
    and resumed from the last continuation token, it delivers the rest with
    no record lost or repeated, and then records written while it is open.

Usage: streams_python_test.py SERVER_BIN STUBS_DIR
"""
import os
import sys
import unittest

SERVER_BIN, STUBS_DIR = sys.argv[1:3]
del sys.argv[1:3]
sys.path.insert(0, STUBS_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402
from aws.dynamodb.v1 import attribute_value_pb2 as av  # noqa: E402
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc  # noqa: E402
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st, dynamodbstreams_pb2_grpc as st_grpc  # noqa: E402
from awsfacade.simulator.v1 import simulator_pb2 as sim, simulator_pb2_grpc as sim_grpc  # noqa: E402
from facade_server import FacadeServer  # noqa: E402

TABLE = "orders"


def S(x):
    return av.AttributeValue(s=x)


def N(x):
    return av.AttributeValue(n=str(x))


def plain(image):
    """A proto attribute map as {name: ("S"|"N", value)}, or None if empty."""
    out = {}
    for k, v in image.items():
        kind = v.WhichOneof("value")
        assert kind in ("s", "n"), "unexpected attribute type %s" % kind
        out[k] = (kind.upper(), getattr(v, kind))
    return out or None


class Table:
    """Writes through DynamoDbService and keeps a model of what each write's
    stream record must be, per item, in order."""

    def __init__(self, ddb):
        self.ddb = ddb
        self.items = {}      # pk -> {name: (type, value)}
        self.expected = {}   # pk -> [(eventName, NewImage, OldImage)]
        self.count = 0

    def _expect(self, pk, event, new, old):
        self.expected.setdefault(pk, []).append((event, new, old))
        self.count += 1

    def put(self, pk, value, phase):
        item = {"pk": ("S", pk), "v": ("N", str(value)), "phase": ("S", phase)}
        self.ddb.PutItem(db.PutItemRequest(table_name=TABLE, item={
            "pk": S(pk), "v": N(value), "phase": S(phase)}), timeout=10)
        old = self.items.get(pk)
        if old != item:
            self._expect(pk, "MODIFY" if old else "INSERT", item, old)
        self.items[pk] = item

    def add(self, pk, by):
        self.ddb.UpdateItem(db.UpdateItemRequest(
            table_name=TABLE, key={"pk": S(pk)}, update_expression="ADD v :by",
            expression_attribute_values={":by": N(by)}), timeout=10)
        old = self.items.get(pk)
        new = dict(old or {"pk": ("S", pk)})
        new["v"] = ("N", str(int(old["v"][1]) + by if old and "v" in old else by))
        self._expect(pk, "MODIFY" if old else "INSERT", new, old)
        self.items[pk] = new

    def delete(self, pk):
        self.ddb.DeleteItem(db.DeleteItemRequest(table_name=TABLE, key={"pk": S(pk)}), timeout=10)
        old = self.items.pop(pk, None)
        if old:
            self._expect(pk, "REMOVE", None, old)


def seq(record):
    return int(record.dynamodb.sequence_number)


class StreamsTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.server = FacadeServer(SERVER_BIN)
        self.channel = grpc.insecure_channel(self.server.address)
        self.ddb = db_grpc.DynamoDbServiceStub(self.channel)
        self.streams = st_grpc.DynamoDbStreamsServiceStub(self.channel)
        self.sim = sim_grpc.SimulatorServiceStub(self.channel)
        created = self.ddb.CreateTable(db.CreateTableRequest(
            table_name=TABLE,
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            billing_mode="PAY_PER_REQUEST",
            stream_specification=db.StreamSpecification(
                stream_enabled=True, stream_view_type="NEW_AND_OLD_IMAGES")), timeout=10)
        self.arn = created.table_description.latest_stream_arn
        self.assertTrue(self.arn.startswith(
            "arn:aws:dynamodb:us-east-1:123456789012:table/%s/stream/" % TABLE), self.arn)
        self.table = Table(self.ddb)
        self.rollovers = []  # (closed, opened) per ForceShardRollover

    def tearDown(self):
        self.channel.close()
        self.assertEqual(self.server.stop(), 0, "server did not exit cleanly on SIGTERM")

    # ------------------------------------------------------------ helpers

    def rollover(self):
        done = self.sim.ForceShardRollover(sim.ForceShardRolloverRequest(stream_arn=self.arn), timeout=10)
        self.assertEqual(len(done.closed_shard_ids), 1, done)
        self.assertEqual(len(done.new_shard_ids), 1, done)
        self.rollovers.append((done.closed_shard_ids[0], done.new_shard_ids[0]))

    def write_phases(self):
        """Three generations of shards, with items changing in each."""
        t = self.table
        for i in range(12):
            t.put("item-%02d" % i, i, "one")
        for i in range(0, 12, 2):
            t.add("item-%02d" % i, 100)
        t.delete("item-03")
        t.delete("item-03")                 # missing: no record
        t.put("item-05", 5, "one")          # identical: no record
        self.rollover()
        for i in range(0, 12, 3):
            t.add("item-%02d" % i, 1)       # item-03 comes back as INSERT
        t.put("item-01", 42, "two")
        t.delete("item-07")
        t.put("item-12", 12, "two")
        self.rollover()
        t.add("item-01", -2)
        t.delete("item-12")
        t.put("item-07", 7, "three")
        t.put("item-13", 13, "three")

    def describe_all_shards(self):
        shards, start = [], ""
        while True:
            desc = self.streams.DescribeStream(st.DescribeStreamRequest(
                stream_arn=self.arn, limit=1, exclusive_start_shard_id=start), timeout=10).stream_description
            self.assertEqual(desc.stream_status, "ENABLED")
            self.assertEqual(desc.stream_view_type, "NEW_AND_OLD_IMAGES")
            self.assertLessEqual(len(desc.shards), 1)
            shards.extend(desc.shards)
            if not desc.last_evaluated_shard_id:
                return shards
            start = desc.last_evaluated_shard_id

    def parents_first(self, shards):
        by_id = {s.shard_id: s for s in shards}
        self.assertEqual(len(by_id), len(shards), "DescribeStream listed a shard twice")
        ordered, placed = [], set()
        while len(ordered) < len(shards):
            ready = [s for s in shards if s.shard_id not in placed
                     and (not s.parent_shard_id or s.parent_shard_id not in by_id
                          or s.parent_shard_id in placed)]
            self.assertTrue(ready, "ParentShardId cycle")
            for s in ready:
                ordered.append(s)
                placed.add(s.shard_id)
        return ordered

    def read_shard(self, shard_id, limit=7):
        """Every record of a shard; stops where NextShardIterator is absent
        (closed shard) or at the first empty page (open shard)."""
        it = self.streams.GetShardIterator(st.GetShardIteratorRequest(
            stream_arn=self.arn, shard_id=shard_id, shard_iterator_type="TRIM_HORIZON"),
            timeout=10).shard_iterator
        records, pages = [], 0
        while True:
            page = self.streams.GetRecords(st.GetRecordsRequest(shard_iterator=it, limit=limit), timeout=10)
            pages += 1
            self.assertLessEqual(len(page.records), limit)
            records.extend(page.records)
            if not page.next_shard_iterator:
                return records, True
            if not page.records:
                return records, False
            it = page.next_shard_iterator
            self.assertLess(pages, 1000, "GetRecords never ends")

    def poll_everything(self):
        """(ordered shards, {shard_id: records}) read by polling."""
        shards = self.parents_first(self.describe_all_shards())
        got = {}
        for shard in shards:
            records, ended = self.read_shard(shard.shard_id)
            closed = bool(shard.sequence_number_range.ending_sequence_number)
            self.assertEqual(ended, closed, "NextShardIterator absent iff the shard is closed: %s" % shard)
            got[shard.shard_id] = records
        return shards, got

    def check_against_model(self, records):
        ids = [r.event_id for r in records]
        self.assertEqual(len(set(ids)), len(ids), "a record came twice")
        self.assertEqual(len(records), self.table.count)
        per_item = {}
        for r in records:
            pk = r.dynamodb.keys["pk"].s
            self.assertEqual(plain(r.dynamodb.keys), {"pk": ("S", pk)})
            self.assertEqual(r.event_source, "aws:dynamodb")
            self.assertEqual(r.aws_region, "us-east-1")
            self.assertEqual(r.dynamodb.stream_view_type, "NEW_AND_OLD_IMAGES")
            self.assertGreater(r.dynamodb.size_bytes, 0)
            per_item.setdefault(pk, []).append(
                (r.event_name, plain(r.dynamodb.new_image), plain(r.dynamodb.old_image)))
        self.assertEqual(per_item, self.table.expected)

    # -------------------------------------------------------------- tests

    def test_poll_across_forced_rollovers(self):
        self.write_phases()
        shards, got = self.poll_everything()
        self.assertEqual(len(shards), 3)
        (first, second), (second_again, third) = self.rollovers
        self.assertEqual(second, second_again)
        self.assertEqual([s.shard_id for s in shards], [first, second, third])
        self.assertEqual([s.parent_shard_id for s in shards], ["", first, second])
        for s in shards[:2]:
            rng = s.sequence_number_range
            self.assertTrue(rng.ending_sequence_number, s)
            self.assertLessEqual(int(rng.starting_sequence_number), int(rng.ending_sequence_number))
            for r in got[s.shard_id]:
                self.assertLessEqual(int(rng.starting_sequence_number), seq(r))
                self.assertLessEqual(seq(r), int(rng.ending_sequence_number))
        self.assertFalse(shards[2].sequence_number_range.ending_sequence_number)
        self.assertEqual([len(got[s.shard_id]) for s in shards], [12 + 6 + 1, 4 + 3, 4])
        everything = [r for s in shards for r in got[s.shard_id]]
        numbers = [seq(r) for r in everything]
        self.assertEqual(numbers, sorted(set(numbers)), "sequence numbers must only grow")
        self.check_against_model(everything)
        # A child-shard filter names the same lineage.
        children = self.streams.DescribeStream(st.DescribeStreamRequest(
            stream_arn=self.arn, shard_filter=st.ShardFilter(type="CHILD_SHARDS", shard_id=first)),
            timeout=10).stream_description.shards
        self.assertEqual([c.shard_id for c in children], [second])

    def subscribe(self, position, batch=5):
        return self.streams.SubscribeToStream(st.SubscribeToStreamRequest(
            stream_arn=self.arn, starting_position=position,
            options=st.SubscriptionOptions(max_records_per_batch=batch)), timeout=60)

    def take(self, call, records, ends, until):
        """Reads events into records / ends until until(event) is true;
        returns the last continuation token seen."""
        token = None
        for event in call:
            kind = event.WhichOneof("event")
            if kind == "records":
                self.assertLessEqual(len(event.records.records), 5)
                records.extend(event.records.records)
                token = event.records.continuation_token
            elif kind == "shard_end":
                ends.append((event.shard_end.shard_id, list(event.shard_end.child_shard_ids),
                             len(records)))
                token = event.shard_end.continuation_token
            else:
                token = event.heartbeat.continuation_token
            self.assertTrue(token)
            if until(event):
                return token
        self.fail("subscription ended early: %s" % call.code())

    def test_subscriber_matches_polling_and_resumes(self):
        self.write_phases()
        shards, got = self.poll_everything()
        polled = [(s.shard_id, r.event_id) for s in shards for r in got[s.shard_id]]
        total = len(polled)
        (first, second), (_, third) = self.rollovers
        first_len, second_len = len(got[first]), len(got[second])

        # One subscription, start to end.
        records, ends = [], []
        call = self.subscribe(st.StartingPosition(type="TRIM_HORIZON"))
        self.take(call, records, ends, lambda e: len(records) >= total)
        call.cancel()
        self.assertEqual([(r.shard_id, r.record.event_id) for r in records], polled)
        self.assertEqual(ends, [(first, [second], first_len), (second, [third], first_len + second_len)])
        # Same payloads as GetRecords, not only the same ids.
        self.assertEqual([r.record for r in records], [r for s in shards for r in got[s.shard_id]])

        # Cancelled inside the first shard, resumed from the last token.
        part1, ends1 = [], []
        call = self.subscribe(st.StartingPosition(type="TRIM_HORIZON"))
        token = self.take(call, part1, ends1, lambda e: len(part1) >= 10)
        call.cancel()
        self.assertEqual(len(part1), 10)
        self.assertEqual(ends1, [])
        # Cancelled again right after the first ShardEnd, resumed from its token.
        part2, ends2 = [], []
        call = self.subscribe(st.StartingPosition(type="CONTINUATION", continuation_token=token))
        token = self.take(call, part2, ends2, lambda e: e.WhichOneof("event") == "shard_end")
        call.cancel()
        self.assertEqual(len(part1) + len(part2), first_len)
        self.assertEqual([e[0] for e in ends2], [first])
        # And the rest, then records written while subscribed.
        part3, ends3 = [], []
        call = self.subscribe(st.StartingPosition(type="CONTINUATION", continuation_token=token))
        self.take(call, part3, ends3, lambda e: len(part1) + len(part2) + len(part3) >= total)
        got_ids = [(r.shard_id, r.record.event_id) for r in part1 + part2 + part3]
        self.assertEqual(got_ids, polled, "records lost or repeated across the resumes")
        self.assertEqual([e[0] for e in ends3], [second])
        for i in range(5):
            self.table.put("live-%d" % i, i, "live")
        live = []
        self.take(call, live, ends3, lambda e: len(live) >= 5)
        call.cancel()
        self.assertEqual([r.record.dynamodb.keys["pk"].s for r in live], ["live-%d" % i for i in range(5)])
        self.assertEqual({r.shard_id for r in live}, {third})
        self.check_against_model([r.record for r in part1 + part2 + part3 + live])


if __name__ == "__main__":
    unittest.main(verbosity=2)
