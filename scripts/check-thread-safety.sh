#!/usr/bin/env bash
# Clang's thread-safety analysis over the project's own non-test sources, compile
# only: checks every ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED / ... against
# the code that takes the locks (g++ ignores those annotations).
#
#   scripts/check-thread-safety.sh [BUILD_DIR]     default: build
#
# Needs a configured and built BUILD_DIR (its compile_commands.json, and the
# generated protobuf headers under BUILD_DIR/gen). Runs clang++-16
# -fsyntax-only -Wthread-safety -Werror on each source of app/, backends/, service/,
# observability/, client/ and deploy/ (JOBS at a time, default: every core),
# with that file's include paths and defines; in a unity build, on each batch
# of those directories' targets. Prints each failing file's
# diagnostics; exits 1 when any file fails.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD_DIR=$(realpath "${1:-$ROOT/build}")
CLANG=${CLANG:-clang++-16}
if ! command -v "$CLANG" >/dev/null; then
  echo "check-thread-safety: $CLANG is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
if [ ! -f "$BUILD_DIR/compile_commands.json" ]; then
  echo "check-thread-safety: no $BUILD_DIR/compile_commands.json; run scripts/build.sh first" >&2
  exit 1
fi

LIST=$(mktemp -d "${TMPDIR:-/tmp}/awsfacade-tsa.XXXXXX")
trap 'rm -rf "$LIST"' EXIT
# One line per source: the clang arguments, NUL-separated (paths may hold spaces).
python3 - "$ROOT" "$BUILD_DIR/compile_commands.json" "$LIST" <<'PY'
import json, os, shlex, sys
root, db, out = sys.argv[1], sys.argv[2], sys.argv[3]
dirs = ("app/", "backends/", "service/", "observability/", "client/", "deploy/")
n = 0
build = os.path.dirname(os.path.abspath(db))
for entry in json.load(open(db)):
    path = os.path.relpath(entry["file"], root)
    if "/Unity/unity_" in entry["file"]:
        # A unity batch (CMake's UNITY_BUILD) stands for its target's sources:
        # BUILD_DIR/<source dir>/CMakeFiles/<target>.dir/Unity/unity_N_cxx.cxx.
        path = os.path.relpath(entry["file"], build)
    if not path.startswith(dirs):
        continue
    args = entry.get("arguments") or shlex.split(entry["command"])
    kept, skip = [], False
    for a in args[1:]:  # args[0]: the compiler
        if skip:
            skip = False
            continue
        if a in ("-o", "-c", "-MF", "-MT", "-MQ"):
            skip = True  # drops the option and its value
            continue
        # Keep what decides how the code reads (includes, defines, standard);
        # drop g++'s optimisation, debug and warning flags.
        if a.startswith(("-I", "-D", "-U", "-std=", "-isystem", "-include", "-pthread", "-f")) \
                and not a.startswith(("-fdiagnostics", "-fno-fat-lto")):
            kept.append(a)
    n += 1
    with open(os.path.join(out, "%03d" % n), "w") as f:
        f.write("\0".join(kept + [entry["file"]]) + "\0")
PY

check_one() {
  local argfile=$1 log=$1.log
  if ! xargs -0 -a "$argfile" "$CLANG" -fsyntax-only -Wthread-safety -Werror >"$log" 2>&1; then
    cat "$log"
    return 1
  fi
}
export -f check_one
export CLANG
count=$(ls "$LIST" | wc -l)
status=0
ls "$LIST"/* | xargs -P "${JOBS:-$(nproc)}" -I{} bash -c 'check_one {}' || status=$?
if [ "$status" -ne 0 ]; then
  failed=$( (grep -l . "$LIST"/*.log || true) | wc -l)
  echo "check-thread-safety: $count sources checked; clang reported on $failed (above)" >&2
  exit 1
fi
echo "check-thread-safety: $count sources, no thread-safety finding" >&2
