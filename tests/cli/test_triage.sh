#!/usr/bin/env bash
# `kbdiag collect && kbdiag infer` with no error: a triage across the whole error family, exit 0, ranked causes
# with the step that narrows it down. The cause the facts point to comes first.
source "$(dirname "$0")/lib.sh"

# The product's own promise, verbatim: the default snapshot, no arguments.
run 0 "$KBDIAG" collect
run 0 "$KBDIAG" infer
has "$TMP/out" "--error"                          # the step that narrows it down
run 0 "$KBDIAG" infer --format json
has "$TMP/out" '"is_triage": true'
has "$TMP/out" '"problems_considered": [1-9][0-9]*'
has "$TMP/out" '"cause_id": "'
has "$TMP/out" '"next_steps": \['
has_not "$TMP/out" '"id": "other"'

# Facts that point: a Windows PC whose user changed the password on the server (the client keeps the old one saved).
run 0 "$KBDIAG" infer --fact host.os=windows --fact user.password_changed_recently=yes --format json --no-questions
first_cause=$(grep -m1 -E '^        "cause_id": ' "$TMP/out" | sed -E 's/.*: "([^"]+)".*/\1/')
[ "$first_cause" = "stale_saved_credential" ] || fail "top triage cause is '$first_cause', want stale_saved_credential"
grep -m1 -E '^        "evidence_factor": ' "$TMP/out" | grep -Eq ': ([2-9]|[1-9][0-9]+)(\.|,|$)' \
  || fail "the top cause's evidence factor is not above 2: $(grep -m1 evidence_factor "$TMP/out")"
first_code=$(grep -m1 -A1 -E '^        "codes": \[' "$TMP/out" | tail -1 | tr -d ' ",')
first_problem=$(grep -m1 -E '^        "problem_id": ' "$TMP/out" | sed -E 's/.*: "([^"]+)".*/\1/')
# The entry's first code is its own problem's: `--error` with it diagnoses that problem.
run 0 "$KBDIAG" infer --fact host.os=windows --error "$first_code" --format json --no-questions
grep -A4 '^  "problem": {' "$TMP/out" | grep -q "\"id\": \"$first_problem\"" || fail "--error $first_code did not diagnose $first_problem"
# The default view has no knowledge authors' weights in it.
run 0 "$KBDIAG" infer --fact host.os=windows --fact user.password_changed_recently=yes --no-questions
head -24 "$TMP/out" > "$TMP/screen"
has_not "$TMP/screen" 'LR [0-9]|\[S[0-9]+\]|story needs it'
has "$TMP/screen" "Credential Manager"

# The error named (here as a fact of the snapshot) ends the triage: a ranked diagnosis of that error.
run 0 "$KBDIAG" infer --fact error.code=0x963 --format json --no-questions
has "$TMP/out" '"is_triage": false'
has "$TMP/out" '"error": "0x963"'

# Linux facts: no Windows-only problem is considered.
run 0 "$KBDIAG" infer --fact host.os=linux --format json --no-questions
linux_n=$(grep -E '"problems_considered"' "$TMP/out" | grep -Eo '[0-9]+')
run 0 "$KBDIAG" infer --fact host.os=windows --format json --no-questions
windows_n=$(grep -E '"problems_considered"' "$TMP/out" | grep -Eo '[0-9]+')
[ "$linux_n" -lt "$windows_n" ] || fail "linux considered $linux_n problems, windows $windows_n"
echo "ok"
