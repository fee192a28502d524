# Shared helpers for the CLI end-to-end tests (sourced by tests/cli/test_*.sh; not a test itself).
# Each test is run as: bash test_x.sh KBDIAG_BINARY TESTS_DATA_DIR
# Plain bash + grep only: CI machines may have no python3 or jq.
set -euo pipefail

KBDIAG=${1:?usage: $0 KBDIAG_BINARY TESTS_DATA_DIR}
DATA=${2:?usage: $0 KBDIAG_BINARY TESTS_DATA_DIR}
CLI_DATA="$DATA/cli"
MINI=(--no-builtin-kb --kb "$CLI_DATA/kb_mini")

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# Never touch the user's real snapshot; never colour.
export KBDIAG_SNAPSHOT="$TMP/default-snapshot.yaml"
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
