#!/usr/bin/env bash
# The output schemas (schemas/kbdiag-*-1.schema.json). Every CLI test validates each JSON output and snapshot it
# makes kbdiag write (lib.sh runs kbdiag through tests/schemas/checked-kbdiag.sh); this test shows that check
# has teeth and that the schemas agree with kbdiag itself:
#   - planted wrong outputs (tests/schemas/invalid-output) are rejected, for exactly the planted reason, and the
#     hand-written examples (tests/schemas/valid-output) are accepted;
#   - the checker fails a kbdiag that writes a wrong report, a wrong snapshot or JSON without a schema id;
#   - the schemas' enums list exactly the values the C++ source writes;
#   - a snapshot `collect` writes is the same document as YAML and as JSON: both validate and `infer` reads
#     both to the same facts; the example snapshots are read without a diagnostic;
#   - fact values keep their types in the report's JSON (true, 22631, "text", null when absent).
source "$(dirname "$0")/lib.sh"

SCHEMA_TESTS=$(cd "$(dirname "$0")/../schemas" && pwd)
PY=/usr/bin/python3
validate() { "$PY" "$SCHEMA_TESTS/validate_output.py" "$@"; }

# Planted wrong outputs and hand-written examples.
shopt -s nullglob
planted=("$SCHEMA_TESTS"/invalid-output/*.json "$SCHEMA_TESTS"/invalid-output/*.yaml)
[ "${#planted[@]}" -ge 10 ] || fail "expected at least 10 planted outputs, found ${#planted[@]}"
validate --expect-invalid "${planted[@]}" >"$TMP/planted" || { cat "$TMP/planted" >&2; fail "a planted output was not rejected as expected"; }
validate --expect-valid "$SCHEMA_TESTS"/valid-output/* >"$TMP/valid" || { cat "$TMP/valid" >&2; fail "an example was rejected"; }
"$PY" "$SCHEMA_TESTS/output_enums.py" "$SCHEMA_TESTS/../.." >"$TMP/enums" || { cat "$TMP/enums" >&2; fail "schema enums differ from the source"; }

# The checker itself, around a fake kbdiag: it must fail the call (exit 70) and record the violation.
cat >"$TMP/fake-kbdiag" <<SH
#!/usr/bin/env bash
# A kbdiag that writes wrong documents: to the file after -o, else to stdout.
out=/dev/stdout
for ((i = 1; i < \$#; i++)); do [ "\${!i}" != -o ] || { j=\$((i + 1)); out=\${!j}; }; done
case "\$*" in
  *collect*) cat "$SCHEMA_TESTS/invalid-output/snapshot-unknown-state.yaml" ;;
  *lint*) echo '{"ok": true}' ;;
  *) cat "$SCHEMA_TESTS/invalid-output/report-known-fact-without-value.json" ;;
esac >"\$out"
SH
chmod +x "$TMP/fake-kbdiag"
fake_check() {   # fake_check WHAT ARGS...: the checked fake must exit 70 and record a failure naming WHAT
  local rc=0
  KBDIAG_REAL="$TMP/fake-kbdiag" KBDIAG_OUTPUT_CHECK_FAILURES="$TMP/fake.failures" \
    bash "$SCHEMA_TESTS/checked-kbdiag.sh" "${@:2}" >"$TMP/fake.out" 2>"$TMP/fake.err" || rc=$?
  [ "$rc" -eq 70 ] || fail "checked fake 'kbdiag ${*:2}': exit $rc, expected 70"
  has "$TMP/fake.failures" "$1"
  rm -f "$TMP/fake.failures"
}
fake_check "facts/3/value: None should not be valid" infer --error 0x963 --format json
fake_check "facts/3/value: None should not be valid" infer --error 0x963 --format=json -o "$TMP/fake.json"
fake_check "facts/windows.build/state: 'unknown' is not one of" collect -o "$TMP/fake-snap.yaml"
fake_check 'no "schema" field' kb lint --format json
# ...and the real one passes the same calls (the stdout copy is the document kbdiag printed, unchanged).
run 0 "$KBDIAG" "${MINI[@]}" kb lint --format json
"$KBDIAG_REAL" "${MINI[@]}" kb lint --format json | cmp -s - "$TMP/out" || fail "the checked stdout differs from kbdiag's"

# A collected snapshot, as YAML (checked by lib.sh) and converted to JSON: both valid, both read the same.
run 0 "$KBDIAG" collect -q --error 0x963 -o "$TMP/snap.yaml" --fact user.password_changed_recently=yes \
  --fact windows.build=22631
"$PY" - "$SCHEMA_TESTS" "$TMP/snap.yaml" "$TMP/snap.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
import yaml
from validate import Yaml12Loader
with open(sys.argv[2], encoding="utf-8") as f:
    snapshot = yaml.load(f, Loader=Yaml12Loader)
with open(sys.argv[3], "w", encoding="utf-8") as f:
    json.dump(snapshot, f, indent=1)
PY
validate --expect kbdiag-snapshot "$TMP/snap.json" || fail "the snapshot as JSON does not validate"
run 0 "$KBDIAG" infer "$TMP/snap.yaml" --format json
sed -e 's/"snapshot": ".*"/"snapshot": ""/' "$TMP/out" >"$TMP/from-yaml.json"
run 0 "$KBDIAG" infer "$TMP/snap.json" --format json
sed -e 's/"snapshot": ".*"/"snapshot": ""/' "$TMP/out" >"$TMP/from-json.json"
cmp -s "$TMP/from-yaml.json" "$TMP/from-json.json" || fail "infer read the JSON snapshot differently: $(diff "$TMP/from-yaml.json" "$TMP/from-json.json" | head -20)"
has_not "$TMP/from-json.json" '"code": "SNAP'

# The example snapshots are what kbdiag reads without a diagnostic (schema and reader agree).
for example in "$SCHEMA_TESTS"/valid-output/snapshot.*; do
  run 0 "$KBDIAG" infer "$example" --error 0x963 --format json
  has_not "$TMP/out" '"code": "SNAP'
  has "$TMP/out" '"name": "windows.build",'
done

# Typed fact values: a boolean is true, an integer a number, a string a string, in facts[] and in the evidence's
# `facts` map alike (an absent fact is null with its state: tests/unit/test_report.cpp). Text keeps the display.
cat >"$TMP/mini-snap.yaml" <<'YAML'
schema: kbdiag-snapshot/1
facts:
  mini.password_changed: {value: true, source: import}
  mini.saved_credentials: {value: 2, source: import}
YAML
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/mini-snap.yaml" --error 0x963 --format json
tr -d ' \n' <"$TMP/out" >"$TMP/flat.json"
has "$TMP/flat.json" '\{"name":"mini.password_changed","note":"","source":"import","state":"known","value":true\}'
has "$TMP/flat.json" '\{"name":"mini.saved_credentials","note":"","source":"import","state":"known","value":2\}'
has "$TMP/flat.json" '"facts":\{"mini.password_changed":true,"mini.saved_credentials":2\}'
run 0 "$KBDIAG" infer "$SCHEMA_TESTS/valid-output/snapshot.yaml" --error 0x963 --format json
tr -d ' \n' <"$TMP/out" >"$TMP/flat.json"
has "$TMP/flat.json" '\{"name":"windows.build","note":"","source":"windows.os","state":"known","value":22631\}'
has "$TMP/flat.json" '\{"name":"windows.family","note":"","source":"derived:[a-z_]+","state":"known","value":"windows11"\}'
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/mini-snap.yaml" --error 0x963 --verbose
has "$TMP/out" "mini.password_changed = true"
has "$TMP/out" "mini.saved_credentials = 2"
echo "ok"
