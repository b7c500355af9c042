#!/usr/bin/env bash
# Checks that the C++ sources follow .clang-format: lists the files that differ
# and exits 1 when there is one. Part of scripts/test.sh; see scripts/format.sh.
exec "$(dirname "$0")/format.sh" --check "$@"
