#!/usr/bin/env bash
# The server probe against real Samba on loopback: one smbd per configuration on 127.0.0.1, a high port,
# every path inside a temporary folder, users from nss_wrapper (no system account, no root needed).
#   bash tests/samba/run.sh KBDIAG_BINARY [WINDOWS_KBDIAG_COMMAND...]
# For each configuration of issue 4 (default; password changed after the client saved the old one;
# `ntlm auth = disabled`; `ntlm auth = ntlmv2-only` against an NTLMv1 client; `server min protocol = SMB3`;
# SMB1 only; `map to guest = Bad User` with a guest-only share; `server signing = mandatory`; a disabled
# account; a missing share; nothing listening) it collects with the probe (and the opt-in logon check where
# the scenario needs credentials), runs `kbdiag infer --error <the code a Windows client shows>` and asserts
# the probe's facts and the top cause.
# With WINDOWS_KBDIAG_COMMAND (e.g. `cmake/wine-run.sh PREFIX build/windows/tools/kbdiag.exe`), the Windows
# build's probe collects from every server too, over Winsock under Wine, and its protocol facts must equal
# the native binary's (tools/scripts/test-windows.sh runs this).
# Needs the Debian packages samba, smbclient and libnss-wrapper (tools/scripts/setup.sh installs them):
# when one is missing the test FAILS - it never skips. A failed assertion does not stop the run: every
# configuration is checked, the failures are listed at the end, and the exit status is 1 when there is one.
# Every smbd (and any samba-dcerpcd it spawned) started here is stopped on exit, by pid. KBDIAG_SAMBA_KEEP=1
# keeps the temporary folder (configurations, logs, snapshots, reports) for a look after the run.
set -euo pipefail

KBDIAG=${1:?usage: $0 KBDIAG_BINARY [WINDOWS_KBDIAG_COMMAND...]}
shift
WIN=("$@")
export NO_COLOR=1 LC_ALL=C.UTF-8

