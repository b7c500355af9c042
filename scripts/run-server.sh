#!/usr/bin/env bash
# README command 1: install what is missing, build, and run awsfacade-server
# on the in-memory simulator (127.0.0.1:50051 unless flags say otherwise).
# Extra arguments go to the server, e.g. --listen=0.0.0.0:50051.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --no-npm
TARGETS=awsfacade-server scripts/build.sh
exec build/service/awsfacade-server --backend=simulator "$@"
