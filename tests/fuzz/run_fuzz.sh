#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from its seeds (ctest fuzz.<target>, preset `fuzz`) and prints
# its throughput. Fails on any crash, sanitizer finding, leak, timeout (an input over 3 s) or out-of-memory;
# the input that did it is kept in WORK/artifacts/.
#   run_fuzz.sh BINARY SEEDS_DIR SECONDS MAX_LEN WORK_DIR [DICT]
# KBDIAG_FUZZ_SEED picks libFuzzer's random seed: 1 by default, so that a CI run replays the same inputs as the
# run that was checked before landing (a time bound cuts the same sequence shorter or longer, never elsewhere);
# `random` explores new ground each run - do that for minutes before landing a change to a reader
# (tools/scripts/fuzz-explore.sh), and keep what it finds as a unit test.
set -euo pipefail
bin=$1 seeds=$2 seconds=$3 max_len=$4 work=$5 dict=${6:-}
name=$(basename "$bin")
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
  echo "$name: no seeds in $seeds (the fuzz.seeds test writes them)" >&2
  exit 1
fi
rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=3 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$work/artifacts/")
seed=${KBDIAG_FUZZ_SEED:-1}
if [ "$seed" != random ]; then args+=(-seed="$seed"); fi
[ -n "$dict" ] && args+=(-dict="$dict")
rc=0
"$bin" "${args[@]}" "$work/corpus" "$seeds" >"$work/log" 2>&1 || rc=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -n 1 || true)
echo "$name: seed ${seed}, ${runs:-?} inputs in ${seconds} s = ${secs:-?} inputs/s, ${cov:-cov: ?}, corpus $(ls "$work/corpus" | wc -l) files, exit $rc"
if [ "$rc" -ne 0 ]; then
  tail -n 60 "$work/log"
  echo "$name: FAILED; reproduce with: $bin $work/artifacts/<file>" >&2
  ls -l "$work/artifacts" >&2
fi
exit "$rc"
