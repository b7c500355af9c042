#!/usr/bin/env bash
# Formats the project's C++ sources in place with clang-format-14 and the
# root .clang-format (Google style, 100 columns).
#
#   scripts/format.sh              every tracked .cc/.h file
#   scripts/format.sh FILE...      only these
#   scripts/format.sh --check      formats nothing; lists the files that differ
#                                  and exits 1 when there is one (what
#                                  scripts/check-format.sh runs)
#
# Files are those git tracks (so nothing generated or under build*/); outside a
# git checkout, the .cc/.h files below the source folders.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}
if ! command -v "$CLANG_FORMAT" >/dev/null; then
  echo "format: $CLANG_FORMAT is missing; run scripts/install-deps.sh" >&2
  exit 1
fi
check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # New files too, before they are added (not the ignored build trees).
    mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h')
  else
    mapfile -t files < <(find app backends bench client deploy examples observability service tests \
                           -name '*.cc' -o -name '*.h' | sort)
  fi
fi

if [ "$check" -eq 0 ]; then
  "$CLANG_FORMAT" -i --style=file "${files[@]}"
  echo "format: ${#files[@]} files formatted" >&2
  exit 0
fi

# One clang-format run over every file: --dry-run reports each place that
# would change as "<file>:<line>:<col>: error: code should be clang-formatted".
report=$("$CLANG_FORMAT" --style=file --dry-run "${files[@]}" 2>&1 || true)
mapfile -t differ < <(grep -oP '^.+?(?=:\d+:\d+: (error|warning): code should be clang-formatted)' \
                        <<<"$report" | uniq -c | awk '{print $2 ": " $1 " places"}')
checked=${#files[@]}
if [ ${#differ[@]} -gt 0 ]; then
  echo "check-format: ${#differ[@]} of $checked files differ from .clang-format (scripts/format.sh FILE... fixes them):" >&2
  printf '  %s\n' "${differ[@]}" >&2
  exit 1
fi
echo "check-format: $checked files follow .clang-format" >&2
