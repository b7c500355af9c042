#!/usr/bin/env bash
# The configure step a newcomer sees first says nothing alarming: a fresh
# `cmake` of the source tree prints no "Could NOT find", no CMake Warning and
# no error (issue: Debian's gRPC package printed "Could NOT find c-ares"
# before finding it). Usage: configure_quiet_test.sh SOURCE_DIR
set -euo pipefail
src=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
GEN=()
if command -v ninja >/dev/null; then GEN=(-G Ninja); fi
if ! cmake -S "$src" -B "$dir" "${GEN[@]}" >"$dir/configure.log" 2>&1; then
  cat "$dir/configure.log"
  echo "configure failed" >&2
  exit 1
fi
if grep -nE 'Could NOT find|CMake Warning|CMake Error|Error' "$dir/configure.log"; then
  echo "configure printed the lines above" >&2
  exit 1
fi
echo "configure output: $(wc -l <"$dir/configure.log") lines, none alarming"
