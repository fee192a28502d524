# The C API's report is the command line's: kbdiag_diagnose() on a snapshot gives byte for byte what
# `kbdiag infer --format json` prints for it, with and without an error code and questions.
#   same_as_cli.sh KBDIAG_BINARY KBDIAG_CAPI_TESTS CAPI_DATA_DIR
set -euo pipefail
KBDIAG=${1:?usage: $0 KBDIAG_BINARY KBDIAG_CAPI_TESTS CAPI_DATA_DIR}
CAPI=${2:?}
DATA=${3:?}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-capi.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
unset KBDIAG_KNOWLEDGE
export NO_COLOR=1 LC_ALL=C.UTF-8

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# compare SNAPSHOT [CODE] [--no-questions]
compare() {
  local snapshot="$DATA/$1" code=${2:-} questions=${3:-}
  local cli_args=(infer --format json "$snapshot") capi_args=(--report "$snapshot")
  [ -n "$code" ] && cli_args+=(--error "$code") && capi_args+=("$code")
  [ -n "$questions" ] && cli_args+=(--no-questions) && capi_args+=(--no-questions)
  "$KBDIAG" "${cli_args[@]}" >"$TMP/cli.json" || fail "kbdiag ${cli_args[*]}: exit $?"
  "$CAPI" "${capi_args[@]}" >"$TMP/capi.json" || fail "C API ${capi_args[*]}: exit $?"
  [ -s "$TMP/cli.json" ] || fail "kbdiag ${cli_args[*]}: no output"
  diff -u "$TMP/cli.json" "$TMP/capi.json" >&2 || fail "$1 ${code:-(no code)} ${questions}: reports differ"
  echo "ok: $1 ${code:-(no code)} ${questions}"
}

compare signing.json
compare signing.json "" --no-questions
compare signing.json 0x00000056
compare triage.json
compare triage.json 0xC000A000 --no-questions
