#!/usr/bin/env bash
# Configures and builds into ./build (RelWithDebInfo: -O2, line tables only). Used by the
# two README commands; safe to re-run (incremental).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
GEN=()
if command -v ninja >/dev/null; then GEN=(-G Ninja); fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD_DIR" "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >&2
else
  cmake -S . -B "$BUILD_DIR" "$@" >/dev/null  # picks up new sources and targets
fi
# TARGETS (space-separated) limits the build, e.g. TARGETS=awsfacade-server.
TARGET_ARGS=()
for t in ${TARGETS:-}; do TARGET_ARGS+=(--target "$t"); done
cmake --build "$BUILD_DIR" --parallel "${JOBS:-$(nproc)}" "${TARGET_ARGS[@]}" >&2
