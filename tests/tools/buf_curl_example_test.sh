#!/usr/bin/env bash
# examples/buf-curl.sh, the runnable buf curl form of docs/clients.md's
# "Debugging with grpcurl", against a fresh server: it must run to the end
# (exit 0) and its answers must show what the page says they show.
set -euo pipefail
BIN=$1 BUF=$2 ROOT=$3
source "$(dirname "$0")/server.sh"
start_server "$BIN"
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$(mktemp) err=$(mktemp)
trap 'kill $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null; rm -f "$SERVER_LOG" "$out" "$err"' EXIT

BUF=$BUF "$ROOT/examples/buf-curl.sh" "$ADDR" >"$out" 2>"$err" || { cat "$out" "$err"; fail "examples/buf-curl.sh exited $?"; }
cat "$out"
grep -qx "aws.dynamodbstreams.v1.DynamoDbStreamsService/GetRecords" "$out" || fail "the Streams methods are not listed"
grep -q '"StreamViewType": "NEW_AND_OLD_IMAGES"' "$out" || fail "CreateTable did not answer the stream's view type"
# order-1 as GetRecords' record and the subscription's, both as NewImage with its key.
n=$(grep -c '"S": "order-1"' "$out")
((n >= 4)) || fail "order-1 appears $n times: GetRecords and the subscription should each carry its Keys and NewImage"
grep -q '"ContinuationToken": "' "$out" || fail "the subscription sent no continuation token"
grep -q '"Value": "dark"' "$out" || fail "UpdateRecords did not store theme=dark"
grep -q '"datasetArn": "arn:aws:personalize:[^"]*:dataset/shop/INTERACTIONS"' "$out" || fail "no dataset in ListDatasets"
grep -q '"message": "InvalidParameterException: ' "$err" || fail "the bad IdentityPoolId did not give InvalidParameterException"
grep -q '"message": "ResourceNotFoundException: ' "$err" || fail "the missing stream did not give ResourceNotFoundException"
grep -q '"type": "google.rpc.ErrorInfo"' "$err" || fail "no ErrorInfo in the error details"
echo "examples/buf-curl.sh: all checks passed"
