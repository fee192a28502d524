#!/usr/bin/env bash
# kb test FILTER: coverage only for what the selected scenarios could cover (their problems' causes and the rules
# giving evidence for those), not hundreds of lines about the whole knowledge base.
source "$(dirname "$0")/lib.sh"

run 0 "$KBDIAG" kb test
FULL_LINES=$(wc -l <"$TMP/out")
has "$TMP/out" "RULES NO SCENARIO EXERCISED|rules never exercised"
FULL_PROBLEMS=$(grep -cE '^  [a-z0-9_]+$' "$TMP/out" || true)

# One scenario of the shipped knowledge.
FIRST=$(grep -m1 -oE 'PASS  [A-Za-z0-9_.-]+' "$TMP/out" | awk '{print $2}')
[ -n "$FIRST" ] || fail "no scenario id found in the full run"
run 0 "$KBDIAG" kb test "$FIRST"
has "$TMP/out" "1 scenarios: 1 passed, 0 failed; coverage not checked"
has "$TMP/out" "only its problems' causes are shown"
has_not "$TMP/out" "RULES NO SCENARIO EXERCISED"
FILTERED_LINES=$(wc -l <"$TMP/out")
FILTERED_PROBLEMS=$(grep -cE '^  [a-z0-9_]+$' "$TMP/out" || true)
echo "full run: $FULL_LINES lines, $FULL_PROBLEMS problems; '$FIRST': $FILTERED_LINES lines, $FILTERED_PROBLEMS problems"
[ "$FILTERED_PROBLEMS" -eq 1 ] || fail "a one-scenario run shows coverage of $FILTERED_PROBLEMS problems"
[ "$FILTERED_LINES" -lt 80 ] || fail "a one-scenario run prints $FILTERED_LINES lines"
[ "$FILTERED_LINES" -lt "$FULL_LINES" ] || fail "the filtered run is not shorter"

# JSON agrees: coverage rows of the selected scenario's problem only.
run 0 "$KBDIAG" kb test "$FIRST" --format json
python3 - "$TMP/out" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
problems = {s["problem"] for s in run["scenarios"]}
assert len(problems) == 1, problems
assert {row["problem"] for row in run["coverage"]} == problems, run["coverage"]
assert run["coverage_checked"] is False
PY

# The mini knowledge base: its two problems' scenarios select their own coverage.
run 0 "$KBDIAG" "${MINI[@]}" kb test mini_level
has "$TMP/out" "mini_problem"
echo "ok"
