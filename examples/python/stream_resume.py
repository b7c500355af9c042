#!/usr/bin/python3
"""DynamoDB Streams push subscription from Python, with resume.

Creates a table with a stream (DynamoDbService.CreateTable with
StreamSpecification), writes 6 items, and subscribes to the stream from
TRIM_HORIZON (SubscribeToStream), two records per batch. After the first 4
records it drops the call, as a network failure would; 4 more items are
written meanwhile. It then
resumes from the last continuation token it processed: every record arrives
exactly once, in order, none repeated, none lost. It stops once caught up (the
first heartbeat); a real consumer would keep reading.

    scripts/gen-stubs.sh
    PYTHONPATH=build/gen-stubs/python /usr/bin/python3 examples/python/stream_resume.py 127.0.0.1:50051
"""
import sys
import time

import grpc
from google.protobuf import duration_pb2

from aws.dynamodb.v1 import attribute_value_pb2 as av
from aws.dynamodb.v1 import dynamodb_pb2 as db, dynamodb_pb2_grpc as db_grpc
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2 as st
from aws.dynamodbstreams.v1 import dynamodbstreams_pb2_grpc as st_grpc

DROP_AFTER = 4  # records read before the call is dropped


def put_orders(dynamodb, table, first, last):
    for i in range(first, last + 1):
        item = {"pk": av.AttributeValue(s="order-%02d" % i),
                "total": av.AttributeValue(n=str(10 * i))}
        dynamodb.PutItem(db.PutItemRequest(table_name=table, item=item), timeout=10)
    print("wrote order-%02d..order-%02d" % (first, last))


def subscribe(streams, stream_arn, token):
    """Opens a subscription: from the token when there is one, else from the
    oldest record."""
    if token:
        position = st.StartingPosition(type="CONTINUATION", continuation_token=token)
    else:
        position = st.StartingPosition(type="TRIM_HORIZON")
    options = st.SubscriptionOptions(max_records_per_batch=2,
                                     heartbeat_interval=duration_pb2.Duration(nanos=500_000_000))
    return streams.SubscribeToStream(
        st.SubscribeToStreamRequest(stream_arn=stream_arn, starting_position=position,
                                    options=options),
        timeout=60)


def read(call, seen, stop_after=None):
    """Prints each record and returns the continuation token of the last
    event fully processed. Stops after `stop_after` records (at an event
    boundary), or at the first heartbeat (caught up)."""
    token, count = "", 0
    for event in call:
        kind = event.WhichOneof("event")
        if kind == "records":
            for sub in event.records.records:
                record = sub.record
                key = record.dynamodb.keys["pk"].s
                print("  %s %s seq %s (%s)" % (record.event_name, key,
                                               record.dynamodb.sequence_number, sub.shard_id))
                if record.dynamodb.sequence_number in seen:
                    print("  DUPLICATE %s" % key)
                seen.add(record.dynamodb.sequence_number)
                count += 1
            # The token covers the whole batch: save it only after handling it.
            token = event.records.continuation_token
            if stop_after is not None and count >= stop_after:
                return token
        elif kind == "heartbeat":
            token = event.heartbeat.continuation_token
            if stop_after is None:
                return token
        elif kind == "shard_end":
            token = event.shard_end.continuation_token
    return token


def main(address):
    table = "example-orders-%d" % time.time_ns()
    with grpc.insecure_channel(address) as channel:
        dynamodb = db_grpc.DynamoDbServiceStub(channel)
        streams = st_grpc.DynamoDbStreamsServiceStub(channel)

        created = dynamodb.CreateTable(db.CreateTableRequest(
            table_name=table,
            attribute_definitions=[db.AttributeDefinition(attribute_name="pk", attribute_type="S")],
            key_schema=[db.KeySchemaElement(attribute_name="pk", key_type="HASH")],
            billing_mode="PAY_PER_REQUEST",
            stream_specification=db.StreamSpecification(stream_enabled=True,
                                                        stream_view_type="NEW_IMAGE")),
            timeout=10)
        stream_arn = created.table_description.latest_stream_arn
        print("table %s, stream %s" % (table, stream_arn))
        put_orders(dynamodb, table, 1, 6)

        seen = set()
        print("subscribed from TRIM_HORIZON")
        call = subscribe(streams, stream_arn, token=None)
        token = read(call, seen, stop_after=DROP_AFTER)
        call.cancel()  # the connection "drops"; keep only the token
        print("dropped the call after %d records" % len(seen))

        put_orders(dynamodb, table, 7, 10)

        print("resumed from the continuation token")
        call = subscribe(streams, stream_arn, token)
        read(call, seen)
        call.cancel()
        print("caught up: %d distinct records" % len(seen))

        dynamodb.DeleteTable(db.DeleteTableRequest(table_name=table), timeout=10)
        print("deleted table %s" % table)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:50051")
