#!/usr/bin/env bash
# End to end under Wine (issue 3): seed a fresh Wine prefix with Windows state (registry values for Windows 11
# 23H2 / 24H2 builds and editions, LmCompatibilityLevel present and absent, SMB client values; credentials
# planted with CredWriteW by tests/windows/plant_cred.cpp), run `kbdiag.exe collect` and `kbdiag.exe infer`,
# and assert the collected facts, the top-ranked cause, and that the planted password appears nowhere
# (snapshot, reports, logs).
#   bash tests/windows/e2e.sh BUILD_DIR        (BUILD_DIR: the windows build, with tools/kbdiag.exe)
# Run by tools/scripts/test-windows.sh. Server-side facts (what the NAS accepts) are given with --fact,
# as a technician would answer them; everything about the PC is collected.
set -euo pipefail

build=$(cd "$1" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
exe=$build/tools/kbdiag.exe
work=$build/e2e
prefix=$work/wine-prefix
secret='Planted-S3cret-Pw!e2e'
mkdir -p "$work"

export WINEPREFIX=$prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
unset DISPLAY WAYLAND_DISPLAY
stop_wine() { WINEPREFIX=$prefix wineserver -k >/dev/null 2>&1 || true; }
trap stop_wine EXIT
stop_wine
rm -rf "$prefix"
wineboot --init </dev/null >/dev/null 2>&1
wineserver -w </dev/null >/dev/null 2>&1
wineserver -p </dev/null >/dev/null 2>&1
wine wineboot </dev/null >/dev/null 2>&1

x86_64-w64-mingw32-g++-posix -municode -O1 -static -o "$work/plant_cred.exe" "$here/tests/windows/plant_cred.cpp" -ladvapi32

fail=0
ok() { echo "  ok: $*"; }
bad() { echo "  FAIL: $*" >&2; fail=1; }

cv='HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
lsa='HKLM\SYSTEM\CurrentControlSet\Control\Lsa'
ws='HKLM\SYSTEM\CurrentControlSet\Services\LanmanWorkstation\Parameters'
regset() { wine reg add "$1" /v "$2" /t "$3" /d "$4" /f </dev/null >/dev/null 2>&1 || bad "reg add $1\\$2"; }
regdel() { wine reg delete "$1" /v "$2" /f </dev/null >/dev/null 2>&1 || true; }
windows() {   # build ubr display edition
  regset "$cv" CurrentBuild REG_SZ "$1"
  regset "$cv" CurrentBuildNumber REG_SZ "$1"
  regset "$cv" UBR REG_DWORD "$2"
  regset "$cv" DisplayVersion REG_SZ "$3"
  regset "$cv" EditionID REG_SZ "$4"
  regset "$cv" ProductName REG_SZ "Windows 10 $( [ "$4" = Core ] && echo Home || echo Pro )"
  regset "$cv" InstallationType REG_SZ Client
}

# run NAME EXPECTED_TOP [kbdiag collect --fact ...]: collect, infer, and check the top cause.
# The error is 0x963 unless E2E_ERROR says otherwise.
run() {
  local name=$1 top=$2 error=${E2E_ERROR:-0x963}; shift 2
  local d=$work/$name
  rm -rf "$d"; mkdir -p "$d"
  # Windows paths on Wine's Z: drive (the Unix root): on Windows a "/work/..." argument reads as a /option.
  local w="Z:${d//\//\\}"
  wine "$exe" collect -o "$w\\snapshot.yaml" "$@" >"$d/collect.log" 2>&1 </dev/null || bad "$name: collect exited $?"
  wine "$exe" infer "$w\\snapshot.yaml" --error "$error" --format json -o "$w\\report.json" >"$d/infer.log" 2>&1 \
    </dev/null || bad "$name: infer exited $?"
  wine "$exe" infer "$w\\snapshot.yaml" --error "$error" >"$d/report.txt" 2>&1 </dev/null || bad "$name: infer (text) exited $?"
  # The snapshot and the report match their schemas (schemas/; Debian's python3-jsonschema, python3-yaml).
  /usr/bin/python3 "$here/tests/schemas/validate_output.py" "$d/snapshot.yaml" "$d/report.json" >&2 ||
    bad "$name: the snapshot or the report does not match its schema in schemas/"
  local got
  got=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["causes"][0]["id"], round(r["causes"][0]["probability"],2))' "$d/report.json" 2>/dev/null || echo "none")
  if [ "${got%% *}" = "$top" ]; then ok "$name: top cause $got"; else bad "$name: top cause '$got', expected $top"; fi
}
# fact SITUATION PATTERN: the snapshot holds PATTERN (a grep -E over its YAML).
fact() {
  if grep -Eq "$2" "$work/$1/snapshot.yaml"; then ok "$1: snapshot has /$2/"; else bad "$1: snapshot lacks /$2/"; fi
}

