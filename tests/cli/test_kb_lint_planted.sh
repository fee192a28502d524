#!/usr/bin/env bash
# kb lint catches each planted mistake: one small overlay on kb_mini per check (tests/data/cli/lint_planted/*/),
# each with an `expect` file naming the code, severity, file:line:col and message. For every one: the text output
# has `file:line:col: severity[CODE]: message`, the offending source line and a caret under the column; the JSON
# output has the same code, file, line and column; errors exit 3, warnings exit 0 but 3 with --strict, notes
# (overrides) exit 0 and show in the OVERRIDES section, patches (KB019) in the OVERLAYS section. Every KB code of engine/core/diagnostic_codes.hpp must
# have a planted folder (KB012, an unusable folder, is checked at the end).
source "$(dirname "$0")/lib.sh"

PLANTED="$CLI_DATA/lint_planted"
CODES_HEADER="$DATA/../../engine/core/diagnostic_codes.hpp"

has_fixed() { grep -Fq -- "$2" "$1" || { echo "--- $1:" >&2; head -c 4000 "$1" >&2; fail "'$2' not found in $1"; }; }

# The text output shows the diagnostic line, then (after any "in ..." lines) the source line and a caret.
check_snippet() {
  local out=$1 loc=$2 src_file=$3 line=$4 column=$5
  local source_line caret
  source_line=$(sed -n "${line}p" "$src_file")
  caret="$(printf '%*s' $((column - 1)) '')^"
  awk -v head="$loc: " -v src="  | $source_line" -v caret="  | $caret" '
    index($0, head) == 1 { found = 1; state = 1; next }
    state == 1 && /^  in / { next }
    state == 1 { state = ($0 == src) ? 2 : 0; if (state == 0) bad = "snippet: " $0; next }
    state == 2 { if ($0 == caret) ok = 1; else bad = "caret: [" $0 "]"; state = 0 }
    END { if (!found) { print "no diagnostic line"; exit 1 } if (!ok) { print bad; exit 1 } }
  ' "$out" >"$TMP/snippet.err" || fail "$loc: snippet or caret wrong: $(cat "$TMP/snippet.err")"
}

# The JSON diagnostic with this code has this column, file and line (keys are sorted: code, column, file, line).
check_json_location() {
  local out=$1 code=$2 file=$3 line=$4 column=$5
  grep -F -A3 "\"code\": \"$code\"" "$out" | tr -d ' \n' >"$TMP/json.flat"
  has_fixed "$TMP/json.flat" "\"code\":\"$code\",\"column\":$column,\"file\":\"$file\",\"line\":$line"
}

checked=()
for dir in "$PLANTED"/*/; do
  dir=${dir%/}
  name=$(basename "$dir")
  code='' severity='' file='' line='' column='' message=''
  # shellcheck disable=SC1091
  source "$dir/expect"
  [ -n "$code" ] && [ -n "$file" ] && [ -n "$line" ] || fail "$name/expect is incomplete"
  checked+=("$code")
  path="$dir/$file"
  loc="$path:$line"
  [ "$column" -gt 0 ] && loc="$loc:$column"
  LINT=("$KBDIAG" "${MINI[@]}" --kb "$dir" kb lint)

  case "$severity" in
    error)
      run 3 "${LINT[@]}"
      grep -F "$loc: error[$code]: " "$TMP/out" | grep -Fq -- "$message" ||
        { cat "$TMP/out" >&2; fail "$name: no '$loc: error[$code]: ...$message...'"; }
      has "$TMP/out" "FAILED"
      has_not "$TMP/out" "^root:|  \| root:"   # a path out of the folder is refused, never opened and quoted
      run 3 "${LINT[@]}" --format json
      has "$TMP/out" '"ok": false'
      ;;
    warning)
      run 0 "${LINT[@]}"
      grep -F "$loc: warning[$code]: " "$TMP/out" | grep -Fq -- "$message" ||
        { cat "$TMP/out" >&2; fail "$name: no '$loc: warning[$code]: ...$message...'"; }
      run 3 "${LINT[@]}" --strict
      has_fixed "$TMP/out" "$loc: error[$code]: "
      has "$TMP/out" "strict: warnings count.*FAILED"
      run 3 "${LINT[@]}" --strict --format json
      has "$TMP/out" '"ok": false'
      ;;
    note)
      run 0 "${LINT[@]}" --strict
      grep -F "$loc: note[$code]: " "$TMP/out" | grep -Fq -- "$message" ||
        { cat "$TMP/out" >&2; fail "$name: no '$loc: note[$code]: ...$message...'"; }
      if [ "$code" = KB019 ]; then   # a patch: listed under OVERLAYS, not OVERRIDES
        has "$TMP/out" "^OVERLAYS"
        has_fixed "$TMP/out" "$dir: 1 patch change(s)"
        has_fixed "$TMP/out" "    - $path:$line: "
        run 0 "${LINT[@]}" --format json
        tr -d ' \n' <"$TMP/out" >"$TMP/json.flat"
        has_fixed "$TMP/json.flat" "\"overlays\":[{\"folder\":\"$dir\",\"patches\":[{\"change\":"
      else
        has "$TMP/out" "^OVERRIDES"
        has_fixed "$TMP/out" "$dir: overrides 1 item(s)"
        has_fixed "$TMP/out" "at $path:$line replaces $CLI_DATA/kb_mini/"
        run 0 "${LINT[@]}" --format json
        tr -d ' \n' <"$TMP/out" >"$TMP/json.flat"
        has_fixed "$TMP/json.flat" "\"folder\":\"$dir\",\"overrides\":[{\"id\":"
      fi
      ;;
    *) fail "$name: unknown severity '$severity'" ;;
  esac
  # The snippet and caret, and the JSON location (strict: warnings print as errors; notes stay notes).
  "${LINT[@]}" --strict >"$TMP/text" 2>&1 || true
  if [ "$column" -gt 0 ]; then check_snippet "$TMP/text" "$loc" "$path" "$line" "$column"; fi
  "${LINT[@]}" --strict --format json >"$TMP/json" 2>&1 || true
  check_json_location "$TMP/json" "$code" "$path" "$line" "$column"
done

# Every KB code (but KB012, below) has its planted mistake.
for code in $(grep -Eo '"KB0[0-9]+"' "$CODES_HEADER" | tr -d '"' | sort -u); do
  [ "$code" = KB012 ] && continue
  grep -qx "$code" <<<"$(printf '%s\n' "${checked[@]}")" || fail "no planted mistake in $PLANTED for $code"
done

# KB012: a --kb folder that does not exist makes the knowledge base unusable.
run 3 "$KBDIAG" "${MINI[@]}" --kb "$TMP/no-such-folder" kb lint
has "$TMP/err" "no-such-folder.*KB012"

# A folder that only adds is listed as overriding nothing; JSON lists every folder after the first.
run 0 "$KBDIAG" "${MINI[@]}" --kb "$PLANTED/kb015_unused_fix" kb lint
has_fixed "$TMP/out" "$PLANTED/kb015_unused_fix: overrides nothing (only adds)"
echo "ok"
