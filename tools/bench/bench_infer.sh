#!/usr/bin/env bash
# Times `kbdiag infer` on the shipped knowledge base as a whole process, beside two baselines measured in the
# same run and interleaved with it: process start of `kbdiag --version` (same binary, no work) and /bin/true.
# Prints min / median / p90 / max in milliseconds. A benchmark, not a test: it asserts nothing.
#
#   bash tools/bench/bench_infer.sh [KBDIAG_BINARY] [RUNS]
#   (defaults: build/release/tools/kbdiag, 50 runs)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kbdiag=${1:-$here/build/release/tools/kbdiag}
runs=${2:-50}
[ -x "$kbdiag" ] || { echo "bench: no kbdiag binary at $kbdiag (build first, or pass its path)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A snapshot of this machine, plus facts that make the 0x963 rules run (a Windows 11 23H2 client with a
# saved credential for the NAS).
"$kbdiag" collect -q -o "$tmp/snap.yaml" >/dev/null 2>&1 || "$kbdiag" collect -o "$tmp/snap.yaml" >/dev/null
infer_args=(infer "$tmp/snap.yaml" --error 0x00000963 --format text
            --fact windows.build=22631 --fact windows.edition=Professional --fact server.vendor=synology
            --fact user.password_changed_recently=true)
"$kbdiag" "${infer_args[@]}" >/dev/null   # warm the page cache; fail loudly if infer does not work

now_ns() { date +%s%N; }

declare -a t_true t_version t_infer
for ((i = 0; i < runs; i++)); do
  s=$(now_ns); /bin/true; e=$(now_ns); t_true+=($((e - s)))
  s=$(now_ns); "$kbdiag" --version >/dev/null; e=$(now_ns); t_version+=($((e - s)))
  s=$(now_ns); "$kbdiag" "${infer_args[@]}" >/dev/null 2>&1; e=$(now_ns); t_infer+=($((e - s)))
done

# stats NAME VALUES... -> "min median p90 max" in ms with 2 decimals
stats() {
  local sorted n
  sorted=$(printf '%s\n' "$@" | sort -n)
  n=$#
  local min med p90 max
  min=$(sed -n 1p <<<"$sorted")
  med=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
  p90=$(sed -n "$(((n * 9 + 9) / 10))p" <<<"$sorted")
  max=$(sed -n "${n}p" <<<"$sorted")
  for v in "$min" "$med" "$p90" "$max"; do
    printf ' %9s' "$(printf '%d.%02d' $((v / 1000000)) $(((v % 1000000) / 10000)))"
  done
  printf '\n'
}

echo "kbdiag infer benchmark: $runs runs each, interleaved; wall clock of the whole process in ms"
echo "binary: $kbdiag ($("$kbdiag" --version))"
printf '%-40s %9s %9s %9s %9s\n' "command" "min" "median" "p90" "max"
printf '%-40s' "/bin/true (process start baseline)"; stats "${t_true[@]}"
printf '%-40s' "kbdiag --version (binary start)"; stats "${t_version[@]}"
printf '%-40s' "kbdiag infer (shipped KB, 0x00000963)"; stats "${t_infer[@]}"
