// The AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb, -dynamodb-streams,
// -personalize, -cognito-sync from the repository's node_modules) against the
// simulator's AWS wire endpoint (issue 14 section 3): only `endpoint` differs
// from a client of AWS.
//
//  * every service answers in the shapes the SDK's deserializers expect
//    (awsJson 1.0, awsJson 1.1, restJson1), with $metadata.requestId;
//  * errors arrive as the SDK's modeled exception classes, with the models'
//    HTTP status ($metadata.httpStatusCode) and $fault;
//  * retry path: a throttling fault injected for one call
//    (SimulatorService.SetFaults over gRPC) is retried by the SDK's standard
//    retry strategy and succeeds on attempt 2 ($metadata.attempts);
//  * checksum: DynamoDB answers carry x-amz-crc32 of the body (the v3 SDK
//    itself does not verify it: no package under node_modules/@aws-sdk or
//    @smithy mentions the header; botocore does, see aws_wire_boto3_test.py).
//
// Run: AWSFACADE_SERVER_BIN=build/service/awsfacade-server node --test tests/integration/aws_wire_js_test.js
'use strict';

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const zlib = require('node:zlib');
const { promisify } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { startServer } = require('../polyglot/facade_server.js');
const ddbSdk = require('@aws-sdk/client-dynamodb');
const streamsSdk = require('@aws-sdk/client-dynamodb-streams');
const personalizeSdk = require('@aws-sdk/client-personalize');
const cognitoSdk = require('@aws-sdk/client-cognito-sync');

const ROOT = path.resolve(__dirname, '..', '..');
const POOL = 'us-east-1:11111111-2222-3333-4444-555555555555';
const IDENTITY = 'us-east-1:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

let server;  // { proc, port, wirePort }
let config;  // what every SDK client gets

