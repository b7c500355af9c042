#!/usr/bin/env node
// A consumer-group member in Node that checkpoints (ConsumerGroupsService).
//
// Creates a table with a stream and writes 6 items. Member "worker-1" joins
// group "billing" (JoinGroup), is assigned the stream's shard, processes
// records two per batch and checkpoints after each batch (Checkpoint with the
// batch's checkpoint_sequence_number and the lease proof). After 4 records it
// leaves, as a rolling deploy would stop it; 4 more items are written
// meanwhile. "worker-2" then joins, is assigned the shard where worker-1's
// checkpoint left it, and processes the rest: every record exactly once
// across the two, in order. It stops once caught up (the first group
// heartbeat), prints the lease as DescribeGroup shows it, and deletes its
// tables.
//
// @grpc/grpc-js with @grpc/proto-loader reading proto/ at run time. From the
// repository root, after `npm ci`:
//
//   node examples/node/group_member.js 127.0.0.1:50051
'use strict';

const path = require('node:path');
const { promisify } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');
const GROUP = 'billing';
const LEAVE_AFTER = 4; // records worker-1 processes before it leaves

const definition = protoLoader.loadSync(
  ['aws/dynamodb/v1/dynamodb.proto', 'awsfacade/consumergroups/v1/consumergroups.proto'],
  { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [PROTO_DIR] });
const { aws, awsfacade } = grpc.loadPackageDefinition(definition);

const deadline = (seconds) => ({ deadline: Date.now() + seconds * 1000 });

async function putOrders(dynamodb, table, first, last) {
  const putItem = promisify(dynamodb.PutItem.bind(dynamodb));
  for (let i = first; i <= last; i++) {
    const item = { pk: { s: `order-${String(i).padStart(2, '0')}` }, total: { n: String(10 * i) } };
    await putItem({ table_name: table, item }, deadline(10));
  }
  console.log(`wrote order-${String(first).padStart(2, '0')}..order-${String(last).padStart(2, '0')}`);
}

// Joins the group as `name`, processes and checkpoints each batch. Leaves
// after `stopAfter` records, or once caught up (the first heartbeat after
// records). Returns the lease table's name.
async function runMember(groups, streamArn, name, seen, stopAfter) {
  const checkpoint = promisify(groups.Checkpoint.bind(groups));
  const call = groups.JoinGroup({
    group_name: GROUP, stream_arn: streamArn, member_id: name,
    options: { max_records_per_batch: 2, heartbeat_interval: { nanos: 500000000 } },
  }, deadline(60));
  // Leaving is cancelling: its CANCELLED error is expected.
  call.on('error', (err) => { if (err.code !== grpc.status.CANCELLED) call.failure = err; });
  let table = '';
  let count = 0;
  for await (const event of call) {
    if (event.event === 'joined') {
      table = event.joined.lease_table_name;
      console.log(`${name} joined as ${event.joined.lease_owner}`);
    } else if (event.event === 'shard_assigned') {
      console.log(`${name} assigned ${event.shard_assigned.shard_id} from ${event.shard_assigned.resume_after}`);
    } else if (event.event === 'records') {
      const batch = event.records;
      for (const record of batch.records) {
        const seq = record.dynamodb.sequence_number;
        console.log(`  ${name} ${record.event_name} ${record.dynamodb.keys.pk.s} seq ${seq}`);
        if (seen.has(seq)) console.log(`  DUPLICATE ${record.dynamodb.keys.pk.s}`);
        seen.add(seq);
        count += 1;
      }
      // Processed: only now move the checkpoint (at least once).
      await checkpoint({
        group_name: GROUP, stream_arn: streamArn, shard_id: batch.shard_id,
        sequence_number: batch.checkpoint_sequence_number, lease_proof: batch.lease_proof,
      }, deadline(10));
      console.log(`${name} checkpointed ${batch.checkpoint_sequence_number}`);
      if (stopAfter !== undefined && count >= stopAfter) break;
    } else if (event.event === 'shard_ended') {
      await checkpoint({
        group_name: GROUP, stream_arn: streamArn, shard_id: event.shard_ended.shard_id,
        sequence_number: 'SHARD_END', lease_proof: event.shard_ended.lease_proof,
      }, deadline(10));
    } else if (event.event === 'heartbeat') {
      if (stopAfter === undefined && count > 0) break;
    }
  }
  call.cancel(); // leaving releases the lease at once
  if (call.failure) throw call.failure;
  console.log(`${name} left after ${count} records`);
  return table;
}

async function main(address) {
  const credentials = grpc.credentials.createInsecure();
  const dynamodb = new aws.dynamodb.v1.DynamoDbService(address, credentials);
  const groups = new awsfacade.consumergroups.v1.ConsumerGroupsService(address, credentials);
  try {
    const table = `example-orders-${process.hrtime.bigint()}`;
    const created = await promisify(dynamodb.CreateTable.bind(dynamodb))({
      table_name: table,
      attribute_definitions: [{ attribute_name: 'pk', attribute_type: 'S' }],
      key_schema: [{ attribute_name: 'pk', key_type: 'HASH' }],
      billing_mode: 'PAY_PER_REQUEST',
      stream_specification: { stream_enabled: true, stream_view_type: 'KEYS_ONLY' },
    }, deadline(10));
    const streamArn = created.table_description.latest_stream_arn;
    console.log(`table ${table}, stream ${streamArn}`);
    await putOrders(dynamodb, table, 1, 6);

    const seen = new Set();
    const leaseTable = await runMember(groups, streamArn, 'worker-1', seen, LEAVE_AFTER);
    await putOrders(dynamodb, table, 7, 10);
    await runMember(groups, streamArn, 'worker-2', seen);
    console.log(`caught up: ${seen.size} distinct records`);

    const described = await promisify(groups.DescribeGroup.bind(groups))(
      { group_name: GROUP, stream_arn: streamArn }, deadline(10));
    for (const lease of described.leases) console.log(`lease ${lease.shard_id}: checkpoint ${lease.checkpoint}`);

    const deleteTable = promisify(dynamodb.DeleteTable.bind(dynamodb));
    for (const name of [table, leaseTable]) await deleteTable({ table_name: name }, deadline(10));
    console.log(`deleted tables ${table} and ${leaseTable}`);
  } finally {
    dynamodb.close();
    groups.close();
  }
}

main(process.argv[2] || '127.0.0.1:50051').catch((err) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
