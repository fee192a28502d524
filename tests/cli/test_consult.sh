#!/usr/bin/env bash
# kbdiag consult through a real pseudo-terminal (util-linux `script`): it asks questions in plain words, takes
# answers, re-ranks, saves each answer into the snapshot as a manual fact, and ends with the plan. A resumed
# consultation does not ask again what was answered. Without a terminal it refuses with exit 2.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || fail "util-linux 'script' (Debian bsdutils) is needed for the pty test"

# Without a terminal: a clear refusal, exit 2.
run 2 "$KBDIAG" consult --error 0x963 </dev/null
has "$TMP/err" "needs a terminal"

run 0 "$KBDIAG" collect -o "$TMP/snap.yaml"
cp "$TMP/snap.yaml" "$TMP/snap-before.yaml"

# consult_pty ANSWERS ARGS...: runs consult in a pty fed ANSWERS (one per line); transcript in $TMP/pty.
consult_pty() {
  local answers=$1
  shift
  local cmd
  cmd=$(printf '%q ' "$KBDIAG" consult "$@")
  local rc=0
  printf '%b' "$answers" | timeout 60 script -qefc "$cmd" /dev/null >"$TMP/pty" 2>&1 || rc=$?
  tr -d '\r' <"$TMP/pty" >"$TMP/pty.txt"
  [ "$rc" -eq 0 ] || { head -c 4000 "$TMP/pty.txt" >&2; fail "consult exited $rc"; }
}

# No error known: the first question is which error; then questions about the error's causes.
consult_pty 'bogus\n0x963\ny\nn\ns\n?\nq\n' "$TMP/snap.yaml"
has "$TMP/pty.txt" "Which error code or message"
has "$TMP/pty.txt" "No problem in the knowledge base has that code"     # 'bogus' is re-asked
has "$TMP/pty.txt" "Now most likely: "                                  # re-ranked after an answer
has "$TMP/pty.txt" "s = skip, \? = don't know, q = stop asking"
has "$TMP/pty.txt" "Fix plan|FIX PLAN|[Pp]lan"                          # the plan is shown at the end
# Every question asked ends with a question mark (plain words, not fact ids).
questions=$(grep -B1 -E '^  \[.*q = stop asking\] >' "$TMP/pty.txt" | grep -vE '^  \[|^--$' || true)
# Answered yes and no: the first two questions after the error question.
answered=$(grep -v 'Which error code or message' <<<"$questions" | awk '!seen[$0]++' | head -2)
[ "$(wc -l <<<"$answered")" -eq 2 ] || fail "expected two answered questions, got: $answered"
[ -n "$questions" ] || fail "no question found in the transcript"
while IFS= read -r q; do
  case "$q" in *\?) ;; *) fail "not a plain question: '$q'" ;; esac
done <<<"$questions"

# The answers are in the snapshot as manual facts; the collected facts are still there.
has "$TMP/snap.yaml" "error.code"
has "$TMP/snap.yaml" "kbdiag consult"
n_manual=$(grep -c "kbdiag consult" "$TMP/snap.yaml")
[ "$n_manual" -ge 3 ] || fail "expected the error and two answers saved, found $n_manual"
has "$TMP/snap.yaml" "host.os"

# The saved snapshot is a normal snapshot: infer reads it and diagnoses the error it names.
run 0 "$KBDIAG" infer "$TMP/snap.yaml" --format json --no-questions
has "$TMP/out" '"is_triage": false'

# Resumed: what was answered is not asked again, and the error is not asked.
consult_pty 'q\n' "$TMP/snap.yaml"
has_not "$TMP/pty.txt" "Which error code or message"
has "$TMP/pty.txt" "q = stop asking"                                     # it still asks what is left
while IFS= read -r q; do
  has_not "$TMP/pty.txt" "$(sed 's/[][\.*^$?+(){}|]/\\&/g' <<<"$q")"  # ...but not what was answered
done <<<"$answered"
echo "ok"
