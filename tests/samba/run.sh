#!/usr/bin/env bash
# The server probe against real Samba on loopback: one smbd per configuration on 127.0.0.1, a high port,
# every path inside a temporary folder, users from nss_wrapper (no system account, no root needed).
#   bash tests/samba/run.sh KBDIAG_BINARY
# Needs the Debian packages samba, smbclient and libnss-wrapper (tools/scripts/setup.sh installs them):
# when one is missing the test FAILS - it never skips.
# Every smbd (and any samba-dcerpcd it spawned) started here is stopped on exit, by pid.
set -euo pipefail

KBDIAG=${1:?usage: $0 KBDIAG_BINARY}
export NO_COLOR=1 LC_ALL=C.UTF-8

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# ---- prerequisites (missing = failure) -------------------------------------------------------------
for tool in smbd smbpasswd smbclient; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] ||
    fail "'$tool' not found: install the Debian packages samba smbclient libnss-wrapper (tools/scripts/setup.sh)"
done
SMBD=$(command -v smbd || echo /usr/sbin/smbd)
NSS_WRAPPER_LIB=""
for candidate in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so /usr/lib64/libnss_wrapper.so; do
  [ -e "$candidate" ] && { NSS_WRAPPER_LIB=$candidate; break; }
done
[ -n "$NSS_WRAPPER_LIB" ] || fail "libnss_wrapper.so not found: install the Debian package libnss-wrapper"
[ -x "$KBDIAG" ] || fail "no kbdiag binary at $KBDIAG"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-samba.XXXXXX")
SMBD_PIDS=()