fail() {   # a broken test bed: stop here
  echo "FAIL: $*" >&2
  exit 1
}
FAILURES=()
failed() {   # a failed assertion: noted, the run goes on
  echo "FAIL: $*" >&2
  FAILURES+=("$*")
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
T_START=$(date +%s%N)

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
if [ "${#WIN[@]}" -gt 0 ]; then
  command -v "${WIN[0]}" >/dev/null 2>&1 || [ -f "${WIN[0]}" ] || fail "no Windows kbdiag runner at ${WIN[0]}"
  [ "${WIN[0]##*.}" != sh ] || WIN=(sh "${WIN[@]}")
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kbdiag-samba.XXXXXX")
SMBD_PIDS=()
# Every snapshot and JSON report kbdiag writes here is validated against its schema in schemas/ on the way
# (tests/schemas/checked-kbdiag.sh); violations are listed with the failures at the end.
SCHEMA_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../schemas" && pwd)
export KBDIAG_REAL=$KBDIAG KBDIAG_OUTPUT_CHECK_FAILURES="$TMP/output-check.failures" \
  KBDIAG_OUTPUT_CHECK_LOG="$TMP/output-check.log"
KBDIAG="$TMP/kbdiag"
# nss_wrapper (preloaded for smbd below) dlopens libc with RTLD_DEEPBIND, which a sanitizer runtime refuses:
# an ASan+UBSan kbdiag (the asan preset) runs without it. kbdiag itself needs no nss_wrapper user.
# ldd's whole output is read first: `ldd | grep -q` under pipefail fails whenever grep quits before ldd has written
# everything (SIGPIPE), which took the sanitizer build for a plain one now and then.
linked=$(ldd "$KBDIAG_REAL" 2>/dev/null || true)
if grep -Eq 'lib(a|t|ub)san' <<<"$linked"; then
  printf '#!/usr/bin/env bash\nexec env -u LD_PRELOAD bash %q "$@"\n' "$SCHEMA_TESTS/checked-kbdiag.sh" >"$KBDIAG"
else
  printf '#!/usr/bin/env bash\nexec bash %q "$@"\n' "$SCHEMA_TESTS/checked-kbdiag.sh" >"$KBDIAG"
fi
chmod +x "$KBDIAG"

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
  if [ -n "${KBDIAG_SAMBA_KEEP:-}" ]; then echo "kept $TMP (KBDIAG_SAMBA_KEEP)" >&2; else rm -rf "$TMP"; fi
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
  T_CONFIG=$(date +%s%N)
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
  guest only = yes
  read only = yes
EOF
  printf 'Secret-1\nSecret-1\n' | smbpasswd -c "$DIR/smb.conf" -a -s alice >/dev/null 2>>"$DIR/smbpasswd.log" ||
    { cat "$DIR/smbpasswd.log" >&2; fail "$name: smbpasswd -a alice failed"; }
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

# ---- collecting ---------------------------------------------------------------------------------------
# collect NAME [kbdiag collect args...]: collect from 127.0.0.1:$PORT into $DIR/snap.yaml (a failure to
# collect breaks the test bed: fatal). The environment decides the opt-in checks (KBDIAG_PROBE_*).
collect() {
  local name=$1; shift
  local t0; t0=$(date +%s%N)
  "$KBDIAG" collect --server "127.0.0.1:$PORT" -o "$DIR/snap.yaml" "$@" >"$DIR/collect.out" 2>"$DIR/collect.err" ||
    { cat "$DIR/collect.out" "$DIR/collect.err" >&2; fail "$name: kbdiag collect failed"; }
  echo "== $name (127.0.0.1:$PORT): collect $(ms_since "$t0") ms: $(grep -E '^probe\.smb' "$DIR/collect.out" | head -c 300)"
}

# probe NAME: the probe alone, no credentials.
probe() { collect "$1"; }

# auth NAME USER PASSWORD SHARE [collect args...]: the opt-in logon check as USER to SHARE (and the NTLMv1
# logon it adds); the password must appear nowhere in the snapshot or the output.
auth() {
  local name=$1 user=$2 password=$3 share=$4; shift 4
  KBDIAG_PROBE_USER=$user KBDIAG_PROBE_PASSWORD=$password collect "$name" --target "\\\\127.0.0.1\\$share" "$@"
  if grep -qF -- "$password" "$DIR/snap.yaml" "$DIR/collect.out" "$DIR/collect.err"; then
    failed "$name: the password appears in the snapshot or the output"
  fi
  echo "   auth as $user to $share: $(fact_value server.auth_status); NTLMv1: $(fact_value server.ntlmv1_auth_status)"
}

# fact_line NAME [SNAPSHOT]: what follows "{" on the fact's snapshot line, e.g. 'value: true, source: probe.smb'.
fact_line() {
  grep -F "  $1: {" "${2:-$DIR/snap.yaml}" | head -n 1 | sed -e 's/^[^{]*{//' || true
}
# fact_value NAME [SNAPSHOT]: only the value (or the state when there is none), e.g. '"3.1.1"' or 'state: failed'.
fact_value() {
  local line
  line=$(fact_line "$@")
  case "$line" in
    value:*) line=${line#value: }; echo "${line%%, source: *}" ;;
    "") echo "(none)" ;;
    *) echo "${line%%, source: *}" ;;
  esac
}

expect() {   # expect CONFIG FACT EXTENDED-REGEX
  local line
  line=$(fact_line "$2")
  if ! [[ "$line" =~ $3 ]]; then
    failed "$1: $2 is '$line', expected /$3/ (snapshot $DIR/snap.yaml)"
  fi
}
expect_unset() {   # expect_unset CONFIG FACT: the collector did not write the fact
  [ -z "$(fact_line "$2")" ] || failed "$1: $2 should not be collected, but is '$(fact_line "$2")'"
}

