// A TypeScript client built from the generated stubs (scripts/gen-stubs.sh,
// ts-proto for @grpc/grpc-js) against a real server: compiled with tsc and
// run by tests/tools/stubs_test.sh, which checks what it prints. Cognito
// Sync: ListRecords (a new dataset, for its SyncSessionToken), UpdateRecords
// with one record, ListRecords again.
//
// usage: node list_records.js ADDRESS
import { credentials, ServiceError } from "@grpc/grpc-js";
import {
  CognitoSyncServiceClient,
  ListRecordsRequest,
  ListRecordsResponse,
  UpdateRecordsRequest,
  UpdateRecordsResponse,
} from "../aws/cognitosync/v1/cognitosync";

// The generated client takes callbacks; a promise per call.
function listRecords(client: CognitoSyncServiceClient, request: ListRecordsRequest): Promise<ListRecordsResponse> {
  return new Promise((resolve, reject) =>
    client.listRecords(request, (err: ServiceError | null, res: ListRecordsResponse) =>
      err ? reject(err) : resolve(res)));
}

function updateRecords(client: CognitoSyncServiceClient, request: UpdateRecordsRequest): Promise<UpdateRecordsResponse> {
  return new Promise((resolve, reject) =>
    client.updateRecords(request, (err: ServiceError | null, res: UpdateRecordsResponse) =>
      err ? reject(err) : resolve(res)));
}

async function main(address: string): Promise<void> {
  const client = new CognitoSyncServiceClient(address, credentials.createInsecure());
  // Requests are plain object literals with only the fields they need
  // (ts-proto's useOptionals=all, buf.gen.yaml).
  const dataset: ListRecordsRequest = {
    identityPoolId: "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000",
    identityId: "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111",
    datasetName: "ts-client",
  };
  try {
    const first = await listRecords(client, dataset);
    console.log(`ListRecords: DatasetExists=${first.datasetExists} SyncSessionToken=${first.syncSessionToken !== ""}`);
    const updated = await updateRecords(client, {
      ...dataset,
      deviceId: "ts",
      syncSessionToken: first.syncSessionToken,
      recordPatches: [{ op: "replace", key: "theme", value: "dark", syncCount: 0 }],
    });
    // A decoded message has every field, but the types mark them optional.
    for (const r of updated.records ?? []) console.log(`UpdateRecords: ${r.key}=${r.value} SyncCount=${r.syncCount}`);
    const again = await listRecords(client, dataset);
    console.log(`ListRecords: DatasetExists=${again.datasetExists} Count=${again.count}`);
  } finally {
    client.close();
  }
}

main(process.argv[2]).catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
