#!/usr/bin/env bash
# Fuzzes every target of the `fuzz` preset for longer and from a fresh random seed each run, to find what the CI
# run (seed 1, 20 s a target: a regression check that replays the same inputs) cannot. Run it for a few minutes a
# target before landing a change to a reader, parser or condition; turn each finding into a unit test (the input
# is kept in build/fuzz-explore/tests/fuzz/work/<target>/artifacts/). Its own build tree, so that the CI preset's
# 20 s stay as they are in build/fuzz.
#   tools/scripts/fuzz-explore.sh [SECONDS_PER_TARGET] [CTEST_REGEX]     (default: 300 s, every target)
#   KBDIAG_FUZZ_SEED=N tools/scripts/fuzz-explore.sh ...                  replays seed N instead of a random one
set -euo pipefail
seconds=${1:-300}
regex=${2:-.}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmake --preset fuzz -B build/fuzz-explore -DKBDIAG_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build/fuzz-explore
KBDIAG_FUZZ_SEED=${KBDIAG_FUZZ_SEED:-random} \
  ctest --test-dir build/fuzz-explore -L fuzz -R "$regex" -j2 --output-on-failure
