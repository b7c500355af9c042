#!/usr/bin/python3
"""A consumer-group member in Python that checkpoints (ConsumerGroupsService).

Creates a table with a stream and writes 6 items. Member "worker-1" joins group
"billing" (JoinGroup), is assigned the stream's shard, processes records two
per batch and checkpoints after each batch (Checkpoint with the batch's
CheckpointSequenceNumber and the lease proof). After 4 records it leaves, as a
rolling deploy would stop it; 4 more items are written meanwhile. "worker-2"
then joins, is assigned the shard where worker-1's checkpoint left it, and
processes the rest: every record exactly once across the two, in order. It
stops once caught up (the first group heartbeat), prints the lease as
DescribeGroup shows it, and deletes its tables.

    scripts/gen-stubs.sh
    PYTHONPATH=build/gen-stubs/python /usr/bin/python3 examples/python/group_member.py 127.0.0.1:50051
"""
import sys
import time

import grpc
from google.protobuf import duration_pb2

from aws.dynamodb.v1 import attribute_value_pb2 as av
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st
from awsfacade.consumergroups.v1 import consumergroups_pb2 as cg
from awsfacade.consumergroups.v1 import consumergroups_pb2_grpc as cg_grpc

GROUP = "billing"
LEAVE_AFTER = 4  # records worker-1 processes before it leaves


def put_orders(dynamodb, table, first, last):
    for i in range(first, last + 1):
        item = {"pk": av.AttributeValue(s="order-%02d" % i),
                "total": av.AttributeValue(n=str(10 * i))}
        dynamodb.PutItem(db.PutItemRequest(table_name=table, item=item), timeout=10)
    print("wrote order-%02d..order-%02d" % (first, last))


def run_member(groups, stream_arn, name, seen, stop_after=None):
    """Joins the group as `name`, processes and checkpoints each batch. Leaves
    after `stop_after` records, or once caught up (the first heartbeat after
    records). Returns the lease table's name."""
    options = st.SubscriptionOptions(max_records_per_batch=2,
                                     heartbeat_interval=duration_pb2.Duration(nanos=500_000_000))
    call = groups.JoinGroup(cg.JoinGroupRequest(group_name=GROUP, stream_arn=stream_arn,
                                                member_id=name, options=options), timeout=60)
    table, count = "", 0
    for event in call:
        kind = event.WhichOneof("event")
        if kind == "joined":
            table = event.joined.lease_table_name
            print("%s joined as %s" % (name, event.joined.lease_owner))
        elif kind == "shard_assigned":
            print("%s assigned %s from %s" % (name, event.shard_assigned.shard_id,
                                              event.shard_assigned.resume_after))
        elif kind == "records":
            batch = event.records
            for record in batch.records:
                key = record.dynamodb.keys["pk"].s
                print("  %s %s %s seq %s" % (name, record.event_name, key,
                                             record.dynamodb.sequence_number))
                if record.dynamodb.sequence_number in seen:
                    print("  DUPLICATE %s" % key)
                seen.add(record.dynamodb.sequence_number)
                count += 1
            # Processed: only now move the checkpoint (at least once).
            groups.Checkpoint(cg.CheckpointRequest(
                group_name=GROUP, stream_arn=stream_arn, shard_id=batch.shard_id,
                sequence_number=batch.checkpoint_sequence_number, lease_proof=batch.lease_proof),
                timeout=10)
            print("%s checkpointed %s" % (name, batch.checkpoint_sequence_number))
            if stop_after is not None and count >= stop_after:
                break
        elif kind == "shard_ended":
            groups.Checkpoint(cg.CheckpointRequest(
                group_name=GROUP, stream_arn=stream_arn, shard_id=event.shard_ended.shard_id,
                sequence_number="SHARD_END", lease_proof=event.shard_ended.lease_proof), timeout=10)
        elif kind == "heartbeat":
            if stop_after is None and count > 0:
                break
    call.cancel()  # leaving releases the lease at once
    print("%s left after %d records" % (name, count))
    return table


def main(address):
    table = "example-orders-%d" % time.time_ns()
    with grpc.insecure_channel(address) as channel:
        dynamodb = db_grpc.DynamoDbServiceStub(channel)
        groups = cg_grpc.ConsumerGroupsServiceStub(channel)

        created = dynamodb.CreateTable(db.CreateTableRequest(
            table_name=table,
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            billing_mode="PAY_PER_REQUEST",
            stream_specification=db.StreamSpecification(stream_enabled=True,
                                                        stream_view_type="KEYS_ONLY")),
            timeout=10)
        stream_arn = created.table_description.latest_stream_arn
        print("table %s, stream %s" % (table, stream_arn))
        put_orders(dynamodb, table, 1, 6)

        seen = set()
        lease_table = run_member(groups, stream_arn, "worker-1", seen, stop_after=LEAVE_AFTER)
        put_orders(dynamodb, table, 7, 10)
        run_member(groups, stream_arn, "worker-2", seen)
        print("caught up: %d distinct records" % len(seen))

        described = groups.DescribeGroup(
            cg.DescribeGroupRequest(group_name=GROUP, stream_arn=stream_arn), timeout=10)
        for lease in described.leases:
            print("lease %s: checkpoint %s" % (lease.shard_id, lease.checkpoint))

        for name in (table, lease_table):
            dynamodb.DeleteTable(db.DeleteTableRequest(table_name=name), timeout=10)
        print("deleted tables %s and %s" % (table, lease_table))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051")
