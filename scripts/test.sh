#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test
# (C++ unit and integration tests, the Python and Node clients, buf lint and
# buf curl), all through ctest. Ends with ctest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure --timeout 600 -j "${JOBS:-$(nproc)}" "$@"