before(async () => {
  const bin = process.env.AWSFACADE_SERVER_BIN;
  assert.ok(bin, 'set AWSFACADE_SERVER_BIN to the awsfacade-server binary');
  const started = await startServer(bin, ['--aws_listen=127.0.0.1:0'], /AWS wire protocols on port (\d+)/);
  server = { ...started, wirePort: Number(started.match[1]) };
  config = {
    endpoint: `http://127.0.0.1:${server.wirePort}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'js-test', secretAccessKey: 'js-test' },
    maxAttempts: 3,
  };
});

after(() => { if (server) server.proc.kill('SIGTERM'); });

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

async function createTable(ddb, name) {
  await ddb.send(new ddbSdk.CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  const waited = await ddbSdk.waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 1 },
                                                   { TableName: name });
  assert.equal(waited.state, 'SUCCESS');
}

test('DynamoDB and DynamoDB Streams through the v3 SDK', async () => {
  const ddb = new ddbSdk.DynamoDBClient(config);
  await createTable(ddb, 'js-items');
  await ddb.send(new ddbSdk.PutItemCommand({
    TableName: 'js-items', Item: { pk: { S: 'a' }, n: { N: '1' }, b: { B: Uint8Array.from([0, 255]) } },
  }));
  const got = await ddb.send(new ddbSdk.GetItemCommand({ TableName: 'js-items', Key: { pk: { S: 'a' } } }));
  assert.deepEqual(got.Item.pk, { S: 'a' });
  assert.deepEqual(got.Item.n, { N: '1' });
  assert.deepEqual(Array.from(got.Item.b.B), [0, 255]);
  assert.match(got.$metadata.requestId, /^[A-Z0-9]{52}$/);
  assert.equal(got.$metadata.httpStatusCode, 200);

  const missing = await rejection(ddb.send(new ddbSdk.DescribeTableCommand({ TableName: 'js-missing' })));
  assert.ok(missing instanceof ddbSdk.ResourceNotFoundException, String(missing));
  assert.equal(missing.$metadata.httpStatusCode, 400);
  assert.equal(missing.$fault, 'client');
  const conditional = await rejection(ddb.send(new ddbSdk.PutItemCommand({
    TableName: 'js-items', Item: { pk: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(pk)',
  })));
  assert.ok(conditional instanceof ddbSdk.ConditionalCheckFailedException, String(conditional));

  const streams = new streamsSdk.DynamoDBStreamsClient(config);
  const { Streams } = await streams.send(new streamsSdk.ListStreamsCommand({ TableName: 'js-items' }));
  assert.equal(Streams.length, 1);
  const arn = Streams[0].StreamArn;
  const { StreamDescription } = await streams.send(new streamsSdk.DescribeStreamCommand({ StreamArn: arn }));
  const { ShardIterator } = await streams.send(new streamsSdk.GetShardIteratorCommand({
    StreamArn: arn, ShardId: StreamDescription.Shards[0].ShardId, ShardIteratorType: 'TRIM_HORIZON',
  }));
  const { Records } = await streams.send(new streamsSdk.GetRecordsCommand({ ShardIterator }));
  assert.equal(Records.length, 1);
  assert.equal(Records[0].eventName, 'INSERT');
  assert.deepEqual(Records[0].dynamodb.Keys, { pk: { S: 'a' } });
  assert.ok(Records[0].dynamodb.ApproximateCreationDateTime instanceof Date);
});

test('DynamoDB answers carry the x-amz-crc32 of their body', async () => {
  const response = await fetch(config.endpoint, {
    method: 'POST',
    headers: { 'X-Amz-Target': 'DynamoDBStreams_20120810.ListStreams',
               'Content-Type': 'application/x-amz-json-1.0' },
    body: '{}',
  });
  const body = Buffer.from(await response.arrayBuffer());
  assert.equal(response.status, 200);
  assert.equal(Number(response.headers.get('x-amz-crc32')), zlib.crc32(body));
});

test('a throttled call is retried by the SDK and succeeds', async () => {
  const definition = protoLoader.loadSync(['awsfacade/simulator/v1/simulator.proto'], {
    keepCase: true, longs: String, enums: String, defaults: false,
    includeDirs: [path.join(ROOT, 'proto'), '/usr/include'],
  });
  const sim = grpc.loadPackageDefinition(definition).awsfacade.simulator.v1;
  const control = new sim.SimulatorService(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure());
  const setFaults = promisify(control.SetFaults.bind(control));
  const ddb = new ddbSdk.DynamoDBClient(config);
  await createTable(ddb, 'js-retry');
  await setFaults({ rules: [{ service: 'dynamodb', operation: 'GetItem', kind: 'FAULT_KIND_THROTTLE',
                              aws_error_name: 'ProvisionedThroughputExceededException', max_count: 1 }] },
                  { deadline: Date.now() + 10000 });
  const got = await ddb.send(new ddbSdk.GetItemCommand({ TableName: 'js-retry', Key: { pk: { S: 'x' } } }));
  assert.equal(got.$metadata.attempts, 2);
  assert.equal(got.Item, undefined);
  // Without retries the same fault reaches the caller as its modeled class.
  await setFaults({ rules: [{ service: 'dynamodb', operation: 'GetItem', kind: 'FAULT_KIND_THROTTLE',
                              aws_error_name: 'ProvisionedThroughputExceededException', max_count: 1 }] },
                  { deadline: Date.now() + 10000 });
  const once = new ddbSdk.DynamoDBClient({ ...config, maxAttempts: 1 });
  const err = await rejection(once.send(new ddbSdk.GetItemCommand({ TableName: 'js-retry', Key: { pk: { S: 'x' } } })));
  assert.ok(err instanceof ddbSdk.ProvisionedThroughputExceededException, String(err));
  control.close();
});

test('Personalize (awsJson 1.1) through the v3 SDK', async () => {
  const p = new personalizeSdk.PersonalizeClient(config);
  const listed = await p.send(new personalizeSdk.ListDatasetsCommand({}));
  assert.deepEqual(listed.datasets, []);
  const { schemaArn } = await p.send(new personalizeSdk.CreateSchemaCommand({
    name: 'js-schema',
    schema: JSON.stringify({ type: 'record', name: 'Interactions', namespace: 'com.amazonaws.personalize.schema',
                             fields: [{ name: 'USER_ID', type: 'string' }, { name: 'ITEM_ID', type: 'string' },
                                      { name: 'TIMESTAMP', type: 'long' }], version: '1.0' }),
  }));
  const described = await p.send(new personalizeSdk.DescribeSchemaCommand({ schemaArn }));
  assert.equal(described.schema.name, 'js-schema');
  assert.ok(described.schema.creationDateTime instanceof Date);
  const err = await rejection(p.send(new personalizeSdk.DescribeSchemaCommand({ schemaArn: schemaArn + '-x' })));
  assert.ok(err instanceof personalizeSdk.ResourceNotFoundException, String(err));
});

test('Cognito Sync (restJson1) through the v3 SDK', async () => {
  const c = new cognitoSdk.CognitoSyncClient(config);
  const ids = { IdentityPoolId: POOL, IdentityId: IDENTITY };
  const first = await c.send(new cognitoSdk.ListRecordsCommand({ ...ids, DatasetName: 'js-data' }));
  assert.deepEqual(first.Records, []);
  await c.send(new cognitoSdk.UpdateRecordsCommand({
    ...ids, DatasetName: 'js-data', SyncSessionToken: first.SyncSessionToken, ClientContext: 'e30=',
    RecordPatches: [{ Op: 'replace', Key: 'k', Value: 'v', SyncCount: 0 }],
  }));
  const listed = await c.send(new cognitoSdk.ListRecordsCommand({ ...ids, DatasetName: 'js-data', MaxResults: 5 }));
  assert.deepEqual(listed.Records.map((r) => [r.Key, r.Value, r.SyncCount]), [['k', 'v', 1]]);
  assert.ok(listed.Records[0].LastModifiedDate instanceof Date);
  const err = await rejection(c.send(new cognitoSdk.DescribeDatasetCommand({ ...ids, DatasetName: 'js-none' })));
  assert.ok(err instanceof cognitoSdk.ResourceNotFoundException, String(err));
  assert.equal(err.$metadata.httpStatusCode, 404);
});
