#!/usr/bin/env bash
# The first screen: `kbdiag infer --error 0x963` on a fixed Windows snapshot prints its summary in the first 24
# lines - the top cause with a probability, the plan's first fix with its first step, a next check - in plain
# words (no LR figures, no fact ids); the server probe is offered as a command with the snapshot's share filled in.
# A hostile host name ("\e[2J\e[31mALL CLEAR") reaches the terminal escaped, never as raw escape codes.
source "$(dirname "$0")/lib.sh"

cat >"$TMP/win.yaml" <<'YAML'
schema: kbdiag-snapshot/1
created: 2026-01-10T09:00:00Z
kbdiag_version: 0.1.0
host: {name: "\e[2J\e[31mALL CLEAR", platform: windows}
collectors:
  - {id: host.info, status: ok, duration_ms: 3, message: ""}
  - {id: target, status: ok, duration_ms: 0, message: ""}
facts:
  host.name: {value: "\e[2J\e[31mALL CLEAR", source: host.info}
  host.os: {value: windows, source: host.info}
  target.server: {value: nas01, source: target}
  target.share: {value: public, source: target}
  target.path: {value: '\\nas01\public', source: target}
  windows.build: {value: 26100, source: windows.os}
YAML

run 0 "$KBDIAG" infer "$TMP/win.yaml" --error 0x963
cp "$TMP/out" "$TMP/report.txt"
head -n 24 "$TMP/report.txt" >"$TMP/screen.txt"
fits_columns "$TMP/report.txt" 80

# The answer: the summary, and the top cause with its probability.
has "$TMP/screen.txt" "^SUMMARY"
has "$TMP/screen.txt" "^Most likely:"
top=$(grep -A1 "^Most likely:" "$TMP/screen.txt" | tail -1)
[[ "$top" =~ ^\ +[0-9]+\.[0-9]%\ \ [A-Z] ]] || fail "no cause with a probability after 'Most likely:': $top"
# The first cause of the summary is the first of LIKELY CAUSES further down.
top_title=$(sed -E 's/^ +[0-9.]+%  //' <<<"$top")
grep -A1 "^LIKELY CAUSES" "$TMP/report.txt" | grep -qF -- "$top_title" || fail "summary's top cause is not LIKELY CAUSES' first: $top_title"

# The next step: the plan's first fix (its title as FIX PLAN prints it) and its first step.
plan_first=$(grep -A1 "^FIX PLAN" "$TMP/report.txt" | tail -1 | sed -E 's/^  1\. //')
[ -n "$plan_first" ] || fail "no first fix in FIX PLAN"
# Titles wrap differently in the two places: compare their first few words.
fix_start=$(cut -d' ' -f1-6 <<<"$plan_first")
grep -E "^(Then fix|Fix first): " "$TMP/screen.txt" | grep -qF -- "$fix_start" ||
  fail "the first fix '$fix_start' is not in the first 24 lines"
# (awk reads to the end: an early-exiting reader would SIGPIPE the writer, which pipefail counts as a failure)
plan_step=$(awk '/^FIX PLAN/ { plan = 1 } plan && /^     a\) / { sub(/^     a\) /, ""); print; exit }' "$TMP/report.txt")
[ -n "$plan_step" ] || fail "the first fix has no steps in FIX PLAN"
step_start=$(cut -d' ' -f1-5 <<<"$plan_step")
grep -E '^  a\) ' "$TMP/screen.txt" | grep -qF -- "$step_start" || fail "first step '$step_start' not in the first 24 lines"

# A next check, before or after the fix; here the server probe, as a command with the snapshot's share.
has "$TMP/screen.txt" "^(Check first|Worth knowing too) \("
has "$TMP/report.txt" 'kbdiag collect --error 0x963 --target \\\\nas01\\public'

# Plain words on the first screen: no LR figures, no fact ids, no "What is fact.id?" stand-ins.
has_not "$TMP/screen.txt" "×|÷"
has_not "$TMP/screen.txt" "\b(server|user|host|windows|lsa|smb_client|credman|net|target|events)\.[a-z_0-9]{3,}"
has_not "$TMP/report.txt" "What is [a-z_]+\.[a-z_.]+\?"
has_not "$TMP/report.txt" "×|÷"

# --verbose keeps the numbers and ids for knowledge authors.
run 0 "$KBDIAG" infer "$TMP/win.yaml" --error 0x963 --verbose
has "$TMP/out" "^SUMMARY"
has "$TMP/out" "fact [a-z_]+\.[a-z_.]+; could save"
fits_columns "$TMP/out" 80

# The hostile host name: escaped, no raw ESC (colour is off here), in both views.
for view in "" --verbose; do
  run 0 "$KBDIAG" infer "$TMP/win.yaml" --error 0x963 $view
  has_not "$TMP/out" $'\x1b'
  has "$TMP/out" 'Host: +\\x1b\[2J\\x1b\[31mALL CLEAR'
done
# On a terminal with colour: the only escape sequences are the reporter's own colours.
if command -v script >/dev/null 2>&1; then
  cmd="$(printf '%q ' "$KBDIAG" infer "$TMP/win.yaml" --error 0x963)"
  env -u NO_COLOR TERM=xterm script -qec "$cmd" /dev/null >"$TMP/tty.txt" 2>&1 || true
  has "$TMP/tty.txt" $'\x1b\\[1m'
  foreign=$(grep -aoE $'\x1b[^m]{0,8}.' "$TMP/tty.txt" | grep -avE $'^\x1b\\[(0|1|2|31|32|33)m$' | sort -u || true)
  [ -z "$foreign" ] || fail "escape sequences the reporter did not write: $(printf '%q' "$foreign")"
  has "$TMP/tty.txt" 'ALL CLEAR'
fi

# The JSON report carries the same summary.
run 0 "$KBDIAG" infer "$TMP/win.yaml" --error 0x963 --format json
has "$TMP/out" '^  "summary": \{'
has "$TMP/out" '"next_check": \{'
has "$TMP/out" '"first_fix": \{'
echo "ok"
