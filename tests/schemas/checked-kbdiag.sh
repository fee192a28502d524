#!/usr/bin/env bash
# Runs kbdiag ($KBDIAG_REAL) with the given arguments and validates every JSON document and snapshot it wrote
# against the versioned schemas in schemas/ (validate_output.py). The CLI and Samba tests run kbdiag through this,
# so no JSON output the test suite produces goes unchecked:
#   - `--format json` output on stdout (infer, kb lint, kb test, kb facts, kb show), or in the -o FILE of infer;
#   - the records `batch` wrote (JSON Lines, every line) and its `--summary --format json`;
#   - the snapshot `collect` wrote (-o FILE, else $KBDIAG_SNAPSHOT), when it exits 0;
#   - the snapshot `consult` saved its answers to (--save FILE, else the SNAPSHOT it read, else $KBDIAG_SNAPSHOT),
#     when it changed.
# Everything else passes through unchanged: arguments, stdin, stderr, the exit code, and stdout itself — text
# output goes straight to the caller's stdout (a terminal stays a terminal); JSON on stdout is captured, checked,
# then copied out.
# A violation is printed on stderr and appended to $KBDIAG_OUTPUT_CHECK_FAILURES (when set), and the exit code
# becomes 70; lib.sh fails the test at exit when that file is not empty, even if the test ignored the exit code.
# Each checked file is logged to $KBDIAG_OUTPUT_CHECK_LOG (when set).
set -uo pipefail

real=${KBDIAG_REAL:?set KBDIAG_REAL to the kbdiag binary}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# What the arguments ask for: the subcommand (collect, consult, infer, lint, test, facts, show: the first word that is
# not an option, or the one after "kb"), the format, -o FILE. Only global options (--kb DIR, --no-builtin-kb)
# come before the subcommand, so a value after it ("--error collect") is never taken for one.
command="" format="" output="" help="" save="" snapshot_arg=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  arg=${args[i]}
  case $arg in
    --kb | --color) i=$((i + 1)) ;;
    --format) format=${args[i + 1]:-}; i=$((i + 1)) ;;
    --format=*) format=${arg#--format=} ;;
    -o | --output) output=${args[i + 1]:-}; i=$((i + 1)) ;;
    --output=*) output=${arg#--output=} ;;
    --save) save=${args[i + 1]:-}; i=$((i + 1)) ;;
    --error | -e | --fact) i=$((i + 1)) ;;   # values that could look like a SNAPSHOT argument
    -h | --help | -V | --version) help=yes ;;
    -*) ;;
    *) if [ -z "$command" ] || [ "$command" = kb ]; then command=$arg
       elif [ -z "$snapshot_arg" ]; then snapshot_arg=$arg; fi ;;
  esac
done
[ -z "$help" ] || exec "$real" "$@"   # help and version text: nothing to check
case $command in
  collect | consult) expect=kbdiag-snapshot ;;
  infer) expect=kbdiag-report ;;
  lint) expect=kbdiag-lint ;;
  test) expect=kbdiag-scenarios ;;
  facts) expect=kbdiag-facts ;;
  show) expect=kbdiag-show ;;
  *) expect="" ;;
esac

check() {   # check FILE WHAT [--lines]: validates FILE (which kbdiag wrote as WHAT) against the schema it names
  local result
  if result=$(/usr/bin/python3 "$here/validate_output.py" ${3:-} --expect "$expect" "$1" 2>&1); then
    [ -z "${KBDIAG_OUTPUT_CHECK_LOG:-}" ] || echo "$expect: $2" >>"$KBDIAG_OUTPUT_CHECK_LOG"
    return 0
  fi
  local message="the $2 of 'kbdiag ${args[*]}' does not match its schema:"$'\n'"$result"
  echo "checked-kbdiag: $message" >&2
  [ -z "${KBDIAG_OUTPUT_CHECK_FAILURES:-}" ] || echo "$message" >>"$KBDIAG_OUTPUT_CHECK_FAILURES"
  return 1
}

rc=0
# batch: JSON Lines records (kbdiag-batch/1) on stdout or in -o FILE, each line checked; with --summary the records
# go to -o FILE only and stdout has the summary (kbdiag-batch-summary/1 with --format json, else text). Exit 4 (some
# inputs failed) still wrote records: they are checked too.
if [ "$command" = batch ]; then
  summary=""
  for arg in "${args[@]}"; do [ "$arg" != --summary ] || summary=yes; done
  captured=$(mktemp "${TMPDIR:-/tmp}/kbdiag-batch.XXXXXX")
  trap 'rm -f "$captured"' EXIT
  "$real" "$@" >"$captured" || rc=$?
  cat "$captured"
  [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] || exit "$rc"
  expect=kbdiag-batch
  if [ -n "$output" ] && [ -f "$output" ] && [ -s "$output" ]; then
    check "$output" "records $output" --lines || rc=70
  elif [ -z "$output" ] && [ -z "$summary" ] && [ -s "$captured" ]; then
    check "$captured" "records on stdout" --lines || rc=70
  fi
  if [ -n "$summary" ] && [ "$format" = json ]; then
    expect=kbdiag-batch-summary
    check "$captured" "summary on stdout" || rc=70
  fi
  exit "$rc"
fi
if [ "$format" = json ] && [ -z "$output" ]; then
  captured=$(mktemp "${TMPDIR:-/tmp}/kbdiag-json.XXXXXX")
  trap 'rm -f "$captured"' EXIT
  "$real" "$@" >"$captured" || rc=$?
  cat "$captured"
  # A usage or load error before any output leaves stdout empty (the message is on stderr): nothing to check.
  if [ -s "$captured" ] || [ "$rc" -eq 0 ]; then check "$captured" "stdout" || rc=70; fi
  exit "$rc"
fi

# consult rewrites a snapshot only when it saves an answer: compare before and after.
fingerprint() { if [ -f "$1" ]; then cksum <"$1"; else echo none; fi; }
if [ "$command" = consult ]; then
  saved=${save:-${snapshot_arg:-${KBDIAG_SNAPSHOT:-}}}
  before=$(fingerprint "$saved")
fi

"$real" "$@" || rc=$?
if [ "$rc" -eq 0 ] && [ "$command" = consult ] && [ -n "$saved" ] && [ "$(fingerprint "$saved")" != "$before" ]; then
  check "$saved" "saved snapshot $saved" || rc=70
elif [ "$rc" -eq 0 ] && [ "$command" = collect ]; then
  snapshot=${output:-${KBDIAG_SNAPSHOT:-}}
  if [ -z "$snapshot" ]; then
    echo "checked-kbdiag: collect without -o or \$KBDIAG_SNAPSHOT: the snapshot went somewhere unchecked" >&2
    rc=70
  else
    check "$snapshot" "snapshot $snapshot" || rc=70
  fi
elif [ "$rc" -eq 0 ] && [ "$format" = json ] && [ "$command" = infer ]; then
  check "$output" "report $output" || rc=70
fi
exit "$rc"