# ---- inferring ----------------------------------------------------------------------------------------
# top_cause ERROR [infer args...]: the first cause of `kbdiag infer $DIR/snap.yaml --error ERROR ...`, or
# "(infer exit N: first line of its error)" when infer fails (e.g. 5: no problem has that code yet).
# Causes are ranked in the JSON report; a cause's own "id" is indented 6 spaces (fixes' ids deeper).
top_cause() {
  local error=$1; shift
  local rc=0
  "$KBDIAG" infer "$DIR/snap.yaml" --error "$error" "$@" --format json >"$DIR/report.json" 2>"$DIR/infer.err" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "(infer exit $rc: $(head -n 1 "$DIR/infer.err"))"
    return 0
  fi
  awk '/^  "causes": \[/ { on = 1 } on && /^      "id": "/ { gsub(/[",]/, "", $2); print $2; exit }' "$DIR/report.json"
}
expect_top() {   # expect_top CONFIG ERROR CAUSE [infer args...]
  local name=$1 error=$2 cause=$3; shift 3
  local top; top=$(top_cause "$error" "$@")
  if [ "$top" = "$cause" ]; then
    echo "   infer --error $error $*: top cause $top"
  else
    failed "$name: infer --error $error $*: top cause is '$top', expected $cause"
  fi
}
expect_not_top() {   # expect_not_top CONFIG ERROR CAUSE [infer args...]
  local name=$1 error=$2 cause=$3; shift 3
  local top; top=$(top_cause "$error" "$@")
  if [ "$top" != "$cause" ] && [[ "$top" != "(infer exit"* ]]; then
    echo "   infer --error $error $*: top cause $top (not $cause)"
  else
    failed "$name: infer --error $error $*: top cause is '$top', must be another cause than $cause"
  fi
}

# ---- the Windows build under Wine ---------------------------------------------------------------------
# What the Windows probe must see exactly as the native one does (both speak to the same smbd).
PROTOCOL_FACTS=(server.reachable server.port_445_open server.smb2_supported server.dialect server.dialects
  server.signing_enabled server.signing_required server.smb1_accepted server.netbios_name server.domain
  server.ntlmssp_version server.ntlmssp_build server.vendor_guess server.smb1_native_lanman)
WIN_MS=0

# win_collect [collect args...]: kbdiag.exe collect from 127.0.0.1:$PORT into $DIR/snap-win.yaml. Paths are
# given on Wine's Z: drive (a "/tmp/..." argument would read as a /option on Windows); nss_wrapper stays
# out of Wine.
win_collect() {
  local w="Z:${DIR//\//\\}"
  env -u LD_PRELOAD -u NSS_WRAPPER_PASSWD -u NSS_WRAPPER_GROUP \
    "${WIN[@]}" collect --server "127.0.0.1:$PORT" -o "$w\\snap-win.yaml" "$@" \
    </dev/null >"$DIR/collect-win.out" 2>&1
}

# compare_windows NAME: the Windows build's protocol facts equal the native build's for this server.
compare_windows() {
  [ "${#WIN[@]}" -gt 0 ] || return 0
  local name=$1 t0 fact native windows differ=0
  t0=$(date +%s%N)
  win_collect || { cat "$DIR/collect-win.out" >&2; failed "$name: kbdiag.exe collect (Wine) failed"; return 0; }
  local ms; ms=$(ms_since "$t0")
  WIN_MS=$((WIN_MS + ms))
  /usr/bin/python3 "$SCHEMA_TESTS/validate_output.py" --expect kbdiag-snapshot "$DIR/snap-win.yaml" >&2 ||
    failed "$name: kbdiag.exe's snapshot does not match schemas/kbdiag-snapshot-1.schema.json"
  for fact in "${PROTOCOL_FACTS[@]}"; do
    native=$(fact_value "$fact" "$DIR/snap.yaml")
    windows=$(fact_value "$fact" "$DIR/snap-win.yaml")
    if [ "$native" != "$windows" ]; then
      failed "$name: $fact is '$native' natively but '$windows' from kbdiag.exe under Wine"
      differ=1
    fi
  done
  grep -q '^  - {id: probe.smb, status: ok' "$DIR/snap-win.yaml" || [ "$name" = closed ] ||
    failed "$name: probe.smb under Wine did not end ok: $(grep -F 'id: probe.smb' "$DIR/snap-win.yaml")"
  [ "$differ" -eq 0 ] && echo "   Windows build under Wine ($ms ms): the ${#PROTOCOL_FACTS[@]} protocol facts are equal"
}

