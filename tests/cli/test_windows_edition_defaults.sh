#!/usr/bin/env bash
# The shipped knowledge's Windows release defaults (hints/windows-releases.yaml, rules/windows.lua release_facts):
# an edition no source speaks for stays unknown (never false), an N edition takes its base edition's defaults,
# Windows 10 Home/Pro's SMB1 client is unknown (it uninstalls itself after 15 days unused), 1803 Pro keeps it,
# and the 2004/20H2/21H1 guest block needs KB5003173 (revision 985). Sources: knowledge/references-audit.yaml.
source "$(dirname "$0")/lib.sh"

# derived BUILD EDITION [UBR]: the derived facts of a diagnosis of error 64, one "name=value" per line.
derived() {
  local args=(infer --error 64 --fact "windows.build=$1" --fact "windows.edition=$2" --format json)
  [ $# -ge 3 ] && args+=(--fact "windows.ubr=$3")
  run 0 "$KBDIAG" "${args[@]}"
  python3 -c '
import json, sys
for f in json.load(open(sys.argv[1]))["facts"]:
    if f["state"] == "known":
        print("%s=%s" % (f["name"], json.dumps(f["value"])))' "$TMP/out" >"$TMP/facts"
}

# Enterprise 22H2: guest blocked, no SMB1 client on a clean install.
derived 19045 Enterprise
has "$TMP/facts" '^windows.guest_blocked_by_default=true$'
has "$TMP/facts" '^windows.smb1_client_default=false$'

# EnterpriseN: the same as Enterprise.
derived 19045 EnterpriseN
has "$TMP/facts" '^windows.guest_blocked_by_default=true$'
has "$TMP/facts" '^smb_client.smb1_available=false$'

# LTSC (EnterpriseS) and IoT Enterprise: no stated default - nothing derived, in particular never false.
for edition in EnterpriseS IoTEnterprise ProfessionalEducation; do
  derived 19045 "$edition"
  has_not "$TMP/facts" '^windows.guest_blocked_by_default='
  has_not "$TMP/facts" '^windows.smb1_client_default='
  has "$TMP/facts" '^windows.release_name="Windows 10 22H2"$'
done
derived 26100 EnterpriseS
has_not "$TMP/facts" '^windows.signing_required_by_default='

# Windows 10 Home 22H2 and Pro 1709: the SMB1 client may or may not have removed itself - unknown.
derived 19045 Core
has_not "$TMP/facts" '^windows.smb1_client_default='
has_not "$TMP/facts" '^smb_client.smb1_available='
derived 16299 Professional
has_not "$TMP/facts" '^windows.smb1_client_default='
# Pro from 1809: no SMB1 client on a clean install. 1803 Pro keeps it.
derived 17763 Professional
has "$TMP/facts" '^windows.smb1_client_default=false$'
derived 17134 Professional
has "$TMP/facts" '^windows.smb1_client_default=true$'
# Windows 11: no edition has it.
derived 22631 Core
has "$TMP/facts" '^windows.smb1_client_default=false$'

# 20H2 Enterprise: guest block from revision 985 (KB5003173) on; before it off; unknown revision: unknown.
derived 19042 Enterprise 985
has "$TMP/facts" '^windows.guest_blocked_by_default=true$'
derived 19042 Enterprise 964
has "$TMP/facts" '^windows.guest_blocked_by_default=false$'
derived 19042 Enterprise
has_not "$TMP/facts" '^windows.guest_blocked_by_default='
# 21H2 needs no revision.
derived 19044 Enterprise
has "$TMP/facts" '^windows.guest_blocked_by_default=true$'

# Windows 7 SP1 and 8.1: SMB1 client installed, guest allowed. Server 2012 R2 likewise.
derived 7601 Professional
has "$TMP/facts" '^windows.release_name="Windows 7 SP1"$'
has "$TMP/facts" '^windows.smb1_client_default=true$'
has "$TMP/facts" '^windows.guest_blocked_by_default=false$'
derived 9600 ServerStandard
has "$TMP/facts" '^windows.release_name="Windows Server 2012 R2"$'
has "$TMP/facts" '^windows.family="server"$'
# Semi-annual Server 1709: no SMB1 client; guest default stated by no source - unknown, also without an edition.
derived 16299 ServerDatacenter
has "$TMP/facts" '^windows.release_name="Windows Server, version 1709"$'
has "$TMP/facts" '^windows.smb1_client_default=false$'
has_not "$TMP/facts" '^windows.guest_blocked_by_default='
derived 19042 ServerStandard
has "$TMP/facts" '^windows.release_name="Windows Server, version 20H2"$'
echo "ok"
