#!/usr/bin/env bash
# A rule that fails while running: shown once, at the top of the text report (not also as SKIPPED), in JSON's
# top-level rule_errors, in the Markdown and HTML summaries (escaped), and `infer --strict` exits 3 (also when a rule
# file does not compile).
source "$(dirname "$0")/lib.sh"

OV="$TMP/overlay_failing"
write_script_rule "$OV" failing_rule "A rule that raises an error" fail fail
cp -r "$(dirname "$0")/../../knowledge/templates" "$OV/"   # the shipped Markdown and HTML templates
cat >"$OV/rules/fail.lua" <<'LUA'
local M = {}

function M.fail(ctx)
  if ctx.fact("mini.lm_level") < 5 then
    error("level <b>&</b> too low")
  end
end

return M
LUA
ARGS=("${MINI[@]}" --kb "$OV" infer --error 0x963 --fact mini.lm_level=1)

# Text: in the header, before the summary, with file:line; listed once.
run 0 "$KBDIAG" "${ARGS[@]}"
sed -n '1,/SUMMARY/p' "$TMP/out" >"$TMP/top"
has "$TMP/top" "^Rule error: .*fail\.lua:5:"
has "$TMP/top" "failing_rule"
has "$TMP/top" "RULE001"
has "$TMP/out" "SUMMARY"
[ "$(grep -c "failing_rule" "$TMP/out")" -le 3 ] || fail "failing_rule listed more than once"
has_not "$TMP/out" "rule failing_rule skipped"
has "$TMP/out" "The LAN Manager level"   # the rest of the diagnosis is intact

# JSON: a top-level rule_errors array (validated against the report schema by lib.sh's checked binary).
run 0 "$KBDIAG" "${ARGS[@]}" --format json
python3 - "$TMP/out" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
errors = report["rule_errors"]
assert len(errors) == 1, errors
e = errors[0]
assert e["rule"] == "failing_rule", e
assert e["code"] == "RULE001", e
assert e["location"].endswith("rules/fail.lua:5"), e
assert "level <b>&</b> too low" in e["message"], e
assert not any(s["rule"] == "failing_rule" for s in report["skipped"]), report["skipped"]
PY

# Markdown and HTML: a "Rule errors" section before the summary; HTML escaped.
run 0 "$KBDIAG" "${ARGS[@]}" --format markdown
has "$TMP/out" "^## Rule errors"
[ "$(grep -n '^## Rule errors' "$TMP/out" | cut -d: -f1)" -lt "$(grep -n '^## Summary' "$TMP/out" | cut -d: -f1)" ] ||
  fail "Markdown: rule errors not before the summary"
run 0 "$KBDIAG" "${ARGS[@]}" --format html
has "$TMP/out" "<h2>Rule errors</h2>"
has "$TMP/out" "level &lt;b&gt;&amp;&lt;/b&gt; too low"
has_not "$TMP/out" "level <b>"

# --strict: the report is still written, then exit 3; without a failing rule, --strict changes nothing.
run 3 "$KBDIAG" "${ARGS[@]}" --strict
has "$TMP/out" "Rule error:"
has "$TMP/err" "--strict: 1 rule\(s\) failed while running"
run 3 "$KBDIAG" "${ARGS[@]}" --strict --format json -o "$TMP/report.json"
[ -s "$TMP/report.json" ] || fail "--strict did not write the report"
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 --strict
has_not "$TMP/out" "Rule error"

# batch --strict: every record written, then exit 3 when a rule failed on any input; plain batch exits 0.
mkdir -p "$TMP/in"
run 0 "$KBDIAG" "${MINI[@]}" collect -q -o "$TMP/in/pc1.yaml" --fact mini.lm_level=1
run 0 "$KBDIAG" "${MINI[@]}" --kb "$OV" batch --error 0x963 "$TMP/in"
run 3 "$KBDIAG" "${MINI[@]}" --kb "$OV" batch --strict --error 0x963 "$TMP/in"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "batch --strict did not write the record"
has "$TMP/err" "--strict: a rule failed while running on 1 of 1 inputs"
run 0 "$KBDIAG" "${MINI[@]}" batch --strict --error 0x963 "$TMP/in"

# A rule file that does not compile: the diagnosis goes on without its rules (exit 0, the report says it was
# skipped); --strict refuses that, after writing the report or the records, naming the file and line.
OVB="$TMP/overlay_broken"
write_script_rule "$OVB" broken_rule "A rule whose file does not compile" broken judge
echo 'local M = {  function M.judge(ctx) end return M' >"$OVB/rules/broken.lua"
run 0 "$KBDIAG" "${MINI[@]}" --kb "$OVB" infer --error 0x963 --fact mini.lm_level=1
has "$TMP/out" "rule broken_rule skipped: its script did not load"
run 3 "$KBDIAG" "${MINI[@]}" --kb "$OVB" infer --error 0x963 --fact mini.lm_level=1 --strict
has "$TMP/out" "rule broken_rule skipped"
has "$TMP/err" "--strict: rules did not load \(first: .*broken\.lua:1: error\[KB009\]"
run 3 "$KBDIAG" "${MINI[@]}" --kb "$OVB" batch --strict --error 0x963 "$TMP/in"
[ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "batch --strict with a broken rule file did not write the record"
has "$TMP/err" "--strict: rules did not load"
echo "ok"
