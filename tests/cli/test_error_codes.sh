#!/usr/bin/env bash
# Every spelling of 0x963 finds the same problem in the shipped knowledge base; an unknown code exits 5;
# no --error with one problem uses it and says so.
source "$(dirname "$0")/lib.sh"

run 0 "$KBDIAG" collect -o "$TMP/snap.yaml"
run 0 "$KBDIAG" infer "$TMP/snap.yaml" --error 0x00000963 --format json --no-questions
want=$(sed -n '/^  "problem": {/,/^  }/p' "$TMP/out" | grep -E '^    "id": ' )
[ -n "$want" ] || fail "no problem id in the report"

for spelling in "0x00000963" "0x963" "963h" "2403" "System error 2403" "System error 2403 has occurred." \
                "NERR_BadPasswordCore" "nerr_badpasswordcore" "0x80070963" "0X963"; do
  run 0 "$KBDIAG" infer "$TMP/snap.yaml" --error "$spelling" --format json --no-questions
  got=$(sed -n '/^  "problem": {/,/^  }/p' "$TMP/out" | grep -E '^    "id": ')
  [ "$got" = "$want" ] || fail "--error '$spelling' found $got, want $want"
  has "$TMP/out" "\"error\": \"$spelling\""
done

run 5 "$KBDIAG" infer "$TMP/snap.yaml" --error 0xDEADBEEF
has "$TMP/err" "0xDEADBEEF"
has "$TMP/err" "CLI002"
run 5 "$KBDIAG" infer "$TMP/snap.yaml" --error "not an error"

# No --error: the mini KB has one problem, used with a note.
run 0 "$KBDIAG" "${MINI[@]}" infer --fact mini.lm_level=1
has "$TMP/out" "Note: .*one problem"
echo "ok"
