#!/usr/bin/env bash
# Peak memory of `kbdiag batch` as the fleet grows (issue 9: "peak memory of batch flat from 10^4 to 10^6
# snapshots"). The shipped knowledge base diagnoses N snapshots streamed through a pipe (the C API tests' snapshots,
# repeated; nothing is stored on disk), all cores, records to /dev/null; GNU time reports the process's maximum
# resident set. A benchmark: prints figures and the ratio to the smallest run, asserts nothing.
#
#   bash tools/bench/bench_memory.sh [KBDIAG_BINARY] [N...]     (defaults: build/release/tools/kbdiag, 10000 100000)
#   e.g. bash tools/bench/bench_memory.sh build/release/tools/kbdiag 10000 100000 1000000
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
kbdiag=$root/build/release/tools/kbdiag
if [ $# -gt 0 ] && [ -x "$1" ]; then kbdiag=$(realpath "$1"); shift; fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000)
[ -x "$kbdiag" ] || { echo "bench_memory: no kbdiag binary at $kbdiag (build first, or pass its path)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench_memory: needs GNU time (apt-get install time)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CACHE_HOME=$tmp/xdg-cache   # warm after the first run, never the user's

# Writes N snapshot lines to stdout: the test snapshots, compacted, in turn.
generate() {
  python3 - "$1" "$root"/tests/capi/data/*.json <<'PY'
import json, sys
n, files = int(sys.argv[1]), sys.argv[2:]
snaps = [(json.dumps(json.load(open(f)), separators=(",", ":")) + "\n").encode() for f in files]
out = sys.stdout.buffer
for i in range(n):
    out.write(snaps[i % len(snaps)])
PY
}

generate 10 | "$kbdiag" batch - --no-questions >/dev/null   # warm the knowledge cache

echo "kbdiag: $("$kbdiag" --version | head -1); $(nproc) cores; shipped knowledge base; $(date -u +%FT%TZ)"
echo "| snapshots | wall | snapshots/s | peak RSS | vs first |"
echo "|---|---|---|---|---|"
first=""
for n in "${sizes[@]}"; do
  start=$(date +%s%N)
  generate "$n" | /usr/bin/time -f '%M' -o "$tmp/rss" "$kbdiag" batch - --no-questions >/dev/null
  end=$(date +%s%N)
  rss_kb=$(tail -n 1 "$tmp/rss")
  [ -n "$first" ] || first=$rss_kb
  awk -v n="$n" -v ns="$((end - start))" -v kb="$rss_kb" -v first="$first" 'BEGIN {
    printf "| %d | %.1f s | %.0f | %.1f MiB | %.2fx |\n", n, ns / 1e9, n / (ns / 1e9), kb / 1024, kb / first }'
done
