#!/usr/bin/env bash
# The peer benchmark (issue 9): the synthetic rule workload of tools/bench/peers (R rules of 1-3 comparisons over
# F facts, the same knowledge emitted for every engine) run by CLIPS 6.30 embedded (C API), json-rules-engine
# (Node) and kbdiag (`kbdiag batch`, one worker and one per core; and one `kbdiag infer` process per snapshot),
# all in one run, each engine's fired rule sets checked against the Python reference. Prints bench.py's table per
# workload and then kbdiag's ratios against the issue's targets. A benchmark: it asserts nothing on time (it fails
# only when an engine fires a wrong rule set or cannot run).
#
#   bash tools/bench/run_peers.sh [KBDIAG_BINARY] [--quick]
#   (default binary build/release/tools/kbdiag; --quick: smaller workloads, one repeat, for a smoke run)
# Needs: python3, gcc, Debian packages clips + libclips-dev, node + npm (json-rules-engine from the npm registry,
# pinned by package-lock.json). Installs the CLIPS packages when missing and run as root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
kbdiag=$root/build/release/tools/kbdiag
quick=0
for a in "$@"; do
  case $a in
    --quick) quick=1 ;;
    *) kbdiag=$(realpath "$a") ;;
  esac
done
[ -x "$kbdiag" ] || { echo "run_peers: no kbdiag binary at $kbdiag (build first, or pass its path)" >&2; exit 2; }

if [ "$(id -u)" = 0 ]; then
  source "$root/tools/scripts/install-packages.sh"
  install_missing clips libclips-dev
fi
for tool in python3 gcc clips node npm; do
  command -v "$tool" >/dev/null || { echo "run_peers: $tool is missing" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-peers.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -R "$here/peers/." "$work/"
cd "$work"
gcc -O2 -o clips_embed clips_embed.c -I/usr/include/clips -lclips -lm
npm ci --silent --no-audit --no-fund >/dev/null
export XDG_CACHE_HOME=$work/xdg-cache   # kbdiag's knowledge cache: warm after the first run, never the user's

if [ "$quick" = 1 ]; then
  workloads=("1000 200 1000" "10000 200 200"); repeats=1; startup_runs=3; per_process=20
else
  workloads=("1000 200 10000" "10000 200 2000"); repeats=3; startup_runs=10; per_process=100
fi

echo "kbdiag: $("$kbdiag" --version | head -1) ($kbdiag); $(nproc) cores; $(date -u +%FT%TZ)"
for w in "${workloads[@]}"; do
  read -r R F N <<<"$w"
  dir=work/R${R}_F${F}_N${N}
  python3 gen_workload.py -R "$R" -F "$F" -N "$N" --seed 1 --emit clips,jre,kbdiag \
    --kbdiag-max-snapshots "$per_process" --out "$dir" >/dev/null
  "$kbdiag" --no-builtin-kb --kb "$dir/kbdiag/kb" kb lint --strict >/dev/null
  engines=clips-embed,kbdiag-batch-1,kbdiag-batch
  # The slow peers only on the 1,000-rule workload (json-rules-engine needs ~80 s for 10,000 snapshots there).
  [ "$R" -le 1000 ] && engines=$engines,jre,kbdiag
  echo
  echo "== R=$R F=$F N=$N: $engines"
  python3 bench.py "$dir" --engines "$engines" --kbdiag "$kbdiag" --repeats "$repeats" \
    --startup-runs "$startup_runs" 2>/dev/null
done

python3 - "${workloads[@]}" <<'PY'
import json, sys
res = {}
for w in sys.argv[1:]:
    R, F, N = w.split()
    res[int(R)] = json.load(open("work/R%s_F%s_N%s/results.json" % (R, F, N)))["engines"]
lo, hi = min(res), max(res)
rate = lambda r, e: res[r][e]["derived"]["steady_snapshots_per_s"]
print("\nkbdiag against the issue's targets (steady snapshots/s; ratios of this run's medians)")
print("| figure | measured | target |")
print("|---|---|---|")
for e in ("kbdiag-batch-1", "kbdiag-batch"):
    print("| %s / clips-embed, R=%d | %.2fx | >= 50x |" % (e, lo, rate(lo, e) / rate(lo, "clips-embed")))
    print("| %s R=%d rate / R=%d rate | %.2f | >= 0.20 |" % (e, hi, lo, rate(hi, e) / rate(lo, e)))
if "kbdiag" in res[lo]:
    print("| kbdiag-batch / one process per snapshot, R=%d | %.0fx | (none) |"
          % (lo, rate(lo, "kbdiag-batch") / rate(lo, "kbdiag")))
load = lambda e: res[lo][e]["load"]["wall_s_median"] * 1e3
print("| kbdiag load %d rules (batch, no input) vs clips-embed | %.1f ms vs %.1f ms | <= clips-embed |"
      % (lo, load("kbdiag-batch-1"), load("clips-embed")))
PY
