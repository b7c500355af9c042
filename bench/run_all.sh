#!/usr/bin/env bash
# Runs every benchmark of the project against ./build and prints their
# tables (figure, value, baseline, ratio, goal). Benchmarks print figures and
# never fail on timing. Build first (scripts/build.sh or scripts/test.sh).
#   bench/run_all.sh [seconds-per-load-phase]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_PHASE=${1:-5}
BUILD=${BUILD_DIR:-build}
SERVER=$BUILD/service/awsfacade-server
STUBS=$BUILD/gen/python

echo "== unary RPCs vs a bare gRPC echo (h2load) =="
/usr/bin/python3 bench/unary_bench.py "$SERVER" "$STUBS" "$SECONDS_PER_PHASE"
echo
echo "== GetRecords: facade simulator vs moto =="
/usr/bin/python3 bench/getrecords_bench.py "$SERVER" "$STUBS" --seconds "$SECONDS_PER_PHASE"
echo
echo "== the facade on the AWS backend vs boto3, both against moto =="
/usr/bin/python3 bench/aws_overhead_bench.py "$SERVER" "$STUBS"
echo
echo "== push subscriptions: throughput vs a bare stream, latency, memory =="
"$BUILD/bench/subscription_bench" "$SERVER"
echo
echo "== AWS JSON codec: 1000-record GetRecords page vs nlohmann-json =="
"$BUILD/bench/json_codec_bench" --benchmark_min_time=1
echo
echo "== SigV4 signing: ours vs botocore =="
"$BUILD/bench/sigv4_bench" --benchmark_min_time=1
python3 bench/sigv4_botocore_bench.py
