#!/usr/bin/env bash
# Fuzzes the probe's response parsers with libFuzzer (Debian `clang`), seeded with the recorded Samba replies.
#   bash engine/probe/fuzz.sh [SECONDS]     (default 60; the build and corpus go to a temporary folder)
# Exit status: libFuzzer's (non-zero on a crash, leak or sanitizer finding; the input is kept and named).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-60}
CXX=${CXX_FUZZ:-$(command -v clang++ || true)}
[ -n "$CXX" ] || { echo "fuzz.sh: clang++ not found (apt-get install clang)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
# fmt 9 as header-only: no libfmt built for clang's sanitizers needed.
"$CXX" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -DKBDIAG_FUZZ -DFMT_HEADER_ONLY -I"$here" \
  "$here/tests/unit/test_probe_fuzz.cpp" "$here/engine/probe/smb.cpp" -o "$work/fuzz"
mkdir -p "$work/corpus"
# Seeds: the recorded replies (hex arrays in tests/unit/test_probe_recorded.hpp), one file each.
n=0
out=""
while IFS= read -r line; do
  case $line in
    *"bytes[] = {"*) n=$((n + 1)); out="$work/corpus/rec$n"; : >"$out"; continue ;;
    "    };"*) out=""; continue ;;
  esac
  [ -n "$out" ] && printf "$(printf '%s' "$line" | sed -e 's/[ ,]//g' -e 's/0x/\\x/g')" >>"$out"
done <"$here/tests/unit/test_probe_recorded.hpp"
cd "$work"
./fuzz -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 corpus/
