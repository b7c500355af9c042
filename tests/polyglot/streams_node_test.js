// DynamoDB Streams push subscription from Node (@grpc/grpc-js with
// @grpc/proto-loader, protos loaded from proto/ at run time) against the
// real server binary on the simulator (issue 3 section 3).
//
// Starts awsfacade-server (path in $AWSFACADE_SERVER_BIN) on a loopback
// port, creates a table with a stream, subscribes with SubscribeToStream from
// TRIM_HORIZON, writes 50 items through DynamoDbService and expects all 50
// INSERT records in write order; cancels, writes 10 more, resumes from the
// last continuation token and expects exactly those 10 (nothing repeated,
// nothing else arriving).
//
// Run: AWSFACADE_SERVER_BIN=build/service/awsfacade-server node --test tests/polyglot/streams_node_test.js
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { promisify } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { startServer } = require('./facade_server.js');

const ROOT = path.resolve(__dirname, '..', '..');
const TABLE = 'node_orders';

const definition = protoLoader.loadSync(
  ['aws/dynamodb/v1/dynamodb.proto', 'aws/dynamodbstreams/v1/dynamodbstreams.proto'],
  {
    keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
    includeDirs: [path.join(ROOT, 'proto'), '/usr/include'],
  });
const packages = grpc.loadPackageDefinition(definition);

let server;     // child process
let ddb;        // DynamoDbService client
let streams;    // DynamoDbStreamsService client
let streamArn;

function unary(client, method) {
  const fn = promisify(client[method].bind(client));
  return (request) => fn(request, { deadline: Date.now() + 10000 });
}

// An attribute map as proto-loader decodes it ({s: 'x', value: 's'}, with
// oneofs: true) -> {name: {s: 'x'}}, comparable with what item() writes.
function plain(map) {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, { [v.value]: v[v.value] }]));
}

function item(i) {
  return { pk: { s: `item-${String(i).padStart(3, '0')}` }, n: { n: String(i) } };
}

// Reads SubscribeToStream events until `want` records arrived, then waits
// `quietMs` for anything extra. Resolves with { records, token, extra, events }.
function collect(call, want, quietMs = 500) {
  return new Promise((resolve, reject) => {
    const records = [];
    let token = '';
    let extra = 0;
    let quietTimer = null;
    const deadline = setTimeout(
      () => reject(new Error(`timed out with ${records.length} of ${want} records`)), 30000);
    const finish = () => { clearTimeout(deadline); resolve({ records, token, extra }); };
    call.on('data', (event) => {
      if (event.event === 'records') {
        for (const r of event.records.records) {
          if (records.length < want) records.push(r); else extra++;
        }
        // The token covers the whole batch; keep it only while it does not
        // run past the records we counted.
        if (records.length <= want && extra === 0) token = event.records.continuation_token;
      } else if (event.event === 'heartbeat' && records.length < want) {
        token = event.heartbeat.continuation_token;
      } else if (event.event === 'shard_end') {
        reject(new Error('unexpected ShardEnd: ' + JSON.stringify(event.shard_end)));
      }
      if (records.length >= want && quietTimer === null) quietTimer = setTimeout(finish, quietMs);
    });
    call.on('error', (err) => {
      if (err.code !== grpc.status.CANCELLED) { clearTimeout(deadline); reject(err); }
    });
    call.on('end', () => {
      if (records.length < want) { clearTimeout(deadline); reject(new Error('subscription ended early')); }
    });
  });
}

function subscribe(position) {
  return streams.SubscribeToStream(
    { stream_arn: streamArn, starting_position: position, options: { max_records_per_batch: 7 } },
    { deadline: Date.now() + 60000 });
}

before(async () => {
  const bin = process.env.AWSFACADE_SERVER_BIN;
  assert.ok(bin, 'set AWSFACADE_SERVER_BIN to the awsfacade-server binary');
  const started = await startServer(bin);
  server = started.proc;
  const address = `127.0.0.1:${started.port}`;
  ddb = new packages.aws.dynamodb.v1.DynamoDbService(address, grpc.credentials.createInsecure());
  streams = new packages.aws.dynamodbstreams.v1.DynamoDbStreamsService(address, grpc.credentials.createInsecure());
  const created = await unary(ddb, 'CreateTable')({
    table_name: TABLE,
    attribute_definitions: [{ attribute_name: 'pk', attribute_type: 'S' }],
    key_schema: [{ attribute_name: 'pk', key_type: 'HASH' }],
    billing_mode: 'PAY_PER_REQUEST',
    stream_specification: { stream_enabled: true, stream_view_type: 'NEW_IMAGE' },
  });
  streamArn = created.table_description.latest_stream_arn;
  assert.match(streamArn, /^arn:aws:dynamodb:[a-z0-9-]+:\d{12}:table\/node_orders\/stream\/\S+$/);
});

after(async () => {
  if (ddb) ddb.close();
  if (streams) streams.close();
  if (server && server.exitCode === null) {
    server.removeAllListeners('exit');
    const exited = new Promise((resolve) => server.on('exit', (code, signal) => resolve({ code, signal })));
    server.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, 'server did not exit cleanly on SIGTERM');
  }
});

let lastToken = '';

test('subscriber receives 50 writes in order', async () => {
  const call = subscribe({ type: 'TRIM_HORIZON' });
  const received = collect(call, 50);
  const put = unary(ddb, 'PutItem');
  for (let i = 0; i < 50; i++) await put({ table_name: TABLE, item: item(i) });
  const { records, token, extra } = await received;
  call.cancel();
  assert.equal(extra, 0, 'more than 50 records arrived');
  assert.deepEqual(records.map((r) => r.record.dynamodb.keys.pk.s),
    Array.from({ length: 50 }, (_, i) => item(i).pk.s));
  for (const [i, r] of records.entries()) {
    assert.equal(r.record.event_name, 'INSERT');
    assert.deepEqual(plain(r.record.dynamodb.keys), { pk: item(i).pk });
    assert.deepEqual(plain(r.record.dynamodb.new_image), item(i));
    assert.equal(r.record.dynamodb.old_image, undefined);
  }
  const seqs = records.map((r) => BigInt(r.record.dynamodb.sequence_number));
  for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'sequence numbers must grow');
  assert.ok(token, 'no continuation token');
  lastToken = token;
});

test('resume from the last continuation token gets exactly the 10 new writes', async () => {
  assert.ok(lastToken, 'first test did not leave a token');
  const put = unary(ddb, 'PutItem');
  for (let i = 50; i < 60; i++) await put({ table_name: TABLE, item: item(i) });
  const call = subscribe({ type: 'CONTINUATION', continuation_token: lastToken });
  const { records, extra } = await collect(call, 10, 1000);
  call.cancel();
  assert.equal(extra, 0, 'records beyond the 10 new ones arrived (duplicates?)');
  assert.deepEqual(records.map((r) => r.record.dynamodb.keys.pk.s),
    Array.from({ length: 10 }, (_, i) => item(50 + i).pk.s));
  assert.equal(new Set(records.map((r) => r.record.event_id)).size, 10);
});
