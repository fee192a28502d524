#!/usr/bin/env bash
# Hostile snapshots, knowledge folders and text (issue 10 items 6-9, 15): each case ends within a generous time
# bound (timeout: only to catch hangs) and a memory bound (ulimit -v 1 GiB), with its exit code and a message
# naming file:line:col where there is one; no raw ESC byte reaches stdout or stderr. The inputs are made by
# tests/hostile/make_inputs.sh in $TMPDIR (the big ones are not committed).
source "$(dirname "$0")/lib.sh"

H="$TMP/hostile"
bash "$(dirname "$0")/../hostile/make_inputs.sh" "$H" "$CLI_DATA/kb_mini"

# A sanitizer build reserves terabytes of address space: a virtual memory limit would stop it at start.
MEMORY_LIMIT_KB=1048576
# (ldd read whole first: `ldd | grep -q` under pipefail fails when grep quits before ldd has written everything)
linked=$(ldd "$KBDIAG_REAL" 2>/dev/null || true)
if grep -Eq 'lib(a|t|ub)san' <<<"$linked"; then MEMORY_LIMIT_KB=unlimited; fi

# bounded EXPECTED_RC CMD... : like run, on the real binary (big outputs skip the schema check), within 120 s and
# 1 GiB of address space.
bounded() {
  local expected=$1
  shift
  local rc=0
  (ulimit -v "$MEMORY_LIMIT_KB"; exec timeout 120 "$KBDIAG_REAL" "$@") >"$TMP/out" 2>"$TMP/err" || rc=$?
  if [ "$rc" -ne "$expected" ]; then
    echo "--- stderr" >&2; head -c 2000 "$TMP/err" >&2 || true
    fail "expected exit $expected, got $rc (124: timeout; 134/139: out of memory): kbdiag $*"
  fi
}
no_escape_bytes() {
  local n
  n=$(cat "$TMP/out" "$TMP/err" | grep -c $'\x1b' || true)
  [ "$n" -eq 0 ] || fail "$n line(s) of output hold a raw ESC byte: $*"
  if grep -q $'\xc2\x9b' "$TMP/out" "$TMP/err"; then fail "output holds a raw C1 CSI: $*"; fi
}
KB() { echo --no-builtin-kb --kb "$H/$1"; }
OVERLAY() { echo --no-builtin-kb --kb "$CLI_DATA/kb_mini" --kb "$H/$1"; }

# 6. Alias bombs: refused at a place in the file, quickly and in little memory.
bounded 4 "${MINI[@]}" infer "$H/snap_alias_bomb.yaml" --error 0x963
has "$TMP/err" "snap_alias_bomb.yaml:4:[0-9]+: error\[SNAP001\].*alias"
bounded 3 $(KB kb_alias_bomb) kb lint
has "$TMP/out" "bomb.yaml:4:[0-9]+: error\[KB001\].*alias"

# 7. Snapshots without a size stop at the cap; an over-cap knowledge file is refused unread.
bounded 4 "${MINI[@]}" infer /dev/zero --error 0x963
has "$TMP/err" "/dev/zero: error\[SNAP005\].*larger than 67108864 bytes"
rc=0
(ulimit -v "$MEMORY_LIMIT_KB"; yes | timeout 120 "$KBDIAG_REAL" "${MINI[@]}" infer /dev/stdin --error 0x963) \
  >"$TMP/out" 2>"$TMP/err" || rc=$?
[ "$rc" -eq 4 ] || fail "a pipe that keeps writing: exit $rc, want 4"
has "$TMP/err" "error\[SNAP005\].*larger than"
# A batch input without newlines: one error record for the over-long line, that source ends, the next is read.
printf '{"schema": "kbdiag-snapshot/1", "host": {"name": "pc", "platform": "linux"}, "facts": {}}\n' > "$TMP/one.jsonl"
bounded 4 "${MINI[@]}" batch /dev/zero "$TMP/one.jsonl"
[ "$(wc -l < "$TMP/out")" -eq 2 ] || fail "batch /dev/zero then a good file: want 2 records, got $(wc -l < "$TMP/out")"
has "$TMP/out" 'line longer than 67108864 bytes.*the rest of /dev/zero is skipped"\},"input":"/dev/zero:1"'
has "$TMP/out" '"causes":\[\{"id".*"input":"'"$TMP"'/one.jsonl:1"'
bounded 3 $(KB kb_over_cap) kb lint
has "$TMP/out" "big.yaml: error\[KB012\].*larger than 16777216 bytes"

