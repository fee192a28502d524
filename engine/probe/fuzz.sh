#!/usr/bin/env bash
# Fuzzes the probe's response parsers with libFuzzer (Debian `clang libclang-rt-dev`) for longer than CI does:
# the `fuzz` build (tests/fuzz/) in its own build folder, every target SECONDS long, two at a time.
#   bash engine/probe/fuzz.sh [SECONDS] [BUILD_DIR]     (defaults: 60, build/fuzz-long)
# CI runs the same targets for 20 s each: `cmake --workflow --preset fuzz` (tools/scripts/test.sh).
# Exit status: ctest's (non-zero on a crash, leak, timeout or sanitizer finding; the input is kept in
# BUILD_DIR/tests/fuzz/work/<target>/artifacts/).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
seconds=${1:-60}
build=${2:-$here/build/fuzz-long}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (apt-get install clang libclang-rt-dev)" >&2; exit 1; }
cmake -S "$here" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ -DKBDIAG_FUZZ=ON \
  -DKBDIAG_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build "$build"
ctest --test-dir "$build" -L fuzz -j2 --output-on-failure -V