# The Windows PC a technician runs kbdiag.exe on, as its collectors would report it (windows.os, windows.lsa).
PC_23H2_PRO=(--fact windows.build=22631 --fact windows.edition=Professional)
PC_24H2_PRO=(--fact windows.build=26100 --fact windows.edition=Professional)

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
compare_windows default
expect_not_top default 0x963 smb1_only_server
expect_not_top default 0x963 signing_required_server_cannot_sign
# A server that speaks 2.1 is not why a vers=2.1 mount fails.
expect_not_top default "mount error(95)" smb_dialect_mismatch --fact "linux.mount.options=vers=2.1,username=alice"

# The opt-in logon check. Samba's default is `ntlm auth = ntlmv2-only` (since 4.5): NTLMv1 is refused.
auth default-ok alice Secret-1 share
expect default-ok server.auth_status 'value: NT_STATUS_OK,'
expect default-ok server.share_exists 'value: true'
expect default-ok server.ntlmv1_auth_status 'value: NT_STATUS_LOGON_FAILURE,'
# The logon and the share work from here: these errors then have other causes.
expect_not_top default-ok 67 wrong_share_name
expect_not_top default-ok 1331 account_disabled_locked_or_expired
expect_not_top default-ok 1937 server_refuses_all_ntlm "${PC_23H2_PRO[@]}"
auth default-badpw alice Wrong-Password-9 share
expect default-badpw server.auth_status 'value: NT_STATUS_LOGON_FAILURE,'
expect default-badpw server.auth_stage 'value: session_setup'
expect default-badpw server.ntlmv1_auth_status 'value: NT_STATUS_LOGON_FAILURE,'
if [ "${#WIN[@]}" -gt 0 ]; then
  # Under Wine, WNetAddConnection2W has no SMB client behind it: a failed fact that says so, never an answer.
  KBDIAG_PROBE_USER=alice KBDIAG_PROBE_PASSWORD=Secret-1 win_collect --target '\\127.0.0.1\share' ||
    failed "default-wine-auth: kbdiag.exe collect failed"
  for fact in server.auth_status server.auth_win32_error; do
    line=$(fact_line "$fact" "$DIR/snap-win.yaml")
    [[ "$line" =~ state:\ failed.*Wine.*WNetAddConnection2W ]] ||
      failed "default-wine-auth: $fact is '$line', expected a failed fact naming Wine's WNetAddConnection2W"
  done
  ! grep -qF Secret-1 "$DIR/snap-win.yaml" "$DIR/collect-win.out" || failed "default-wine-auth: the password appears"
  echo "   Windows build under Wine, logon check: $(fact_line server.auth_win32_error "$DIR/snap-win.yaml" | head -c 240)"
fi

# ---- 2. a missing share -------------------------------------------------------------------------------
auth missing-share alice Secret-1 nosuchshare
expect missing-share server.auth_status 'value: NT_STATUS_BAD_NETWORK_NAME,'
expect missing-share server.auth_stage 'value: tree_connect'
expect missing-share server.share_exists 'value: false'
expect_top missing-share 67 wrong_share_name

# ---- 3. the password changed on the server after the client saved the old one -------------------------
# The PC's Credential Manager (windows.credman) holds an entry for the server written before the change.
saved_at=$(date -u -d '-2 days' +%Y-%m-%dT%H:%M:%SZ)
changed_at=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
printf 'Secret-2\nSecret-2\n' | smbpasswd -c "$DIR/smb.conf" -s alice >/dev/null 2>>"$DIR/smbpasswd.log" || fail "smbpasswd (change) failed"
cat >"$DIR/windows-pc.yaml" <<EOF2
schema: kbdiag-snapshot/1
created: "$changed_at"
kbdiag_version: "0.1.0"
host: {name: pc42, platform: windows}
collectors:
  - {id: windows.credman, status: ok, duration_ms: 1, message: ""}