# 8. Long lines and values finish; text output shortens them.
bounded 0 "${MINI[@]}" infer "$H/snap_long_values.yaml" --error 0x963 --verbose
awk 'length > 2000 { exit 1 }' "$TMP/out" || fail "a text report line over 2,000 bytes"
bounded 0 "${MINI[@]}" infer "$H/snap_many_diagnostics.yaml" --error 0x963 --format json
[ "$(grep -c '"SNAP003"' "$TMP/out")" -eq 120000 ] || fail "120,000 unknown facts, not as many warnings"
has "$TMP/out" '"snippet": "  no.such.fact120000: \{value: 1'
bounded 0 $(KB kb_long_title) kb show long_title
has "$TMP/out" "more characters\)"

# 9. Escape sequences in a host name, a fact name, a knowledge title, a Lua note: visible, never raw.
bounded 0 "${MINI[@]}" infer "$H/snap_escapes.yaml" --error 0x963 --verbose
no_escape_bytes snapshot host name
has "$TMP/out" "snap_escapes.yaml:5:3: warning\[SNAP003\]"
has "$TMP/out" "bad.fact\\\\x1b\[2J"
bounded 0 "${MINI[@]}" infer "$H/snap_escapes.yaml" --error 0x963 --format json
no_escape_bytes JSON report
has "$TMP/out" 'ALL CLEAR \\u009b31m'   # JSON allows U+009B raw; kbdiag writes it as an escape (a CSI to a terminal)
python3 -c 'import json,sys; h = json.load(open(sys.argv[1]))["host"]; assert "\u009b31m" in h, h' "$TMP/out" \
  || fail "the escaped C1 control does not read back as U+009B"
bounded 0 "${MINI[@]}" batch --detail full < <(python3 -c '
import json; print(json.dumps({"schema": "kbdiag-snapshot/1", "host": {"name": "pc\u009b31m", "platform": "linux"},
  "facts": {"error.code": {"value": "0x963", "source": "manual"}}}))')
no_escape_bytes batch record
has "$TMP/out" 'pc\\u009b31m'
bounded 3 $(OVERLAY kb_escapes) kb lint
no_escape_bytes kb lint
has "$TMP/out" "escapes.yaml:8:11: error\[KB011\]: fact 'bad\\\\x1b\[2J'"
bounded 3 $(OVERLAY kb_escapes) kb show mini_level
no_escape_bytes kb show, diagnostics
# Without the broken fact the title itself is shown.
sed -i '/^facts:/,$d' "$H/kb_escapes/escapes.yaml"
bounded 0 $(OVERLAY kb_escapes) kb show mini_level
no_escape_bytes kb show
has "$TMP/out" 'LM level\\x1b\[2J\\x1b\[H ALL CLEAR \\u009b31m'
bounded 0 $(OVERLAY kb_escapes) infer "$H/snap_plain.yaml" --error 0x963 --verbose
no_escape_bytes text report with a hostile title
bounded 0 $(KB kb_lua_escapes) infer "$H/snap_plain.yaml" --error 0x963 --verbose
no_escape_bytes Lua note
has "$TMP/out" '\\x1b\[2J\\x1b\[H ALL CLEAR \\u009b'

# 15. Duplicate keys and second documents: a snapshot load error, a lint error, both at file:line:col.
bounded 4 "${MINI[@]}" infer "$H/snap_duplicate_key.yaml" --error 0x963
has "$TMP/err" "snap_duplicate_key.yaml:4:3: error\[SNAP001\].*duplicate key 'mini.lm_level' \(first at line 3\)"
bounded 4 "${MINI[@]}" infer "$H/snap_two_documents.yaml" --error 0x963
has "$TMP/err" "snap_two_documents.yaml:5:1: error\[SNAP001\].*second YAML document"
bounded 3 $(KB kb_duplicate_key) kb lint
has "$TMP/out" "dup.yaml:4:5: error\[KB001\].*duplicate key 'title' \(first at line 3\)"
bounded 3 $(KB kb_two_documents) kb lint
has "$TMP/out" "two.yaml:3:1: error\[KB001\].*second YAML document"

# 15. A likelihood ratio of 1e308: in the knowledge a lint error at its line; from Lua a rule error, and the
# report stays valid (no null, no 309-digit factor).
bounded 3 $(KB kb_huge_lr) kb lint
has "$TMP/out" "huge.yaml:7:[0-9]+: error\[KB011\].*'lr' is 1e\+308"
bounded 0 $(KB kb_lua_huge_lr) infer "$H/snap_plain.yaml" --error 0x963 --format json
has "$TMP/out" '"message": "rule .*the likelihood ratio must be a number within \[1e-09, 1000000000\], got 1e\+308"'
has_not "$TMP/out" "null|[0-9]{40}"
bounded 0 $(KB kb_lua_huge_lr) infer "$H/snap_plain.yaml" --error 0x963 --verbose
has_not "$TMP/out" "[0-9]{40}"

echo "hostile inputs: ok"
