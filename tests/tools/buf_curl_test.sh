#!/usr/bin/env bash
# buf curl, a real reflection client (grpcurl's stand-in here): lists the
# services with no proto files, calls ListRecords with AWS-cased JSON, and
# reads the AWS error name out of a failing call's details.
set -euo pipefail
BIN=$1 BUF=$2 STUBS=$3
source "$(dirname "$0")/server.sh"
start_server "$BIN"
CURL=("$BUF" curl --protocol grpc --http2-prior-knowledge)
fail() { echo "FAIL: $*" >&2; exit 1; }

services=$("${CURL[@]}" --list-services "http://$ADDR")
echo "$services"
for s in aws.cognitosync.v1.CognitoSyncService aws.personalize.v1.PersonalizeService \
         grpc.health.v1.Health awsfacade.simulator.v1.SimulatorService; do
  grep -qx "$s" <<<"$services" || fail "reflection does not list $s"
done

methods=$("${CURL[@]}" --list-methods "http://$ADDR")
grep -qx 'aws.cognitosync.v1.CognitoSyncService/ListRecords' <<<"$methods" || fail "no ListRecords method"
grep -qx 'grpc.health.v1.Health/Check' <<<"$methods" || fail "health is not describable"

# AWS-cased JSON, as in the AWS docs, straight in.
out=$("${CURL[@]}" -d '{"IdentityPoolId": "us-east-1:0000aaaa-bbbb-cccc-dddd-eeeeffff0000",
                      "IdentityId": "us-east-1:1111aaaa-bbbb-cccc-dddd-eeeeffff1111",
                      "DatasetName": "settings", "MaxResults": 10}' \
      "http://$ADDR/aws.cognitosync.v1.CognitoSyncService/ListRecords")
echo "$out"
grep -q '"DatasetExists": false' <<<"$out" || fail "ListRecords did not answer DatasetExists=false"
grep -q '"SyncSessionToken": "' <<<"$out" || fail "no SyncSessionToken in the answer"

# A failing call: the AWS error name in google.rpc.ErrorInfo.
set +e
err=$("${CURL[@]}" -d '{"IdentityPoolId": "bad", "IdentityId": "us-east-1:1111", "DatasetName": "x"}' \
      "http://$ADDR/aws.cognitosync.v1.CognitoSyncService/ListRecords" 2>&1)
rc=$?
set -e
echo "$err"
[ $rc -ne 0 ] || fail "a bad IdentityPoolId succeeded"
grep -q '"code": "invalid_argument"' <<<"$err" || fail "wrong gRPC code"
grep -q '"type": "google.rpc.ErrorInfo"' <<<"$err" || fail "no ErrorInfo in the details"
# buf curl prints detail values it has no descriptor for as base64; decode
# the ErrorInfo with the generated Python type and check its fields.
PYTHONPATH=$STUBS /usr/bin/python3 - "$err" <<'PY' || fail "ErrorInfo does not carry the AWS error"
import base64, json, sys
from google.rpc import error_details_pb2
doc = json.loads(sys.argv[1])
detail = next(d for d in doc["details"] if d["type"] == "google.rpc.ErrorInfo")
value = detail["value"] + "=" * (-len(detail["value"]) % 4)
info = error_details_pb2.ErrorInfo.FromString(base64.b64decode(value))
print("ErrorInfo:", info.reason, info.domain, dict(info.metadata))
assert info.reason == "InvalidParameterException", info.reason
assert info.domain == "cognito-sync", info.domain
assert info.metadata["field"] == "IdentityPoolId", info.metadata
PY
echo "buf curl: all checks passed"