facts:
  credman.entries:
    value:
      - {last_written: "$saved_at", persist: local_machine, target: "127.0.0.1", type: domain_password, user: alice}
    source: windows.credman
  windows.build: {value: 22631, source: windows.os}
  windows.edition: {value: Professional, source: windows.os}
  lsa.lm_compatibility_level: {state: absent, source: windows.lsa, note: value not set}
EOF2
auth password-changed-old alice Secret-1 share
expect password-changed-old server.auth_status 'value: NT_STATUS_LOGON_FAILURE,'
auth password-changed alice Secret-2 share --import "$DIR/windows-pc.yaml"
expect password-changed server.auth_status 'value: NT_STATUS_OK,'
grep -q '^  credman.entries:' "$DIR/snap.yaml" || failed "password-changed: credman.entries was not imported"
expect_top password-changed 1326 stale_saved_credential --fact "user.password_changed_at=$changed_at"

# ---- 4. a disabled account ----------------------------------------------------------------------------
smbpasswd -c "$DIR/smb.conf" -d alice >/dev/null 2>>"$DIR/smbpasswd.log" || fail "smbpasswd -d failed"
auth disabled-account alice Secret-2 share
expect disabled-account server.auth_status 'value: NT_STATUS_ACCOUNT_DISABLED,'
expect_unset disabled-account server.ntlmv1_auth_status   # the account state decided: NTLMv1 would say the same
expect_top disabled-account 1331 account_disabled_locked_or_expired

# ---- 5. server min protocol = SMB3, and a Linux client limited to SMB 2.1 -----------------------------
start_smbd smb3only "  server min protocol = SMB3"
probe smb3only
expect smb3only server.smb2_supported 'value: true'
expect smb3only server.dialect 'value: "?3\.1\.1"?'
expect smb3only server.dialects '^value: \[ *"?3\.1\.1"? *\],'
expect smb3only server.smb1_accepted 'value: false'
compare_windows smb3only
# A Linux client mounting with -o vers=2.1 (the failing mount's options, linux.mount.options): mount.cifs
# reports "mount error(95): Operation not supported".
expect_top smb3only "mount error(95)" smb_dialect_mismatch --fact "linux.mount.options=vers=2.1,username=alice"

# ---- 6. SMB1 only (server min protocol = NT1, server max protocol = NT1) -----------------------------
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
compare_windows smb1only
expect_top smb1only 0x963 smb1_only_server
expect_top smb1only 0x80004005 smb1_only_server "${PC_23H2_PRO[@]}"
expect_top smb1only 64 smb1_only_server "${PC_23H2_PRO[@]}"

# ---- 7. server signing = mandatory: the server CAN sign, so it is not the cause ----------------------
start_smbd signing "  server signing = mandatory"
probe signing
expect signing server.smb2_supported 'value: true'
expect signing server.signing_enabled 'value: true'
expect signing server.signing_required 'value: true'
compare_windows signing
expect_not_top signing 0xC000A000 signing_required_server_cannot_sign "${PC_24H2_PRO[@]}"

# ---- 8. ntlm auth = disabled: every NTLM logon is refused ------------------------------------------
start_smbd ntlmoff "  ntlm auth = disabled"
probe ntlmoff
compare_windows ntlmoff
auth ntlmoff alice Secret-1 share
expect ntlmoff server.auth_status 'value: NT_STATUS_NTLM_BLOCKED,'
expect_unset ntlmoff server.ntlmv1_auth_status
expect_top ntlmoff 1937 server_refuses_all_ntlm "${PC_23H2_PRO[@]}"

# ---- 9. ntlm auth = ntlmv2-only against a client that sends NTLMv1 (LAN Manager level 1) ------------
# log level 2: smbd logs why it refused the NTLMv1 logon, which proves the check really sent NTLMv1.
start_smbd ntlmv2only "  ntlm auth = ntlmv2-only
  log level = 2"
