#!/usr/bin/env bash
# The peer benchmark's synthetic workload (tools/bench/peers/gen_workload.py: R rules of 1-3 comparisons over F
# facts, 20 % of the facts missing per snapshot) diagnosed by `kbdiag batch`: every snapshot's fired rule set is
# exactly the Python reference's (tools/bench/peers/compare.py), with one worker and with two. The correctness half
# of tools/bench/run_peers.sh, without the peers and without timing.
source "$(dirname "$0")/lib.sh"

peers="$(cd "$(dirname "$0")/../../tools/bench/peers" && pwd)"
work="$TMP/work"
python3 "$peers/gen_workload.py" -R 300 -F 60 -N 300 --seed 7 --missing 0.2 --emit kbdiag \
  --kbdiag-max-snapshots 0 --out "$work" >/dev/null
kb=(--no-builtin-kb --kb "$work/kbdiag/kb")
run 0 "$KBDIAG_REAL" "${kb[@]}" kb lint --strict

to_fired_sets() {   # batch records (JSON Lines) -> "<i>:<fired rule ids>" as compare.py reads them
  python3 -c '
import json, sys
for i, line in enumerate(open(sys.argv[1])):
    rec = json.loads(line)
    assert "error" not in rec, rec
    ids = sorted({e["rule"] for e in rec["evidence"]}, key=lambda s: (len(s), s))
    print("%d:%s" % (i, " ".join(ids)))' "$1" >"$2"
}
for jobs in 1 2; do
  run 0 "$KBDIAG_REAL" "${kb[@]}" batch "$work/kbdiag/snapshots.jsonl" --error 0x7e57 --no-questions \
    --detail evidence --jobs "$jobs" -o "$TMP/records-$jobs.jsonl"
  to_fired_sets "$TMP/records-$jobs.jsonl" "$TMP/fired-$jobs.txt"
  python3 "$peers/compare.py" "$work/expected.txt" "$TMP/fired-$jobs.txt" >"$TMP/compare-$jobs.txt" ||
    { cat "$TMP/compare-$jobs.txt" >&2; fail "kbdiag batch --jobs $jobs fired other rules than the reference"; }
  has "$TMP/compare-$jobs.txt" "300/300 snapshots match"
done
# The workload really fires rules (an empty fired set everywhere would match an empty reference too).
fired=$(awk -F: '{n += split($2, a, " ")} END {print n}' "$TMP/fired-1.txt")
[ "$fired" -gt 1000 ] || fail "only $fired rule firings in 300 snapshots"
echo "ok: 300 snapshots, $fired firings, as the reference"
