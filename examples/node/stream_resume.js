#!/usr/bin/env node
// DynamoDB Streams push subscription from Node, with resume.
//
// Creates a table with a stream (DynamoDbService.CreateTable with
// StreamSpecification), writes 6 items, and subscribes to the stream from
// TRIM_HORIZON (SubscribeToStream), two records per batch. After the first 4
// records it drops the call, as a network failure would; 4 more items are
// written meanwhile. It then resumes from the last continuation token it
// processed: every record arrives exactly once, in order, none repeated, none
// lost. It stops once caught up (the first heartbeat); a real consumer would
// keep reading.
//
// @grpc/grpc-js with @grpc/proto-loader reading proto/ at run time. From the
// repository root, after `npm ci`:
//
//   node examples/node/stream_resume.js 127.0.0.1:50051
'use strict';

const path = require('node:path');
const { promisify } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');
const DROP_AFTER = 4; // records read before the call is dropped

// keepCase: fields as in the .proto; oneofs: each event names its case in
// `event` ('records' | 'heartbeat' | 'shard_end').
const definition = protoLoader.loadSync(
  ['aws/dynamodb/v1/dynamodb.proto', 'aws/dynamodbstreams/v1/dynamodbstreams.proto'],
  { keepCase: true, longs: String, enums: String, defaults: false, oneofs: true, includeDirs: [PROTO_DIR] });
const { aws } = grpc.loadPackageDefinition(definition);

async function putOrders(dynamodb, table, first, last) {
  const putItem = promisify(dynamodb.PutItem.bind(dynamodb));
  for (let i = first; i <= last; i++) {
    const item = { pk: { s: `order-${String(i).padStart(2, '0')}` }, total: { n: String(10 * i) } };
    await putItem({ table_name: table, item }, { deadline: Date.now() + 10000 });
  }
  console.log(`wrote order-${String(first).padStart(2, '0')}..order-${String(last).padStart(2, '0')}`);
}

// Opens a subscription: from the token when there is one, else from the
// oldest record.
function subscribe(streams, streamArn, token) {
  const position = token ? { type: 'CONTINUATION', continuation_token: token } : { type: 'TRIM_HORIZON' };
  const call = streams.SubscribeToStream(
    {
      stream_arn: streamArn, starting_position: position,
      options: { max_records_per_batch: 2, heartbeat_interval: { nanos: 500000000 } },
    },
    { deadline: Date.now() + 60000 });
  // Cancelling is how we drop the call: its CANCELLED error is expected.
  call.on('error', (err) => { if (err.code !== grpc.status.CANCELLED) call.failure = err; });
  return call;
}

// Prints each record and returns the continuation token of the last event
// fully processed. Stops after `stopAfter` records (at an event boundary),
// or at the first heartbeat (caught up).
async function read(call, seen, stopAfter) {
  let token = '';
  let count = 0;
  for await (const event of call) {
    if (event.event === 'records') {
      for (const sub of event.records.records) {
        const { record } = sub;
        const seq = record.dynamodb.sequence_number;
        console.log(`  ${record.event_name} ${record.dynamodb.keys.pk.s} seq ${seq} (${sub.shard_id})`);
        if (seen.has(seq)) console.log(`  DUPLICATE ${record.dynamodb.keys.pk.s}`);
        seen.add(seq);
        count += 1;
      }
      // The token covers the whole batch: save it only after handling it.
      token = event.records.continuation_token;
      if (stopAfter !== undefined && count >= stopAfter) break;
    } else if (event.event === 'heartbeat') {
      token = event.heartbeat.continuation_token;
      if (stopAfter === undefined) break;
    } else if (event.event === 'shard_end') {
      token = event.shard_end.continuation_token;
    }
  }
  call.cancel();
  if (call.failure) throw call.failure;
  return token;
}

async function main(address) {
  const credentials = grpc.credentials.createInsecure();
  const dynamodb = new aws.dynamodb.v1.DynamoDbService(address, credentials);
  const streams = new aws.dynamodbstreams.v1.DynamoDbStreamsService(address, credentials);
  try {
    const table = `example-orders-${process.hrtime.bigint()}`;
    const created = await promisify(dynamodb.CreateTable.bind(dynamodb))({
      table_name: table,
      attribute_definitions: [{ attribute_name: 'pk', attribute_type: 'S' }],
      key_schema: [{ attribute_name: 'pk', key_type: 'HASH' }],
      billing_mode: 'PAY_PER_REQUEST',
      stream_specification: { stream_enabled: true, stream_view_type: 'NEW_IMAGE' },
    }, { deadline: Date.now() + 10000 });
    const streamArn = created.table_description.latest_stream_arn;
    console.log(`table ${table}, stream ${streamArn}`);
    await putOrders(dynamodb, table, 1, 6);

    const seen = new Set();
    console.log('subscribed from TRIM_HORIZON');
    const token = await read(subscribe(streams, streamArn, null), seen, DROP_AFTER);
    console.log(`dropped the call after ${seen.size} records`);

    await putOrders(dynamodb, table, 7, 10);

    console.log('resumed from the continuation token');
    await read(subscribe(streams, streamArn, token), seen);
    console.log(`caught up: ${seen.size} distinct records`);

    await promisify(dynamodb.DeleteTable.bind(dynamodb))({ table_name: table }, { deadline: Date.now() + 10000 });
    console.log(`deleted table ${table}`);
  } finally {
    dynamodb.close();
    streams.close();
  }
}

main(process.argv[2] || '127.0.0.1:50051').catch((err) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