echo "==> situation 1: Windows 11 23H2 Pro, LmCompatibilityLevel absent, a saved credential for nas01 older than the password change"
windows 22631 4460 23H2 Professional
regdel "$lsa" LmCompatibilityLevel
wine "$work/plant_cred.exe" write nas01 'nas01\anna' "$secret" </dev/null || bad "plant_cred write"
wine "$work/plant_cred.exe" write 'git:https://example.org' anna "$secret" generic </dev/null || bad "plant_cred write generic"
changed=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)   # the password changed after the credential was saved
run stale_credential stale_saved_credential --fact target.server=nas01 --fact "user.password_changed_at=$changed" \
  --fact server.vendor=synology --fact user.prompted_for_credentials=false
fact stale_credential 'windows.build: \{value: 22631'
fact stale_credential 'windows.display_version: \{value: "23H2"'
fact stale_credential 'windows.edition: \{value: Professional'
fact stale_credential 'windows.product_name: \{value: Windows 11 Pro'
fact stale_credential 'lsa.lm_compatibility_level: \{state: absent'
fact stale_credential 'persist: local_machine, target: nas01, type: domain_password'
fact stale_credential '\{id: windows.credman, status: ok'
fact stale_credential 'host.arch: \{value: x86_64'                # GetNativeSystemInfo, not Linux files via Z:
fact stale_credential 'host.os_release: \{state: absent'
fact stale_credential 'host.netbios_name: \{value: "?[A-Za-z0-9]'      # GetComputerNameExW
# Wine has no SMB client, so no SMB client event log: windows.smb_events says so and sets no fact.
fact stale_credential '\{id: windows.smb_events, status: skipped, duration_ms: [0-9]+, message: "under Wine there is no SMB client event log'
if grep -q 'error.last_smb_event' "$work/stale_credential/snapshot.yaml"; then bad "stale_credential: Wine produced SMB event facts"; else ok "stale_credential: no SMB event facts under Wine"; fi

echo "==> situation 2: Windows 11 23H2 Home, LmCompatibilityLevel 2, toward a Samba NAS that refuses NTLMv1"
windows 22631 4460 23H2 Core
regset "$lsa" LmCompatibilityLevel REG_DWORD 2
wine "$work/plant_cred.exe" delete nas01 </dev/null || bad "plant_cred delete"
run lm_level_2 client_sends_ntlmv1 --fact target.server=homeserver --fact server.vendor=samba \
  --fact server.firmware_year=2023 --fact server.accepts_ntlmv1=false
fact lm_level_2 'lsa.lm_compatibility_level: \{value: 2'
fact lm_level_2 'windows.edition: \{value: Core'

echo "==> situation 3: Windows 11 24H2 Pro, guest logons not enabled, a guest-only share"
windows 26100 2605 24H2 Professional
regdel "$lsa" LmCompatibilityLevel
regset "$ws" RequireSecuritySignature REG_DWORD 1
regset "$ws" EnableSecuritySignature REG_DWORD 1
regset "$ws" AllowInsecureGuestAuth REG_DWORD 0
run guest_24h2 guest_access_blocked --fact target.server=truenas --fact server.vendor=truenas \
  --fact server.guest_only_share=true --fact user.prompted_for_credentials=false
fact guest_24h2 'windows.build: \{value: 26100'
fact guest_24h2 'windows.display_version: \{value: "24H2"'
fact guest_24h2 'smb_client.allow_insecure_guest_auth: \{value: false'
fact guest_24h2 'smb_client.require_signing: \{value: true'

echo "==> situation 4: Windows 11 23H2 Enterprise whose policy denies all outgoing NTLM, toward a workgroup NAS (1937)"
windows 22631 4460 23H2 Enterprise
regdel "$ws" RequireSecuritySignature
regdel "$ws" AllowInsecureGuestAuth
regset "$lsa\\MSV1_0" RestrictSendingNTLMTraffic REG_DWORD 2
E2E_ERROR=1937 run outgoing_ntlm outgoing_ntlm_denied_by_policy --fact target.server=nas01 --fact server.vendor=synology
fact outgoing_ntlm 'lsa.restrict_sending_ntlm_traffic: \{value: 2'
fact outgoing_ntlm 'windows.edition: \{value: Enterprise'
regdel "$lsa\\MSV1_0" RestrictSendingNTLMTraffic
# Not set is Allow all: the collector says absent, the rule weighs the policy down, and the server is left.
E2E_ERROR=1937 run outgoing_ntlm_not_set server_refuses_all_ntlm --fact target.server=nas01 \
  --fact server.vendor=synology
fact outgoing_ntlm_not_set 'lsa.restrict_sending_ntlm_traffic: \{state: absent'

echo "==> the planted password appears nowhere"
if grep -rIl --exclude-dir=wine-prefix --exclude=plant_cred.exe -- "$secret" "$work"; then
  bad "the planted password was found in the files above"
else
  ok "not in any snapshot, report or log ($(find "$work" -path "$prefix" -prune -o -type f -print | wc -l) files)"
fi

[ "$fail" -eq 0 ] || { echo "e2e: FAILED" >&2; exit 1; }
echo "e2e: all situations passed"
