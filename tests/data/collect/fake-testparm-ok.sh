#!/bin/sh
# A stand-in for `testparm -s -v --suppress-prompt [CONFIG]`: canned output like Samba 4.17's.
# Noise on stderr (as the real one prints) must not reach the parser.
echo "Load smb config files from ${5:-/etc/samba/smb.conf}" >&2
echo "Loaded services file OK." >&2
echo "Server role: ROLE_STANDALONE" >&2
cat <<'OUT'
# Global parameters
[global]
	abort shutdown script = 
	client ipc max protocol = default
	client ipc min protocol = default
	client lanman auth = No
	client max protocol = SMB3
	client min protocol = SMB2_02
	client NTLMv2 auth = Yes
	client signing = required
	server signing = default
	workgroup = OFFICE
	idmap config * : backend = tdb

[homes]
	browseable = No
	comment = Home Directories
	workgroup = NOT-THIS-ONE
OUT