probe ntlmv2only
compare_windows ntlmv2only
auth ntlmv2only alice Secret-1 share
expect ntlmv2only server.auth_status 'value: NT_STATUS_OK,'
expect ntlmv2only server.ntlmv1_auth_status 'value: NT_STATUS_LOGON_FAILURE,'
grep -q 'NTLMv1 passwords NOT PERMITTED for user alice' "$DIR/smbd.log" ||
  failed "ntlmv2only: smbd did not log 'NTLMv1 passwords NOT PERMITTED' - the NTLMv1 check sent no NTLMv1"
expect_top ntlmv2only 1326 client_sends_ntlmv1 "${PC_23H2_PRO[@]}" --fact lsa.lm_compatibility_level=1

# ...and the same PC against a server that accepts NTLMv1: then NTLMv1 is not why the logon fails.
start_smbd ntlmv1ok "  ntlm auth = ntlmv1-permitted"
probe ntlmv1ok
compare_windows ntlmv1ok
auth ntlmv1ok alice Secret-1 share
expect ntlmv1ok server.auth_status 'value: NT_STATUS_OK,'
expect ntlmv1ok server.ntlmv1_auth_status 'value: NT_STATUS_OK,'
expect_not_top ntlmv1ok 1326 client_sends_ntlmv1 "${PC_23H2_PRO[@]}" --fact lsa.lm_compatibility_level=1

# ---- 10. map to guest = Bad User with a guest-only share, and a Windows 11 24H2 Pro client -----------
start_smbd guest "  map to guest = Bad User"
probe guest
compare_windows guest
KBDIAG_PROBE_GUEST=1 collect guest --target '\\127.0.0.1\guest'
expect guest server.guest_status 'value: NT_STATUS_OK,'
expect guest server.anonymous_status 'value: NT_STATUS_OK,'
expect_top guest 1272 guest_access_blocked "${PC_24H2_PRO[@]}"
# ...and the default server (map to guest = Never) refuses the unknown user.
DIR="$TMP/default"
PORT=$DEFAULT_PORT
KBDIAG_PROBE_GUEST=1 collect default-guest --target '\\127.0.0.1\guest'
expect default-guest server.guest_status 'value: NT_STATUS_LOGON_FAILURE,'

# ---- 11. nothing listening: a closed port is "not reachable", quickly --------------------------------
DIR="$TMP/closed"
mkdir -p "$DIR"
free_port
probe closed
expect closed server.reachable 'value: false'
expect closed server.port_445_open 'value: false'
compare_windows closed
expect_top closed 53 server_unreachable "${PC_23H2_PRO[@]}"

# ---- summary ------------------------------------------------------------------------------------------
[ ! -s "$KBDIAG_OUTPUT_CHECK_FAILURES" ] || failed "kbdiag wrote output that does not match its schema:
$(cat "$KBDIAG_OUTPUT_CHECK_FAILURES")"
total_ms=$(ms_since "$T_START")
windows_note=""
[ "${#WIN[@]}" -gt 0 ] && windows_note=" (of which $WIN_MS ms kbdiag.exe collecting under Wine)"
if [ "${#FAILURES[@]}" -gt 0 ]; then
  echo "FAILED: ${#FAILURES[@]} assertion(s) in $total_ms ms$windows_note:" >&2
  printf '  - %s\n' "${FAILURES[@]}" >&2
  exit 1
fi
echo "PASS in $total_ms ms$windows_note: default, missing share, password changed, disabled account, SMB3-only,"
echo "      SMB1-only, signing mandatory, ntlm auth disabled, ntlmv2-only vs an NTLMv1 client (and NTLMv1 permitted),"
echo "      guest (Bad User), closed port: probe facts and top causes; no password in any output;"
echo "      $(wc -l <"$KBDIAG_OUTPUT_CHECK_LOG" 2>/dev/null || echo 0) snapshots and reports valid against schemas/"
[ "${#WIN[@]}" -eq 0 ] || echo "      the Windows build under Wine saw the same protocol facts from every server"