cleanup() {
  local rc=$?
  for pid in "${SMBD_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  # An IPC$ access spawns samba-dcerpcd, which outlives smbd: stop it by its pid file.
  for pidfile in "$TMP"/*/run/samba-dcerpcd.pid "$TMP"/*/state/run/samba-dcerpcd.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(head -c 32 "$pidfile" | tr -dc 0-9)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${SMBD_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    for log in "$TMP"/*/smbd.log; do
      [ -f "$log" ] && { echo "--- $log (tail)" >&2; tail -n 15 "$log" >&2; }
    done
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# nss_wrapper users: alice exists for Samba without touching /etc/passwd.
uid=$(id -u)
gid=$(id -g)
printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\nalice:x:%s:%s:alice:%s:/bin/false\n' \
  "$uid" "$gid" "$TMP" >"$TMP/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nusers:x:%s:alice\n' "$gid" >"$TMP/group"
export LD_PRELOAD="$NSS_WRAPPER_LIB" NSS_WRAPPER_PASSWD="$TMP/passwd" NSS_WRAPPER_GROUP="$TMP/group"

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Ports unlikely to collide with other jobs: a block chosen from this shell's pid, free ones only, below the
# kernel's ephemeral range (client connections - the probe's own - take their local ports from there, and
# an smbd cannot bind a port a connection is using).
ephemeral_low=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$ephemeral_low" -gt 12000 ] 2>/dev/null || ephemeral_low=32768
next_port=$((10000 + ($$ % ((ephemeral_low - 10000) / 16)) * 16))
free_port() {
  while port_busy "$next_port"; do next_port=$((next_port + 1)); done
  PORT=$next_port
  next_port=$((next_port + 1))
}

# start_smbd NAME EXTRA_GLOBAL_LINES: writes the configuration, starts smbd, waits for the port.
# Sets PORT and DIR.
start_smbd() {
  local name=$1 extra=$2
  DIR="$TMP/$name"
  mkdir -p "$DIR"/{run,lock,state,cache,private,ncalrpc,share,guest}
  free_port
  cat >"$DIR/smb.conf" <<EOF
[global]
  server role = standalone server
  workgroup = KBTEST
  netbios name = KB-${name^^}
  passdb backend = tdbsam:$DIR/private/passdb.tdb
  smb ports = $PORT
  interfaces = 127.0.0.1
  bind interfaces only = yes
  disable netbios = yes
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  pid directory = $DIR/run
  lock directory = $DIR/lock
  state directory = $DIR/state
  cache directory = $DIR/cache
  private dir = $DIR/private
  ncalrpc dir = $DIR/ncalrpc
  log file = $DIR/log.%m
  multicast dns register = no
$extra
[share]
  path = $DIR/share
  read only = no
  valid users = alice
[guest]
  path = $DIR/guest
  guest ok = yes
  read only = yes
EOF
  printf 'Secret-1\nSecret-1\n' | smbpasswd -c "$DIR/smb.conf" -a -s alice >/dev/null ||
    fail "$name: smbpasswd -a alice failed"
  local attempt pid
  for attempt in 1 2 3; do
    "$SMBD" --foreground --debug-stdout -s "$DIR/smb.conf" </dev/null >"$DIR/smbd.log" 2>&1 &
    pid=$!
    SMBD_PIDS+=("$pid")
    for _ in $(seq 100); do
      port_busy "$PORT" && return 0
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && fail "$name: smbd not listening on 127.0.0.1:$PORT after 5 s"
    # It exited: most likely the port was taken meanwhile. Try the next free one.
    grep -q "open_sockets_smbd" "$DIR/smbd.log" || fail "$name: smbd exited at start (see its log)"
    local old_port=$PORT
    free_port
    sed -i "s/^  smb ports = $old_port\$/  smb ports = $PORT/" "$DIR/smb.conf"
    echo "note: $name: port $old_port was taken, retrying on $PORT" >&2
  done
  fail "$name: smbd could not listen after 3 attempts"
}

# probe NAME: kbdiag collect --server 127.0.0.1:PORT into $DIR/snap.yaml; prints the status table.
probe() {
  local name=$1
  local t0 t1
  t0=$(date +%s%N)
  "$KBDIAG" collect --server "127.0.0.1:$PORT" -o "$DIR/snap.yaml" >"$DIR/collect.out" 2>"$DIR/collect.err" ||
    { cat "$DIR/collect.out" "$DIR/collect.err" >&2; fail "$name: kbdiag collect failed"; }
  t1=$(date +%s%N)
  echo "== $name (127.0.0.1:$PORT): collect took $(((t1 - t0) / 1000000)) ms"
  grep -E '^probe\.smb' "$DIR/collect.out" || true
}

# fact_line NAME: what follows "{" on the fact's snapshot line, e.g. 'value: true, source: probe.smb'.
fact_line() {
  grep -F "  $1: {" "$DIR/snap.yaml" | head -n 1 | sed -e 's/^[^{]*{//' || true
}

expect() {   # expect CONFIG FACT EXTENDED-REGEX
  local line
  line=$(fact_line "$2")
  if ! [[ "$line" =~ $3 ]]; then
    echo "--- $DIR/snap.yaml" >&2
    grep -A3 "server\." "$DIR/snap.yaml" | head -120 >&2 || true
    fail "$1: $2 is '$line', expected /$3/"
  fi
}

# auth NAME USER PASSWORD SHARE: the opt-in authentication check (collect with --target and KBDIAG_PROBE_*);
# the password must appear nowhere in the snapshot or the output.
auth() {
  local name=$1 user=$2 password=$3 share=$4
  KBDIAG_PROBE_USER=$user KBDIAG_PROBE_PASSWORD=$password \
    "$KBDIAG" collect --server "127.0.0.1:$PORT" --target "\\\\127.0.0.1\\$share" -o "$DIR/snap.yaml" \
    >"$DIR/collect.out" 2>"$DIR/collect.err" ||
    { cat "$DIR/collect.out" "$DIR/collect.err" >&2; fail "$name: kbdiag collect (auth) failed"; }
  if grep -qF -- "$password" "$DIR/snap.yaml" "$DIR/collect.out" "$DIR/collect.err"; then
    fail "$name: the password appears in the snapshot or the output"
  fi
  echo "== $name: auth as $user to $share: $(fact_line server.auth_status)"
}

# top_cause: the first cause of `kbdiag infer SNAPSHOT --error 0x963` (the error a Windows client shows).
# Causes are ranked in the JSON report; a cause's own "id" is indented 6 spaces (fixes' ids deeper).
top_cause() {
  "$KBDIAG" infer "$DIR/snap.yaml" --error 0x963 --format json >"$DIR/report.json" 2>"$DIR/infer.err" ||
    { cat "$DIR/infer.err" >&2; fail "kbdiag infer failed on $DIR/snap.yaml"; }
  awk '/^  "causes": \[/ { on = 1 } on && /^      "id": "/ { gsub(/[",]/, "", $2); print $2; exit }' "$DIR/report.json"
}

# ---- 1. default configuration -----------------------------------------------------------------------
start_smbd default ""
DEFAULT_PORT=$PORT
probe default
expect default server.reachable 'value: true'
expect default server.port_445_open 'value: true'
expect default server.smb2_supported 'value: true'
expect default server.dialect 'value: "?3\.1\.1"?'
expect default server.dialects '2\.0\.2.*2\.1.*3\.0.*3\.0\.2.*3\.1\.1'
expect default server.signing_enabled 'value: true'
expect default server.signing_required 'value: false'
expect default server.smb1_accepted 'value: false'
expect default server.netbios_name 'KB-DEFAULT'
expect default server.domain 'KB-DEFAULT|KBTEST'
expect default server.ntlmssp_version 'value: "?6\.1\.0"?'
expect default server.ntlmssp_build 'value: 0'
expect default server.vendor_guess 'value: "?samba"?'

top=$(top_cause)
[ "$top" != smb1_only_server ] && [ "$top" != signing_required_server_cannot_sign ] ||
  fail "default: top cause is $top, but the probe saw SMB2 with signing"

# The opt-in authentication check against the default server.
auth default-ok alice Secret-1 share
expect default-ok server.auth_status 'value: NT_STATUS_OK,'
expect default-ok server.share_exists 'value: true'
auth default-badpw alice Wrong-Password-9 share
expect default-badpw server.auth_status 'value: NT_STATUS_LOGON_FAILURE,'
expect default-badpw server.auth_stage 'value: session_setup'
auth default-noshare alice Secret-1 nosuchshare
expect default-noshare server.auth_status 'value: NT_STATUS_BAD_NETWORK_NAME,'
expect default-noshare server.share_exists 'value: false'
# A changed password: the old one now fails, the new one works.
printf 'Secret-2\nSecret-2\n' | smbpasswd -c "$DIR/smb.conf" -s alice >/dev/null || fail "smbpasswd (change) failed"
auth default-oldpw alice Secret-1 share
expect default-oldpw server.auth_status 'value: NT_STATUS_LOGON_FAILURE,'
auth default-newpw alice Secret-2 share
expect default-newpw server.auth_status 'value: NT_STATUS_OK,'
# A disabled account.
smbpasswd -c "$DIR/smb.conf" -d alice >/dev/null || fail "smbpasswd -d failed"
auth default-disabled alice Secret-2 share
expect default-disabled server.auth_status 'value: NT_STATUS_ACCOUNT_DISABLED,'
top=$(top_cause)
[ "$top" = wrong_credentials_or_account ] || fail "disabled account: top cause is '$top', expected wrong_credentials_or_account"

# ---- 2. server min protocol = SMB3 ------------------------------------------------------------------
start_smbd smb3only "  server min protocol = SMB3"
probe smb3only
expect smb3only server.smb2_supported 'value: true'
expect smb3only server.dialect 'value: "?3\.1\.1"?'
expect smb3only server.dialects '^value: \[ *"?3\.1\.1"? *\],'
expect smb3only server.smb1_accepted 'value: false'

# ---- 3. SMB1 only (server min protocol = NT1, server max protocol = NT1) -----------------------------
start_smbd smb1only "  server min protocol = NT1
  server max protocol = NT1"
probe smb1only
expect smb1only server.reachable 'value: true'
expect smb1only server.smb2_supported 'value: false'
expect smb1only server.smb1_accepted 'value: true'
expect smb1only server.dialect 'value: "?NT1"?'
expect smb1only server.smb1_native_lanman 'value: "?Samba 4\.'
expect smb1only server.netbios_name 'KB-SMB1ONLY'
expect smb1only server.ntlmssp_version 'value: "?6\.1\.0"?'
expect smb1only server.vendor_guess 'value: "?samba"?'
top=$(top_cause)
[ "$top" = smb1_only_server ] || fail "smb1only: top cause is '$top', expected smb1_only_server"

# ---- 4. server signing = mandatory ------------------------------------------------------------------
start_smbd signing "  server signing = mandatory"
probe signing
expect signing server.smb2_supported 'value: true'
expect signing server.signing_enabled 'value: true'
expect signing server.signing_required 'value: true'

# ---- 5. ntlm auth = disabled: every NTLM logon is refused ------------------------------------------
start_smbd ntlmoff "  ntlm auth = disabled"
probe ntlmoff
auth ntlmoff alice Secret-1 share
expect ntlmoff server.auth_status 'value: NT_STATUS_NTLM_BLOCKED,'

# ---- 6. map to guest = Bad User with a guest share: the opt-in guest check ---------------------------
start_smbd guest "  map to guest = Bad User"
probe guest
KBDIAG_PROBE_GUEST=1 "$KBDIAG" collect --server "127.0.0.1:$PORT" --target '\\127.0.0.1\guest' \
  -o "$DIR/snap.yaml" >"$DIR/collect.out" 2>"$DIR/collect.err" || fail "guest: kbdiag collect failed"
expect guest server.guest_status 'value: NT_STATUS_OK,'
expect guest server.anonymous_status 'value: NT_STATUS_OK,'
# ...and the default server (map to guest = Never) refuses the unknown user.
DIR="$TMP/default"
PORT=$DEFAULT_PORT
KBDIAG_PROBE_GUEST=1 "$KBDIAG" collect --server "127.0.0.1:$PORT" --target '\\127.0.0.1\guest' \
  -o "$DIR/snap.yaml" >"$DIR/collect.out" 2>"$DIR/collect.err" || fail "default guest: kbdiag collect failed"
expect default-guest server.guest_status 'value: NT_STATUS_LOGON_FAILURE,'

# ---- 7. nothing listening: a closed port is "not reachable", quickly --------------------------------
DIR="$TMP/closed"
mkdir -p "$DIR"
free_port
probe closed
expect closed server.reachable 'value: false'
expect closed server.port_445_open 'value: false'

echo "PASS: probe facts match for default, SMB3-only, SMB1-only, signing mandatory, ntlm auth disabled, guest (Bad User), closed port;"
echo "      auth check: OK, wrong/old password, missing share, disabled account, NTLM blocked, guest/anonymous; no password in any output;"
echo "      infer ranks smb1_only_server first for the SMB1-only server and not for the default one"
