#!/usr/bin/env bash
# The installable package end to end: `cmake --install` the build into a
# temporary prefix, configure and build examples/cpp against it with
# find_package(awsfacade), and run the example against a live server on a
# kernel-picked port.
# Usage: example_consumer_test.sh BUILD_DIR SOURCE_DIR SERVER_BIN
set -euo pipefail
build_dir=$1 source_dir=$2 server_bin=$3
tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

cmake --install "$build_dir" --prefix "$tmp/prefix" --component client >/dev/null
config=$(find "$tmp/prefix" -name awsfacadeConfig.cmake)
[ -n "$config" ] || { echo "FAIL: no awsfacadeConfig.cmake installed"; exit 1; }
[ -f "$tmp/prefix/include/awsfacade/client/dynamodb_streams_client.h" ] || { echo "FAIL: headers"; exit 1; }
[ -f "$tmp/prefix/include/awsfacade/aws/dynamodbstreams/v1/dynamodbstreams.pb.h" ] || { echo "FAIL: generated headers"; exit 1; }

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
cmake -S "$source_dir/examples/cpp" -B "$tmp/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/configure.log" 2>&1 || { cat "$tmp/configure.log"; exit 1; }
cmake --build "$tmp/build" --parallel 1 >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; exit 1; }

"$server_bin" --listen=127.0.0.1:0 2>"$tmp/server.log" &
server_pid=$!
port=
for _ in $(seq 300); do
  port=$(grep -o 'listening on port [0-9]*' "$tmp/server.log" | grep -o '[0-9]*$' || true)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "FAIL: server did not start"; cat "$tmp/server.log"; exit 1; }

out=$(timeout 60 "$tmp/build/follow_table" "127.0.0.1:$port")
echo "$out"
grep -q '^stream arn:aws:dynamodb:.*table/example/stream/.* of example$' <<<"$out" || { echo "FAIL: no stream listed"; exit 1; }
[ "$(grep -c '^record INSERT [abc]$' <<<"$out")" = 3 ] || { echo "FAIL: wanted 3 INSERT records"; exit 1; }
grep -q '^done$' <<<"$out" || { echo "FAIL: example did not finish"; exit 1; }
echo "PASS"
