#!/usr/bin/env node
// Cognito Sync from Node: write records, then list them page by page.
//
// Writes 25 records to a new dataset with UpdateRecords (which needs the
// SyncSessionToken of a ListRecords call), then lists them with ListRecords,
// 10 per page, following NextToken until a page has none.
//
// @grpc/grpc-js with @grpc/proto-loader reading proto/ at run time (no code
// generation). From the repository root, after `npm ci`:
//
//   node examples/node/list_records.js 127.0.0.1:50051
'use strict';

const path = require('node:path');
const { promisify } = require('node:util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.resolve(__dirname, '..', '..', 'proto');
const IDENTITY_POOL_ID = 'us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000';
const IDENTITY_ID = 'us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111';
const RECORD_COUNT = 25;
const PAGE_SIZE = 10;

// keepCase: fields as in the .proto (snake_case); longs as strings (int64).
const definition = protoLoader.loadSync('aws/cognitosync/v1/cognitosync.proto', {
  keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
  includeDirs: [PROTO_DIR],
});
const { aws } = grpc.loadPackageDefinition(definition);

async function main(address) {
  const client = new aws.cognitosync.v1.CognitoSyncService(address, grpc.credentials.createInsecure());
  const call = (method) => {
    const fn = promisify(client[method].bind(client));
    return (request) => fn(request, { deadline: Date.now() + 10000 });
  };
  const listRecords = call('ListRecords');
  const updateRecords = call('UpdateRecords');

  // A new dataset on every run, so the example can run again on one server.
  const dataset = `example-${process.hrtime.bigint()}`;
  const where = { identity_pool_id: IDENTITY_POOL_ID, identity_id: IDENTITY_ID, dataset_name: dataset };
  try {
    // 1. UpdateRecords needs the SyncSessionToken of a ListRecords call.
    //    The dataset does not exist yet: that is not an error.
    const first = await listRecords(where);
    console.log(`dataset ${dataset} exists: ${first.dataset_exists ? 'True' : 'False'}`);

    // 2. Write the records in one atomic call. SyncCount 0 = a new key.
    const patches = Array.from({ length: RECORD_COUNT }, (_, i) => ({
      op: 'replace', key: `record-${String(i).padStart(2, '0')}`, value: `value ${i}`, sync_count: 0,
    }));
    const written = await updateRecords({
      ...where, device_id: 'example-device', record_patches: patches,
      sync_session_token: first.sync_session_token,
    });
    console.log(`wrote ${written.records.length} records`);

    // 3. List them, one page per call, following NextToken.
    let nextToken = '';
    let pages = 0;
    let total = 0;
    for (;;) {
      const page = await listRecords({ ...where, max_results: PAGE_SIZE, next_token: nextToken });
      pages += 1;
      total += page.records.length;
      console.log(`page ${pages}: ${page.records.length} records${page.next_token ? ', more follow' : ', last page'}`);
      for (const record of page.records) {
        console.log(`  ${record.key} = ${record.value} (SyncCount ${record.sync_count})`);
      }
      if (!page.next_token) break;
      nextToken = page.next_token;
    }
    console.log(`listed ${total} records in ${pages} pages (dataset ${dataset})`);
  } finally {
    client.close();
  }
}

main(process.argv[2] || '127.0.0.1:50051').catch((err) => {
  // gRPC errors: err.code (grpc.status), err.details (the AWS message).
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
