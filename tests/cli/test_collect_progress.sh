#!/usr/bin/env bash
# `kbdiag collect` on a terminal shows each collector's status line as that collector finishes, not the whole
# table at the end; without a terminal the output is the ordered table, as before.
# The terminal is a real pseudo-terminal (`script` from util-linux/bsdutils). A slow collector is made
# deterministic without sleeps deciding anything: linux.samba_client runs a stand-in testparm that waits until
# this test has SEEN another collector's line on the terminal, and only then answers. So if the lines were
# printed only at the end, the test would never see one while collect runs and fails (after 20 s) instead.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || fail "script (util-linux, Debian package bsdutils) is not installed"

# The stand-in testparm: waits for $KBDIAG_TEST_GO to exist (30 s at most), then prints canned output.
slow=$TMP/slow-testparm.sh
cat >"$slow" <<'EOF'
#!/bin/sh
i=0
while [ ! -e "$KBDIAG_TEST_GO" ]; do
  i=$((i + 1))
  [ "$i" -gt 300 ] && exit 3
  sleep 0.1
done
exec "$KBDIAG_TEST_OK" "$@"
EOF
chmod +x "$slow"
export KBDIAG_TEST_GO=$TMP/go KBDIAG_TEST_OK=$DATA/collect/fake-testparm-ok.sh
tree=$DATA/collect/tree

# collect_on_pty OUT REDIRECT: runs collect in a pseudo-terminal in the background; its terminal output in OUT.
collect_on_pty() {
  local out=$1 redirect=$2 cmd
  cmd=$(printf '%q ' env KBDIAG_TESTPARM="$slow" "$KBDIAG" collect -o "$TMP/pty-snapshot.yaml" --root "$tree" \
    --time-limit 60000)
  script -qfec "$cmd $redirect" /dev/null </dev/null >"$out" 2>&1 &
  pty_pid=$!
}

# wait_for FILE PATTERN SECONDS: true once FILE has a line matching PATTERN.
wait_for() {
  local i=0
  while ! grep -Eq -- "$2" "$1"; do
    i=$((i + 1))
    [ "$i" -gt $(($3 * 10)) ] && return 1
    sleep 0.1
  done
}

# 1. Both stdout and stderr on the terminal: progress lines, then only the summary.
rm -f "$KBDIAG_TEST_GO"
collect_on_pty "$TMP/pty.out" ""
wait_for "$TMP/pty.out" '^host\.info +ok ' 20 || { cat "$TMP/pty.out" >&2; fail "no host.info line on the terminal while collect was running"; }
# testparm is still waiting for us, so collect cannot have finished: its line must not be there yet.
kill -0 "$pty_pid" 2>/dev/null || fail "collect ended before the test let testparm answer"
has_not "$TMP/pty.out" '^linux\.samba_client '
has_not "$TMP/pty.out" '^Wrote '
touch "$KBDIAG_TEST_GO"
wait "$pty_pid" || fail "collect in the pseudo-terminal exited $?"
tr -d '\r' <"$TMP/pty.out" >"$TMP/pty.txt"
has "$TMP/pty.txt" '^linux\.samba_client +ok '
has "$TMP/pty.txt" '^Wrote [0-9]+ facts'
# The header once, every collector once (no second table), samba_client last: the order they finished in.
[ "$(grep -c '^collector  ' "$TMP/pty.txt")" -eq 1 ] || fail "the header should appear once on the terminal"
lines=$(grep -E '^(host\.info|target|linux\.cifs|linux\.samba_client|probe\.smb|import|manual) ' "$TMP/pty.txt" | awk '{print $1}')
[ "$(sort <<<"$lines" | uniq -d)" = "" ] || fail "a collector's line appeared twice: $(echo $lines)"
[ "$(wc -l <<<"$lines")" -eq 7 ] || fail "expected 7 collector lines, got: $(echo $lines)"
[ "$(tail -1 <<<"$lines")" = "linux.samba_client" ] || fail "linux.samba_client finished last but was not printed last: $(echo $lines)"
# The snapshot keeps the registry's order whatever the order of finishing.
order=$(grep -Eo '^  - \{id: [a-z._]+' "$TMP/pty-snapshot.yaml" | sed 's/.*id: //' | tr '\n' ' ')
[ "$order" = "host.info target linux.cifs linux.samba_client probe.smb import manual " ] \
  || fail "snapshot collectors not in registry order: $order"

# 2. stdout to a file, stderr on the terminal: progress on the terminal, and the ordered table in the file.
rm -f "$KBDIAG_TEST_GO"
collect_on_pty "$TMP/pty2.out" "> $(printf '%q' "$TMP/stdout.log")"
wait_for "$TMP/pty2.out" '^host\.info +ok ' 20 || fail "no progress on the terminal when stdout is a file"
touch "$KBDIAG_TEST_GO"
wait "$pty_pid" || fail "collect (stdout to a file) exited $?"
has "$TMP/stdout.log" '^collector +status +time +message'
table=$(grep -E '^(host\.info|target|linux\.cifs|linux\.samba_client|probe\.smb|import|manual) ' "$TMP/stdout.log" | awk '{print $1}' | tr '\n' ' ')
[ "$table" = "host.info target linux.cifs linux.samba_client probe.smb import manual " ] \
  || fail "the table in the file is not in registry order: $table"
has "$TMP/stdout.log" '^Wrote [0-9]+ facts'

# 3. No terminal at all: exactly the old output, the ordered table on stdout, nothing on stderr about collectors.
touch "$KBDIAG_TEST_GO"
run 0 env KBDIAG_TESTPARM="$slow" "$KBDIAG" collect -o "$TMP/plain.yaml" --root "$tree"
has "$TMP/out" '^collector +status +time +message'
table=$(grep -E '^(host\.info|target|linux\.cifs|linux\.samba_client|probe\.smb|import|manual) ' "$TMP/out" | awk '{print $1}' | tr '\n' ' ')
[ "$table" = "host.info target linux.cifs linux.samba_client probe.smb import manual " ] \
  || fail "the table is not in registry order: $table"
has_not "$TMP/err" '^(collector|host\.info) '
# -q on a terminal: nothing at all about collectors.
script -qfec "$(printf '%q ' env KBDIAG_TESTPARM="$slow" "$KBDIAG" collect -q -o "$TMP/quiet.yaml" --root "$tree")" \
  /dev/null </dev/null >"$TMP/quiet.out" 2>&1 || fail "collect -q on a terminal failed"
has_not "$TMP/quiet.out" '^(collector|host\.info|Wrote) '
echo "ok"
