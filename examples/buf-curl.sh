#!/usr/bin/env bash
# The "Debugging with grpcurl" walk-through of docs/clients.md as one runnable
# script, with `buf curl` (installed by scripts/run-server.sh into
# node_modules/.bin) instead of grpcurl: each request is AWS JSON, each answer
# is printed, and the values a later request needs (StreamArn, ShardId,
# ShardIterator, SyncSessionToken, ARNs) are taken from the answers.
#
#   examples/buf-curl.sh [HOST:PORT]        default 127.0.0.1:50051, the simulator
#
# Run it on a fresh simulator (it creates the table "orders", the Cognito Sync
# dataset "settings" and the Personalize dataset group "shop"; a second run on
# the same server fails with ResourceInUseException). Exits non-zero at the
# first call that fails, except the two at the end that show errors.
set -euo pipefail
ADDR=${1:-127.0.0.1:50051}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUF=${BUF:-$ROOT/node_modules/.bin/buf}
CURL=("$BUF" curl --protocol grpc --http2-prior-knowledge)

# call SERVICE/METHOD JSON: prints the request's answer and keeps it in $OUT.
call() {
  echo "+ buf curl -d '$2' $1" >&2
  OUT=$("${CURL[@]}" -d "$2" "http://$ADDR/$1")
  echo "$OUT"
}
# field NAME: the first value of member NAME in $OUT, at any depth.
field() {
  /usr/bin/python3 -c '
import json, sys
def find(v, name):
    if isinstance(v, dict):
        if name in v: return v[name]
        v = list(v.values())
    if isinstance(v, list):
        for x in v:
            r = find(x, name)
            if r is not None: return r
    return None
r = find(json.loads(sys.argv[1]), sys.argv[2])
if r is None: sys.exit("no %s in the answer" % sys.argv[2])
print(r)' "$OUT" "$1"
}

echo "== what the server offers (reflection: no .proto files needed)"
"${CURL[@]}" --list-services "http://$ADDR"
"${CURL[@]}" --list-methods "http://$ADDR" | grep "^aws.dynamodbstreams.v1.DynamoDbStreamsService/"

echo "== DynamoDB Streams: a table with a stream and an item, then the AWS read loop"
call aws.dynamodb.v1.DynamoDbService/CreateTable '{"TableName": "orders", "BillingMode": "PAY_PER_REQUEST",
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}}'
call aws.dynamodb.v1.DynamoDbService/PutItem \
  '{"TableName": "orders", "Item": {"pk": {"S": "order-1"}, "total": {"N": "42"}}}'
call aws.dynamodbstreams.v1.DynamoDbStreamsService/ListStreams '{"TableName": "orders"}'
STREAM_ARN=$(field StreamArn)
call aws.dynamodbstreams.v1.DynamoDbStreamsService/DescribeStream "{\"StreamArn\": \"$STREAM_ARN\"}"
SHARD_ID=$(field ShardId)
call aws.dynamodbstreams.v1.DynamoDbStreamsService/GetShardIterator \
  "{\"StreamArn\": \"$STREAM_ARN\", \"ShardId\": \"$SHARD_ID\", \"ShardIteratorType\": \"TRIM_HORIZON\"}"
ITERATOR=$(field ShardIterator)
call aws.dynamodbstreams.v1.DynamoDbStreamsService/GetRecords "{\"ShardIterator\": \"$ITERATOR\", \"Limit\": 100}"

echo "== a push subscription from the oldest record, for 2 seconds"
call aws.dynamodbstreams.v1.DynamoDbStreamsService/SubscribeToStream \
  "{\"StreamArn\": \"$STREAM_ARN\", \"StartingPosition\": {\"Type\": \"TRIM_HORIZON\"}, \"Options\": {\"Lifetime\": \"2s\"}}"

echo "== Cognito Sync: ListRecords gives the SyncSessionToken UpdateRecords needs; then one record per page"
DATASET='"IdentityPoolId": "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000",
    "IdentityId": "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111", "DatasetName": "settings"'
call aws.cognitosync.v1.CognitoSyncService/ListRecords "{$DATASET}"
SESSION=$(field SyncSessionToken)
call aws.cognitosync.v1.CognitoSyncService/UpdateRecords "{$DATASET, \"DeviceId\": \"laptop\",
    \"SyncSessionToken\": \"$SESSION\",
    \"RecordPatches\": [{\"Op\": \"replace\", \"Key\": \"theme\", \"Value\": \"dark\", \"SyncCount\": 0},
                      {\"Op\": \"replace\", \"Key\": \"lang\", \"Value\": \"en\", \"SyncCount\": 0}]}"
call aws.cognitosync.v1.CognitoSyncService/ListRecords "{$DATASET, \"MaxResults\": 1}"
NEXT=$(field NextToken)
call aws.cognitosync.v1.CognitoSyncService/ListRecords "{$DATASET, \"MaxResults\": 1, \"NextToken\": \"$NEXT\"}"

echo "== Personalize: a dataset group, a schema, the simulator's clock moved on, a dataset, ListDatasets"
call aws.personalize.v1.PersonalizeService/CreateDatasetGroup '{"name": "shop"}'
GROUP_ARN=$(field datasetGroupArn)
call aws.personalize.v1.PersonalizeService/CreateSchema '{"name": "shop-interactions",
    "schema": "{\"type\": \"record\", \"name\": \"Interactions\", \"namespace\": \"com.amazonaws.personalize.schema\", \"fields\": [{\"name\": \"USER_ID\", \"type\": \"string\"}, {\"name\": \"ITEM_ID\", \"type\": \"string\"}, {\"name\": \"TIMESTAMP\", \"type\": \"long\"}], \"version\": \"1.0\"}"}'
SCHEMA_ARN=$(field schemaArn)
call awsfacade.simulator.v1.SimulatorService/AdvanceClock '{"by": "60s"}'
call aws.personalize.v1.PersonalizeService/CreateDataset "{\"name\": \"shop-interactions\",
    \"datasetType\": \"Interactions\", \"datasetGroupArn\": \"$GROUP_ARN\", \"schemaArn\": \"$SCHEMA_ARN\"}"
call aws.personalize.v1.PersonalizeService/ListDatasets "{\"datasetGroupArn\": \"$GROUP_ARN\", \"maxResults\": 10}"

echo "== errors: the gRPC code, the AWS message, and google.rpc.ErrorInfo (reason: the AWS error name) in details"
for request in \
    'aws.cognitosync.v1.CognitoSyncService/ListRecords {"IdentityPoolId": "bad", "IdentityId": "us-east-1:1111", "DatasetName": "x"}' \
    'aws.dynamodbstreams.v1.DynamoDbStreamsService/DescribeStream {"StreamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/nope/stream/2026-01-01T00:00:00.000"}'; do
  method=${request%% *}
  echo "+ buf curl -d '${request#* }' $method (fails on purpose)" >&2
  if "${CURL[@]}" -d "${request#* }" "http://$ADDR/$method"; then
    echo "expected $method to fail" >&2
    exit 1
  fi
done
echo "== done"
