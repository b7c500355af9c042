#!/usr/bin/env bash
# Generates client stubs for Python, Go, Java and TypeScript from proto/ with
# buf.gen.yaml and local plugins only (scripts/install-deps.sh installs them).
#   scripts/gen-stubs.sh [OUT_DIR]     default: build/gen-stubs
# Output: OUT_DIR/python, OUT_DIR/go, OUT_DIR/java, OUT_DIR/ts (replaced).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/build/gen-stubs}")
cd "$ROOT"

missing=()
for tool in protoc grpc_python_plugin protoc-gen-go protoc-gen-go-grpc grpc_java_plugin; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
for tool in node_modules/.bin/buf node_modules/.bin/protoc-gen-ts_proto; do
  [ -x "$tool" ] || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "gen-stubs: missing ${missing[*]}; run scripts/install-deps.sh" >&2
  exit 1
fi

rm -rf "$OUT"
node_modules/.bin/buf generate --template buf.gen.yaml -o "$OUT"
echo "gen-stubs: wrote $OUT/{python,go,java,ts}" >&2
