#!/usr/bin/env bash
# Fuzzes the libFuzzer targets of tests/fuzz/ (ASan + UBSan, clang-14).
#
#   scripts/fuzz.sh <target|all> [seconds per target, default 60]
#
# Configures ./build-fuzz (CC=clang-14 CXX=clang++-14, AWSFACADE_FUZZ=ON) on
# first use, builds the target(s) (JOBS, default 1), then runs each for the
# given time starting from its seed corpus tests/fuzz/corpus/<target>/, which
# is read but never written. New corpus entries go to a temporary directory
# (printed at the end, kept); crash, leak and timeout inputs to
# build-fuzz/crashes/<target>/; the log to build-fuzz/fuzz-logs/<target>.log.
# Prints the executions and exec/s of each run; exits 1 when a target
# found something. Extra libFuzzer flags: FUZZ_FLAGS="-jobs=2 ..."; FUZZ_NO_BUILD=1
# skips configuring and building.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: $0 <target|all> [seconds]" >&2
  echo "targets: $(ls tests/fuzz/*_fuzzer.cc | sed 's|.*/||; s|_fuzzer.cc||' | tr '\n' ' ')" >&2
  exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
SECONDS_PER_TARGET=${2:-60}
BUILD_DIR=build-fuzz
if [ "$1" = all ]; then
  TARGETS=$(ls tests/fuzz/*_fuzzer.cc | sed 's|.*/||; s|_fuzzer.cc||')
else
  [ -f "tests/fuzz/$1_fuzzer.cc" ] || usage
  TARGETS=$1
fi

if [ -n "${FUZZ_NO_BUILD:-}" ]; then
  :  # run the binaries as they are (e.g. while build-fuzz is being built for another target)
elif [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  GEN=()
  if command -v ninja >/dev/null; then GEN=(-G Ninja); fi
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD_DIR" "${GEN[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAWSFACADE_FUZZ=ON >&2
else
  cmake -S . -B "$BUILD_DIR" >/dev/null
fi
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
  BUILD_ARGS=()
  for t in $TARGETS; do BUILD_ARGS+=(--target "${t}_fuzzer"); done
  cmake --build "$BUILD_DIR" --parallel "${JOBS:-1}" "${BUILD_ARGS[@]}" >&2
fi

NEW_CORPUS=$(mktemp -d "${TMPDIR:-/tmp}/awsfacade-fuzz.XXXXXX")
mkdir -p "$BUILD_DIR/fuzz-logs"
failed=()
summary=()
for t in $TARGETS; do
  mkdir -p "$BUILD_DIR/crashes/$t" "$NEW_CORPUS/$t"
  log="$BUILD_DIR/fuzz-logs/$t.log"
  echo "== $t: ${SECONDS_PER_TARGET}s" >&2
  status=0
  # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: a leak or
  # blow-up. The first corpus directory receives the new entries.
  "$BUILD_DIR/tests/fuzz/${t}_fuzzer" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
    -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix="$BUILD_DIR/crashes/$t/" \
    ${FUZZ_FLAGS:-} "$NEW_CORPUS/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  line="$t: ${execs:-?} executions, ${rate:-?} exec/s, cov ${cov:-?}, $(ls "$NEW_CORPUS/$t" | wc -l) new corpus entries"
  if [ "$status" -ne 0 ]; then
    line+=" -- FOUND SOMETHING (exit $status): see $log and $BUILD_DIR/crashes/$t/"
    failed+=("$t")
  fi
  summary+=("$line")
  echo "$line" >&2
done
echo "new corpus entries (not merged into tests/fuzz/corpus): $NEW_CORPUS" >&2
printf '%s\n' "${summary[@]}"
[ ${#failed[@]} -eq 0 ] || exit 1
