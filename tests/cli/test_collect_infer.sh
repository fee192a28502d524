#!/usr/bin/env bash
# `kbdiag collect` writes a snapshot (to $KBDIAG_SNAPSHOT by default, or -o) and `kbdiag infer` with no
# arguments reads it; --fact overrides snapshot facts; the report is ranked and explained.
source "$(dirname "$0")/lib.sh"

# Shipped knowledge base, default snapshot location. Without an error recorded or given, infer triages this
# machine's facts across the family (tests/cli/test_triage.sh) and says how to name the error.
run 0 "$KBDIAG" collect
run 0 "$KBDIAG" infer
has "$TMP/out" "no error given"
has "$TMP/out" "kbdiag infer --error CODE"
has "$TMP/out" "mount error\(13\)"
run 0 "$KBDIAG" collect --error 0x963
[ -s "$KBDIAG_SNAPSHOT" ] || fail "collect did not write $KBDIAG_SNAPSHOT"
has "$KBDIAG_SNAPSHOT" "^schema: kbdiag-snapshot/1"
has "$TMP/out" "host.info"
has "$TMP/out" "Wrote [0-9]+ facts"

# This (Linux) machine's facts against a Windows error: the report says that client's settings are unknown.
has "$KBDIAG_SNAPSHOT" "host.os: \{value: linux"
run 0 "$KBDIAG" infer
has "$TMP/out" "collected on a Linux machine, but this is a Windows"
run 0 "$KBDIAG" infer --error "mount error(13)"
has_not "$TMP/out" "collected on a"
run 0 "$KBDIAG" infer
has "$TMP/out" "LIKELY CAUSES"
has "$TMP/out" "FIX PLAN"
has "$TMP/out" "WHAT TO CHECK NEXT"
has "$TMP/out" "Snapshot: .*default-snapshot.yaml"
has "$TMP/out" "COLLECTORS"

# -o and an explicit SNAPSHOT argument.
run 0 "$KBDIAG" collect -o "$TMP/snap2.yaml" --error 1326 --target '\\nas01\public' --fact windows.build=22631
has "$TMP/snap2.yaml" "target.server"
has "$TMP/snap2.yaml" "nas01"
run 0 "$KBDIAG" infer "$TMP/snap2.yaml" --format json
has "$TMP/out" '"schema": "kbdiag-report/1"'
causes_sorted "$TMP/out"

# Mini knowledge base: --fact alone (no snapshot anywhere) and --fact overriding a snapshot.
rm -f "$KBDIAG_SNAPSHOT"
run 4 "$KBDIAG" "${MINI[@]}" infer --error 0x963
has "$TMP/err" "kbdiag collect"
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 --format json
has "$TMP/out" '"id": "mini_level"'
first=$(grep -m1 -E '^      "id": ' "$TMP/out")
[[ "$first" == *mini_level* ]] || fail "mini_level should rank first with lm_level=1: $first"

cat >"$TMP/mini-snap.yaml" <<'YAML'
schema: kbdiag-snapshot/1
created: 2026-01-10T09:00:00Z
kbdiag_version: 0.1.0
host: {name: pc42, platform: windows}
collectors:
  - {id: host.info, status: ok, duration_ms: 3, message: ""}
facts:
  host.name: {value: pc42, source: host.info}
  mini.lm_level: {value: 1, source: import}
YAML
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/mini-snap.yaml" --error 0x963 --format json
first=$(grep -m1 -E '^      "id": ' "$TMP/out")
[[ "$first" == *mini_level* ]] || fail "snapshot lm_level=1 should rank mini_level first: $first"
has "$TMP/out" '"host": "pc42"'
# --fact overrides the snapshot's value and is marked manual.
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/mini-snap.yaml" --error 0x963 --format json \
  --fact mini.lm_level=5 --fact mini.password_changed=yes --fact mini.saved_credentials=2
first=$(grep -m1 -E '^      "id": ' "$TMP/out")
[[ "$first" == *mini_stale* ]] || fail "--fact should override the snapshot: $first"
has "$TMP/out" '"source": "manual"'
# The Lua rule ran: its evidence and its derived fact are in the report.
has "$TMP/out" '"rule": "mini_saved_credentials_script"'
has "$TMP/out" '"name": "mini.stale_suspected"'

# Text report: plan numbered with steps and verify; the evidence in words (default view), with its LR, fact
# values and rule location under --verbose.
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/mini-snap.yaml" --error 0x963 \
  --fact mini.lm_level=5 --fact mini.password_changed=yes --fact mini.saved_credentials=2 --verbose
has "$TMP/out" "×5 +The password was changed"
has "$TMP/out" "mini.password_changed=true"
has "$TMP/out" "rules.yaml:[0-9]+"
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/mini-snap.yaml" --error 0x963 \
  --fact mini.lm_level=5 --fact mini.password_changed=yes --fact mini.saved_credentials=2
has "$TMP/out" "for +The password was changed"
has_not "$TMP/out" "×|÷|rules.yaml:[0-9]+"
has "$TMP/out" "  1\. Delete the saved credential"
has "$TMP/out" "cmdkey /delete:SERVER"
has "$TMP/out" "Verify:"
has "$TMP/out" "Escalate"
# `collect --error` records the error, so `infer` needs no --error (shipped knowledge base).
run 0 "$KBDIAG" collect -q --error "System error 2403 has occurred." -o "$TMP/err-snap.yaml"
has "$TMP/err-snap.yaml" "error.code"
run 0 "$KBDIAG" infer "$TMP/err-snap.yaml"
has "$TMP/out" "the snapshot says the error is 'System error 2403"
has "$TMP/out" 'Error: +System error 2403 has occurred'
has "$TMP/out" "LIKELY CAUSES"
run 2 "$KBDIAG" collect -q --error 0x963 --fact no.such.fact=1 -o "$TMP/never.yaml"
[ ! -e "$TMP/never.yaml" ] || fail "a rejected collect must not write a snapshot"

# A snapshot a week old: infer warns on stderr and in the report; a fresh one gets no warning.
run 0 "$KBDIAG" infer "$TMP/err-snap.yaml"
has_not "$TMP/err" "collected .* ago"
week_ago=$(date -u -d '7 days ago' +%Y-%m-%dT%H:%M:%SZ)
sed -E "s/^created: .*/created: \"$week_ago\"/" "$TMP/err-snap.yaml" >"$TMP/old-snap.yaml"
run 0 "$KBDIAG" infer "$TMP/old-snap.yaml"
has "$TMP/err" "warning: .*7 days ago"
has "$TMP/out" "7 days ago"
has "$TMP/out" "kbdiag collect"
echo "ok"
