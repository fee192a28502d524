#!/usr/bin/env bash
# A secret planted in a fake fstab, a fake /proc/mounts and a fake credentials file never reaches the snapshot
# or the report.
source "$(dirname "$0")/lib.sh"

secret="PLANTED-SECRET-7f3a9c"
root="$TMP/root"
cp -R "$CLI_DATA/fake_root" "$root"
grep -rq "$secret" "$root" || fail "fixture lost its planted secret"

run 0 "$KBDIAG" collect --root "$root" -o "$TMP/snap.yaml" --error "mount error(13)" --target '//nas01/team'
has_not "$TMP/snap.yaml" "$secret"
has_not "$TMP/out" "$secret"
has_not "$TMP/err" "$secret"
# The collector did read the fake root: the cifs entries are there, with their passwords redacted.
has "$TMP/snap.yaml" "nas01"
has "$TMP/snap.yaml" "/etc/cifs/team.cred"
has "$TMP/snap.yaml" "PLANTEDWG"   # smb.conf was read (through testparm)

for fmt in text json; do
  run 0 "$KBDIAG" infer "$TMP/snap.yaml" --format "$fmt" --verbose
  has_not "$TMP/out" "$secret"
  has_not "$TMP/err" "$secret"
done
# A secret typed into --target as a URL password is not kept either.
run 0 "$KBDIAG" collect --root "$root" -o "$TMP/snap2.yaml" --target "smb://alice:$secret@nas01/team"
has_not "$TMP/snap2.yaml" "$secret"
has_not "$TMP/out" "$secret"
has_not "$TMP/err" "$secret"

# A password in the environment (the probe's KBDIAG_PROBE_PASSWORD, a USER with %password) reaches no child
# process: a fake testparm records the environment it was given (issue 10 item 14).
cat > "$TMP/testparm" <<EOF
#!/bin/sh
env > "$TMP/testparm.env"
printf '[global]\n\tworkgroup = OFFICE\n'
EOF
chmod +x "$TMP/testparm"
KBDIAG_TESTPARM="$TMP/testparm" KBDIAG_PROBE_PASSWORD="$secret" USER="carol%$secret" \
  run 0 "$KBDIAG" collect --root "$root" -o "$TMP/snap3.yaml"
[ -s "$TMP/testparm.env" ] || fail "the fake testparm did not run"
has "$TMP/testparm.env" "LC_ALL=C"
has "$TMP/snap3.yaml" "OFFICE"
has_not "$TMP/testparm.env" "$secret"
has_not "$TMP/snap3.yaml" "$secret"
echo "ok"
