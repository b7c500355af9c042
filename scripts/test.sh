#!/usr/bin/env bash
# README command 2: install what is missing, check, build, and run every test
# (C++ unit and integration tests, the Python and Node clients, buf lint and
# buf curl, all through ctest), then the checks g++ cannot make. Jobs, in order:
#   format         scripts/check-format.sh: the C++ sources follow .clang-format
#   build          scripts/build.sh: g++ -Wall -Wextra -Werror
#   thread-safety  scripts/check-thread-safety.sh: clang-16 -Wthread-safety, compile only
#   ctest          every test (extra arguments go to ctest)
#   tsan           scripts/sanitize.sh tsan: subscription and streams tests under TSan
#                  (not in the default CHECKS: Debian's Abseil is not built for TSan,
#                  so absl::Mutex is invisible to it; see docs/development.md)
#   asan           scripts/sanitize.sh asan: the unit tests under ASan + UBSan
# A failing job does not stop the others (except the build, which ctest and
# the thread-safety pass need); the run ends with one line per job and exits
# 1 when any failed. CHECKS (default "format thread-safety asan") picks
# the optional jobs: CHECKS= runs only the build and ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKS=${CHECKS-format thread-safety asan}
scripts/install-deps.sh

summary=()
failed=0
run_job() {  # run_job NAME COMMAND...: runs it, timed, and records the outcome
  local name=$1 start=$SECONDS status=0
  shift
  echo "== $name" >&2
  "$@" || status=$?
  local took=$((SECONDS - start))
  if [ "$status" -eq 0 ]; then
    summary+=("$(printf '%-14s passed  %dm%02ds' "$name" $((took / 60)) $((took % 60)))")
  else
    summary+=("$(printf '%-14s FAILED  %dm%02ds (exit %d)' "$name" $((took / 60)) $((took % 60)) "$status")")
    failed=1
  fi
  return "$status"
}
wants() { [[ " $CHECKS " == *" $1 "* ]]; }
finish() {
  echo "== summary" >&2
  printf '%s\n' "${summary[@]}"
  exit "$failed"
}

if wants format; then run_job format scripts/check-format.sh || true; fi
run_job build scripts/build.sh || finish
if wants thread-safety; then run_job thread-safety scripts/check-thread-safety.sh || true; fi
run_job ctest bash -c 'cd build && ctest --output-on-failure --timeout 600 -j "${JOBS:-$(nproc)}" "$@"' \
  ctest "$@" || true
if wants tsan; then run_job tsan scripts/sanitize.sh tsan || true; fi
if wants asan; then run_job asan scripts/sanitize.sh asan || true; fi
finish
