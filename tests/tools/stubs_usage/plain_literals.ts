// Requests as plain object literals on the generated TypeScript stubs (issue
// 18 §5): they compile with only the fields they need, and a field left out
// (or set to undefined, as JavaScript callers do) is not on the wire. Before
// ts-proto's useOptionals=all (buf.gen.yaml) these literals did not compile,
// and at run time a string left out was sent as the text "undefined" (a
// NextToken the server rejects) and a list or map left out threw a TypeError.
// Compiled with tsc and run by tests/tools/stubs_test.sh, which checks what it
// prints.
//
// usage: node plain_literals.js ADDRESS
import { credentials, ServiceError, status } from "@grpc/grpc-js";
import { CognitoSyncServiceClient, ListRecordsRequest, ListRecordsResponse } from "../aws/cognitosync/v1/cognitosync";
import { DynamoDbServiceClient, GetItemRequest, GetItemResponse } from "../aws/dynamodb/v1/dynamodb";

const POOL = "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000";
const IDENTITY = "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111";

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`check failed: ${what}`);
}

// What encode() puts on the wire for a literal: no "undefined" anywhere, and
// decoding it gives the defaults for every field left out.
function checkEncoding(): void {
  const requests: ListRecordsRequest[] = [
    { identityPoolId: POOL, identityId: IDENTITY, datasetName: "literal" },
    { identityPoolId: POOL, identityId: IDENTITY, datasetName: "literal", nextToken: undefined, syncSessionToken: undefined },
  ];
  for (const request of requests) {
    const wire = Buffer.from(ListRecordsRequest.encode(request).finish());
    check(!wire.includes("undefined"), `"undefined" in the encoded ${JSON.stringify(request)}`);
    const decoded = ListRecordsRequest.decode(wire);
    check(decoded.nextToken === "" && decoded.syncSessionToken === "", "NextToken and SyncSessionToken empty");
    check(decoded.maxResults === undefined && decoded.lastSyncCount === undefined, "MaxResults and LastSyncCount absent");
  }
  const getItem: GetItemRequest = { tableName: "orders", key: { pk: { s: "a" } } };
  const wire = Buffer.from(GetItemRequest.encode(getItem).finish());
  check(!wire.includes("undefined"), `"undefined" in the encoded ${JSON.stringify(getItem)}`);
  const decoded = GetItemRequest.decode(wire);
  check(decoded.attributesToGet?.length === 0 && decoded.projectionExpression === "", "GetItem defaults");
  console.log(`encode: ${requests.length + 1} literals, no "undefined" on the wire`);
}

// The generated client takes callbacks; a promise per call.
function call<Res>(start: (done: (err: ServiceError | null, res: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => start((err, res) => (err ? reject(err) : resolve(res))));
}

async function main(address: string): Promise<void> {
  checkEncoding();
  const cognito = new CognitoSyncServiceClient(address, credentials.createInsecure());
  const dynamodb = new DynamoDbServiceClient(address, credentials.createInsecure());
  try {
    // NextToken and SyncSessionToken left out: a NextToken "undefined" would
    // be InvalidParameterException.
    const page = await call<ListRecordsResponse>((done) =>
      cognito.listRecords({ identityPoolId: POOL, identityId: IDENTITY, datasetName: "ts-literal" }, done));
    console.log(`ListRecords: DatasetExists=${page.datasetExists} Records=${page.records?.length}`);
    // A nested literal; AttributesToGet, ExpressionAttributeNames and the
    // strings left out.
    const err = await call<GetItemResponse>((done) =>
      dynamodb.getItem({ tableName: "no-such-table", key: { pk: { s: "a" } } }, done),
    ).then(
      () => null,
      (e: ServiceError) => e,
    );
    if (err === null) throw new Error("GetItem on a missing table succeeded");
    console.log(`GetItem: ${status[err.code]} ${err.details.split(":")[0]}`);
  } finally {
    cognito.close();
    dynamodb.close();
  }
}

main(process.argv[2]).catch((err: Error) => {
  console.error(`error: ${err.message}`);
  process.exitCode = 1;
});
