#!/usr/bin/env bash
# --help and --version work, document the exit codes, and unknown options are usage errors (exit 2).
source "$(dirname "$0")/lib.sh"

run 0 "$KBDIAG" --help
has "$TMP/out" "collect"
has "$TMP/out" "infer"
has "$TMP/out" "Exit codes"
for code in 0 1 2 3 4 5 6 7; do has "$TMP/out" "^  $code  "; done

run 0 "$KBDIAG" --version
has "$TMP/out" "^kbdiag [0-9]+\.[0-9]+\.[0-9]+"

run 0 "$KBDIAG" infer --help
has "$TMP/out" "--error"
has "$TMP/out" "--fact"
run 0 "$KBDIAG" kb --help
has "$TMP/out" "lint"
run 0 "$KBDIAG" collect --help
has "$TMP/out" "--target"

# Usage errors: exit 2.
run 2 "$KBDIAG" --no-such-option
run 2 "$KBDIAG" infer --no-such-option
run 2 "$KBDIAG" kb lint --bogus
run 2 "$KBDIAG"
run 2 "$KBDIAG" no-such-command
run 2 "$KBDIAG" infer --format xml
run 2 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact "no-equals-sign"
has "$TMP/err" "CLI001"
run 2 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact "=value"
run 2 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact "no.such.fact=1"
has "$TMP/err" "no.such.fact"
run 2 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact "mini.lm_level=not-a-number"
has "$TMP/err" "mini.lm_level"
echo "ok"
