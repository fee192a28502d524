#!/usr/bin/env bash
# The shipped knowledge base diagnosing many snapshots: `kbdiag batch` (knowledge loaded once; without and with
# questions) beside one `kbdiag infer` process per snapshot, in the same run, with the issue's targets. The inputs
# are the C API tests' snapshots (tests/capi/data/*.json: several problems, Windows and Linux), repeated.
# A benchmark: prints figures, asserts nothing on time.
#
#   bash tools/bench/bench_batch.sh [KBDIAG_BINARY] [SNAPSHOTS]     (defaults: build/release/tools/kbdiag, 4000)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kbdiag=${1:-$root/build/release/tools/kbdiag}
n=${2:-4000}
[ -x "$kbdiag" ] || { echo "bench: no kbdiag binary at $kbdiag (build first, or pass its path)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/xdg-cache   # warm after the first run, never the user's
inputs=("$root"/tests/capi/data/*.json)
python3 - "$n" "${inputs[@]}" >"$tmp/in.jsonl" <<'PY'
import json, sys
n, files = int(sys.argv[1]), sys.argv[2:]
snaps = [json.dumps(json.load(open(f)), separators=(",", ":")) for f in files]
for i in range(n):
    print(snaps[i % len(snaps)])
PY
head -n "$((n / 10))" "$tmp/in.jsonl" >"$tmp/in-questions.jsonl"

now_ns() { date +%s%N; }
seconds() { awk -v ns="$1" 'BEGIN {printf "%.3f", ns / 1e9}'; }
time_batch() {   # FILE ARGS... -> nanoseconds of the whole process
  local s e
  s=$(now_ns); "$kbdiag" batch "$@" >/dev/null; e=$(now_ns)
  echo $((e - s))
}
"$kbdiag" batch "$tmp/in-questions.jsonl" --no-questions >/dev/null   # warm the cache and the page cache

t_nq=$(time_batch "$tmp/in.jsonl" --no-questions)
nq=$(wc -l <"$tmp/in-questions.jsonl")
t_q=$(time_batch "$tmp/in-questions.jsonl")
t_nq1=$(time_batch "$tmp/in.jsonl" --no-questions --jobs 1)
per=40
s=$(now_ns)
for ((i = 0; i < per; i++)); do
  f=${inputs[$((i % ${#inputs[@]}))]}
  "$kbdiag" infer "$f" --format json >/dev/null || [ $? -eq 5 ]
done
e=$(now_ns); t_proc=$((e - s))

rate() { awk -v n="$1" -v ns="$2" 'BEGIN {printf "%.0f", n / (ns / 1e9)}'; }
echo "kbdiag: $("$kbdiag" --version | head -1); $(nproc) cores; shipped knowledge base; $(date -u +%FT%TZ)"
echo "| run | snapshots | wall | snapshots/s | target |"
echo "|---|---|---|---|---|"
echo "| batch --no-questions (all cores) | $n | $(seconds "$t_nq") s | $(rate "$n" "$t_nq") | >= 20,000 |"
echo "| batch --no-questions --jobs 1 | $n | $(seconds "$t_nq1") s | $(rate "$n" "$t_nq1") | |"
echo "| batch with questions (all cores) | $nq | $(seconds "$t_q") s | $(rate "$nq" "$t_q") | >= 1,000 |"
echo "| one \`kbdiag infer\` process per snapshot | $per | $(seconds "$t_proc") s | $(rate "$per" "$t_proc") | |"
awk -v a="$(rate "$n" "$t_nq")" -v b="$(rate "$per" "$t_proc")" \
  'BEGIN {printf "batch --no-questions / process per snapshot: %.0fx\n", a / b}'
