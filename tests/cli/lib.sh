# Shared helpers for the CLI end-to-end tests (sourced by tests/cli/test_*.sh; not a test itself).
# Each test is run as: bash test_x.sh KBDIAG_BINARY TESTS_DATA_DIR
# Assertions are plain bash + grep. Every JSON output and snapshot kbdiag writes is validated against its schema in
# schemas/ on the way (tests/schemas/checked-kbdiag.sh; needs Debian's python3-jsonschema and python3-yaml).
set -euo pipefail

DATA=${2:?usage: $0 KBDIAG_BINARY TESTS_DATA_DIR}
CLI_DATA="$DATA/cli"
MINI=(--no-builtin-kb --kb "$CLI_DATA/kb_mini")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-cli.XXXXXX")
# $KBDIAG runs the binary through the schema check: an executable stub (also for `env`, `script -c`) that hands
# its arguments to checked-kbdiag.sh with the real binary. A violation fails the test, here at the latest.
export KBDIAG_REAL=${1:?usage: $0 KBDIAG_BINARY TESTS_DATA_DIR}
export KBDIAG_OUTPUT_CHECK_FAILURES="$TMP/output-check.failures" KBDIAG_OUTPUT_CHECK_LOG="$TMP/output-check.log"
KBDIAG="$TMP/kbdiag"
printf '#!/usr/bin/env bash\nexec bash %q "$@"\n' "$(cd "$(dirname "${BASH_SOURCE[0]}")/../schemas" && pwd)/checked-kbdiag.sh" >"$KBDIAG"
chmod +x "$KBDIAG"
finish() {
  local rc=$?
  if [ -s "$KBDIAG_OUTPUT_CHECK_FAILURES" ]; then
    echo "FAIL: kbdiag wrote output that does not match its schema:" >&2
    cat "$KBDIAG_OUTPUT_CHECK_FAILURES" >&2
    rc=1
  elif [ -s "$KBDIAG_OUTPUT_CHECK_LOG" ]; then
    echo "schemas: $(wc -l <"$KBDIAG_OUTPUT_CHECK_LOG") outputs valid ($(cut -d: -f1 "$KBDIAG_OUTPUT_CHECK_LOG" | sort | uniq -c | xargs))"
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap finish EXIT
# Never touch the user's real snapshot or knowledge cache (each test its own); never colour.
export KBDIAG_SNAPSHOT="$TMP/default-snapshot.yaml"
export XDG_CACHE_HOME="$TMP/xdg-cache"
export NO_COLOR=1
export LC_ALL=C.UTF-8

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# run EXPECTED_RC CMD... : runs CMD with stdout in $TMP/out, stderr in $TMP/err; checks the exit code.
run() {
  local expected=$1
  shift
  local rc=0
  "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
  if [ "$rc" -ne "$expected" ]; then
    echo "--- stdout" >&2; head -c 4000 "$TMP/out" >&2 || true
    echo "--- stderr" >&2; head -c 4000 "$TMP/err" >&2 || true
    fail "expected exit $expected, got $rc: $*"
  fi
}

# has FILE PATTERN (grep -E); has_not FILE PATTERN
has() { grep -Eq -- "$2" "$1" || { echo "--- $1:" >&2; head -c 4000 "$1" >&2; fail "'$2' not found in $1"; }; }
has_not() { if grep -Eq -- "$2" "$1"; then grep -En -- "$2" "$1" | head -5 >&2; fail "'$2' found in $1"; fi; }

# Every line of FILE fits in WIDTH columns (characters, not bytes).
fits_columns() {
  local file=$1 width=${2:-80} n=0 line
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    if [ "${#line}" -gt "$width" ]; then
      fail "$file line $n has ${#line} columns (> $width): $line"
    fi
  done <"$file"
}

# Checks that FILE (a JSON report) lists causes by non-increasing probability.
causes_sorted() {
  local file=$1 probs
  probs=$(grep -E '^      "probability": ' "$file" | sed -E 's/.*: ([-0-9.eE+]+),?$/\1/')
  [ -n "$probs" ] || fail "no cause probabilities in $file"
  [ "$probs" = "$(sort -g -r <<<"$probs")" ] || fail "causes not sorted by probability: $(echo $probs)"
}

# Writes an overlay DIR whose rules.yaml holds one scripted rule on the mini knowledge base ($MINI): rule ID
# (TITLE) runs FUNCTION of rules/FILE.lua, requires mini.lm_level and may give evidence for mini_level. The
# caller writes DIR/rules/FILE.lua.
write_script_rule() {
  local dir=$1 id=$2 title=$3 file=$4 function=$5
  mkdir -p "$dir/rules"
  cat >"$dir/rules.yaml" <<YAML
rules:
  - id: $id
    title: $title
    script: {file: rules/$file.lua, function: $function}
    requires: [mini.lm_level]
    causes: [mini_level]
YAML
}
