#!/usr/bin/env bash
# kb lint / kb test / kb facts on the mini knowledge base and the shipped one, text and JSON.
source "$(dirname "$0")/lib.sh"

run 0 "$KBDIAG" "${MINI[@]}" kb lint
has "$TMP/out" "lint: 0 error"
run 0 "$KBDIAG" "${MINI[@]}" kb lint --format json
has "$TMP/out" '"schema": "kbdiag-lint/1"'
has "$TMP/out" '"ok": true'

run 0 "$KBDIAG" "${MINI[@]}" kb test
has "$TMP/out" "PASS  mini_stale_password_changed"
has "$TMP/out" "COVERAGE"
has "$TMP/out" "mini_stale +2 +1 +ok"
run 0 "$KBDIAG" "${MINI[@]}" kb test --format json
has "$TMP/out" '"schema": "kbdiag-scenarios/1"'
has "$TMP/out" '"ok": true'
# A filter runs a subset.
run 0 "$KBDIAG" "${MINI[@]}" kb test mini_level
has "$TMP/out" "PASS  mini_level_low_level"
has_not "$TMP/out" "PASS  mini_stale"
run 5 "$KBDIAG" "${MINI[@]}" kb test no_scenario_has_this_id

# A failing scenario: exit 6, expected vs actual, and the evidence that made the difference.
run 6 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_failing_scenario" kb test
has "$TMP/out" "FAIL  overlay_wrong_expectation"
has "$TMP/out" "scenarios.yaml:[0-9]+"
has "$TMP/out" "top: expected mini_level; got mini_stale"
has "$TMP/out" "ranking: mini_stale"
has "$TMP/out" "mini_password_changed"
run 6 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_failing_scenario" kb test --format json
has "$TMP/out" '"passed": false'

# A scenario using a fact the catalog does not know fails with the scenario's file:line.
mkdir -p "$TMP/overlay_unknown_fact"
cat >"$TMP/overlay_unknown_fact/s.yaml" <<'YAML'
scenarios:
  - id: uses_unknown_fact
    error: "0x963"
    facts: {mini.lm_level: 1, no.such.fact: 3}
    expect: {top: mini_level}
YAML
rc=0; "$KBDIAG" "${MINI[@]}" --kb "$TMP/overlay_unknown_fact" kb test >"$TMP/out" 2>"$TMP/err" || rc=$?
# The loader may already reject it (exit 3, KB007) or the runner fails the scenario (exit 6): both name the file.
[ "$rc" -eq 3 ] || [ "$rc" -eq 6 ] || fail "unknown scenario fact: exit $rc"
grep -Eqh "s.yaml:[0-9]+" "$TMP/out" "$TMP/err" || fail "unknown scenario fact: no file:line"

# kb facts: the catalog with types, collectors and questions.
run 0 "$KBDIAG" "${MINI[@]}" kb facts
has "$TMP/out" "^mini.lm_level"
has "$TMP/out" "type: +integer"
has "$TMP/out" "question: +What is the LAN Manager"
run 0 "$KBDIAG" "${MINI[@]}" kb facts --format json
has "$TMP/out" '"name": "mini.lm_level"'
run 0 "$KBDIAG" kb facts
has "$TMP/out" "^windows.build"
has "$TMP/out" "provided by: +windows.os"
echo "ok"
