#!/bin/sh
# A [global] section with some parameters missing and a boolean that is not yes/no; exits 1.
cat <<'OUT'
[global]
	client min protocol = NT1
	client lanman auth = maybe
	workgroup = LEGACY
OUT
exit 1
