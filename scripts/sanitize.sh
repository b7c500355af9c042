#!/usr/bin/env bash
# Builds some of the tests with a sanitizer (clang-16, -O1 for tsan, -O0 for
# asan, no debug info, in a build directory of their own) and runs them.
#
#   scripts/sanitize.sh tsan   ThreadSanitizer: the subscription units and the
#                              simulator's stream store (build-tsan/), with
#                              absl_tsan_shim.cc making absl::Mutex visible
#   scripts/sanitize.sh asan   AddressSanitizer + UndefinedBehaviorSanitizer
#                              (leaks included): every unit test binary of
#                              tests/backends, tests/service,
#                              tests/observability and the client's mock test
#                              (build-asan/)
#
# Our code is instrumented; Debian's gRPC, Protobuf and Abseil are not, so
# TSan cannot see their synchronisation: absl_tsan_shim.cc annotates
# absl::Mutex/CondVar/Notification, the libraries' interceptor calls are
# ignored, and scripts/sanitizers/tsan.supp says why for each entry.
# Any report fails the test that made it. Each binary's output goes to
# <build dir>/sanitize-logs/<binary>.log; the failing ones are printed.
# Exits 1 when a binary fails. JOBS: build parallelism (default: every core).
# While working: SANITIZE_TARGETS="tests/backends/backend_common_test" builds
# and runs only those binaries, SANITIZE_FILTER a gtest filter of their tests.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
MODE=${1:-}
CXX_16=${CXX_16:-clang++-16}
SUPP=$ROOT/scripts/sanitizers
case "$MODE" in
  tsan)
    BUILD_DIR=build-tsan
    FLAGS="-fsanitize=thread"
    OPT=-O1
    # The subscription units (no gRPC: TSan cannot see Debian's gRPC's own
    # hand-overs between threads, docs/development.md) and the simulator's
    # stream store (what SubscribeToShard reads).
    TEST_FILTER='BufferBudget*:Codec*:ContinuationToken*:EventWire*:ReadBudget*:SequenceNumber*:ShardLineage*:ShardReader*:SubscriptionOptions*:SubscriptionRegistry*:StreamStore*:*ViewType*'
    export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$SUPP/tsan.supp"
    ;;
  asan)
    BUILD_DIR=build-asan
    FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
    OPT=-O0
    # The buffer-budget load test compares peaks against an unbudgeted run
    # that must overrun: under ASan's slowdown the writer falls behind, the
    # unbudgeted run stays under the bound and the test (rightly) refuses to
    # conclude. It runs in ctest; here it is left out.
    TEST_FILTER='*:-SubscriptionEngineTest.StalledReadersTogetherStayNearTheBufferBudget'
    export ASAN_OPTIONS="detect_leaks=1"
    export UBSAN_OPTIONS="print_stacktrace=1 halt_on_error=1"
    export LSAN_OPTIONS="suppressions=$SUPP/lsan.supp"
    ;;
  *)
    echo "usage: $0 tsan|asan" >&2
    exit 2
    ;;
esac
if ! command -v "$CXX_16" >/dev/null; then
  echo "sanitize: $CXX_16 is missing; run scripts/install-deps.sh" >&2
  exit 1
fi

# -w: the warnings are the normal (g++ -Werror) build's business.
# The generated protobuf sources compile at -O0 in both modes (still
# instrumented), which matters for tsan's -O1: under ASan at -O1 they were 497
# of the asan build's 1,803 CPU seconds, dynamodb.pb.cc alone 163 s.
FLAGS="$FLAGS -fno-omit-frame-pointer -w"
LINK_FLAGS=$FLAGS
if [ "$MODE" = tsan ]; then
  # Debian's Abseil is not built for TSan: absl_tsan_shim.cc gives its
  # Mutex, CondVar and Notification the annotations TSan needs, linked into
  # every test binary (-rdynamic: the libraries' own calls reach it too).
  # Ninja does not know the binaries depend on it: a changed shim removes
  # them so that they are linked again.
  mkdir -p "$BUILD_DIR"
  "$CXX_16" -std=c++17 -O1 $FLAGS -I"$ROOT" -c "$SUPP/absl_tsan_shim.cc" -o "$BUILD_DIR/absl_tsan_shim.o.new"
  if ! cmp -s "$BUILD_DIR/absl_tsan_shim.o.new" "$BUILD_DIR/absl_tsan_shim.o"; then
    mv "$BUILD_DIR/absl_tsan_shim.o.new" "$BUILD_DIR/absl_tsan_shim.o"
    RELINK=1
  fi
  LINK_FLAGS="$FLAGS -rdynamic $ROOT/$BUILD_DIR/absl_tsan_shim.o -ldl"
  # The shim's self-check: without it TSan reports absl-locked code as racy,
  # with it that code passes, and a real race is still reported.
  check=$BUILD_DIR/absl_tsan_shim_check
  ABSL_LIBS=(-labsl_synchronization -labsl_time -labsl_base -labsl_raw_logging_internal)
  "$CXX_16" -std=c++17 -O1 $FLAGS -I"$ROOT" "$SUPP/absl_tsan_shim_check.cc" -o "$check-bare" "${ABSL_LIBS[@]}"
  "$CXX_16" -std=c++17 -O1 $FLAGS -I"$ROOT" "$SUPP/absl_tsan_shim_check.cc" -o "$check" -rdynamic \
    "$BUILD_DIR/absl_tsan_shim.o" -ldl "${ABSL_LIBS[@]}"
  shim_check() {  # shim_check BINARY MODE WANT: WANT is "race" or "clean"
    local got=clean
    if ! TSAN_OPTIONS="halt_on_error=1" "$1" "$2" >"$1.$2.log" 2>&1; then got=race; fi
    if [ "$got" != "$3" ]; then
      echo "sanitize tsan: the shim self-check failed: $(basename "$1") $2 gave $got, expected $3" >&2
      cat "$1.$2.log" >&2
      exit 1
    fi
  }
  shim_check "$check-bare" locked race
  shim_check "$check" locked clean
  shim_check "$check" unlocked race
  echo "sanitize tsan: absl_tsan_shim self-check passed (without it a locked counter reads as a race)" >&2
fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  GEN=()
  if command -v ninja >/dev/null; then GEN=(-G Ninja); fi
  CC=clang-16 CXX="$CXX_16" cmake -S . -B "$BUILD_DIR" "${GEN[@]}" \
    -DCMAKE_BUILD_TYPE=Sanitize -DCMAKE_CXX_FLAGS_SANITIZE="$OPT" \
    -DCMAKE_CXX_FLAGS="$FLAGS" -DCMAKE_EXE_LINKER_FLAGS="$LINK_FLAGS" \
    -DAWSFACADE_BUILD_BENCH=OFF -DAWSFACADE_GENERATED_CXX_OPTIONS=-O0 >&2
else
  # The linker flags again: a build directory made before the TSan shim came
  # would otherwise link the tests without it.
  cmake -S . -B "$BUILD_DIR" -DCMAKE_EXE_LINKER_FLAGS="$LINK_FLAGS" \
    -DAWSFACADE_GENERATED_CXX_OPTIONS=-O0 >/dev/null
fi

# The test binaries: gtest executables only (no integration test, which
# needs the server binary, nor the live client test).
if [ -n "${SANITIZE_TARGETS:-}" ]; then
  read -r -a TARGETS <<<"$SANITIZE_TARGETS"
elif [ "$MODE" = tsan ]; then
  TARGETS=(tests/service/service_test tests/backends/simulator/stream_store_test)
else
  mapfile -t TARGETS < <(cmake --build "$BUILD_DIR" -- -t targets all |
    grep -oP '^tests/(backends|service)/[^:]*_test(?=: CXX_EXECUTABLE_LINKER)' |
    sort -u)
fi
if [ -n "${RELINK:-}" ]; then
  for t in "${TARGETS[@]}"; do rm -f "$BUILD_DIR/$t"; done
fi
start=$SECONDS
cmake --build "$BUILD_DIR" --parallel "${JOBS:-$(nproc)}" -- "${TARGETS[@]}" >&2
echo "sanitize $MODE: built ${#TARGETS[@]} test binaries in $((SECONDS - start)) s" >&2

mkdir -p "$BUILD_DIR/sanitize-logs"
if [ "$MODE" = tsan ]; then
  # tsan.supp plus one called_from_lib line per uninstrumented library of
  # the gRPC/Protobuf/Abseil family the binaries load (see tsan.supp).
  supp=$BUILD_DIR/tsan.supp
  {
    cat "$SUPP/tsan.supp"
    for t in "${TARGETS[@]}"; do ldd "$BUILD_DIR/$t"; done |
      grep -oE '\b(libabsl_[a-z0-9_]+|libgrpc(\+\+)?|libgpr|libupb|libprotobuf|libre2|libaddress_sorting)\.so' |
      sort -u | sed 's/^/called_from_lib:/'
  } >"$supp"
  export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$ROOT/$supp"
fi
start=$SECONDS
failed=()
for t in "${TARGETS[@]}"; do
  name=$(basename "$t")
  log=$BUILD_DIR/sanitize-logs/$name.log
  # Test data paths are compiled in; the tests run from the build directory.
  if (cd "$BUILD_DIR/$(dirname "$t")" && timeout 600 "./$name" --gtest_filter="${SANITIZE_FILTER:-$TEST_FILTER}" \
        --gtest_brief=1) >"$log" 2>&1; then
    echo "  $name: $(grep -oE '\[  PASSED  \] [0-9]+ tests?' "$log" | tail -1)" >&2
  else
    failed+=("$name")
    echo "  $name: FAILED (log: $log)" >&2
    tail -60 "$log" >&2
  fi
done
echo "sanitize $MODE: ran ${#TARGETS[@]} test binaries in $((SECONDS - start)) s" >&2
if [ ${#failed[@]} -gt 0 ]; then
  echo "sanitize $MODE: FAILED: ${failed[*]}" >&2
  exit 1
fi
