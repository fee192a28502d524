#!/usr/bin/env bash
# Patches by id (knowledge/README.md, Patches): a site overlay adds one cause to a shipped problem with a `patch:`
# entry. kb lint notes the change as KB019 at the patch's file:line and lists it under OVERLAYS (text) and
# `overlays` (JSON); infer ranks the added cause first on a snapshot where it fits, and not without the overlay.
source "$(dirname "$0")/lib.sh"

SHIPPED="$DATA/../../knowledge"
SITE="$CLI_DATA/overlay_patch"
SNAPSHOT="$CLI_DATA/overlay_patch_snapshot.yaml"
LAYERED=(--no-builtin-kb --kb "$SHIPPED" --kb "$SITE")

# Lint: clean under --strict, one KB019 note at the patch, the OVERLAYS section.
run 0 "$KBDIAG" "${LAYERED[@]}" --no-cache kb lint --strict
has_fixed() { grep -Fq -- "$2" "$1" || { echo "--- $1:" >&2; head -c 4000 "$1" >&2; fail "'$2' not found in $1"; }; }
has_fixed "$TMP/out" "$SITE/patch.yaml:3:20: note[KB019]: patch applied: problem 'share_name_or_password_invalid': cause 'site_nas_quota' added (prior 0.03; 'other' 0.07 -> 0.04)"
has "$TMP/out" "^OVERLAYS$"
has_fixed "$TMP/out" "  $SITE: 1 patch change(s)"
has_fixed "$TMP/out" "    - $SITE/patch.yaml:3: problem 'share_name_or_password_invalid': cause 'site_nas_quota' added"
has "$TMP/out" "lint: 0 error\(s\), 0 warning\(s\), [0-9]+ note\(s\).*: ok"

# JSON: the `overlays` array names the folder and the change (validated against kbdiag-lint-1 on the way).
run 0 "$KBDIAG" "${LAYERED[@]}" kb lint --format json
tr -d ' \n' <"$TMP/out" >"$TMP/json.flat"
has_fixed "$TMP/json.flat" "\"overlays\":[{\"folder\":\"$SITE\",\"patches\":[{\"change\":\"cause'site_nas_quota'added(prior0.03;'other'0.07->0.04)\",\"id\":\"share_name_or_password_invalid\",\"kind\":\"problem\",\"location\":\"$SITE/patch.yaml:3:20\"}]}]"

# Infer: with the overlay the added cause leads on a snapshot where it fits (and its fix is offered) ...
run 0 "$KBDIAG" "${LAYERED[@]}" infer "$SNAPSHOT" --error 0x00000963 --format json
tr -d ' \n' <"$TMP/out" >"$TMP/json.flat"
grep -Eo '"causes":\[\{("[a-z_]+":[^,]*,)*"id":"[a-z_]+"' "$TMP/json.flat" | head -1 >"$TMP/top"
has "$TMP/top" '"id":"site_nas_quota"'
run 0 "$KBDIAG" "${LAYERED[@]}" infer "$SNAPSHOT" --error 0x00000963
has "$TMP/out" "over its quota"
has "$TMP/out" "Free space or raise the user's quota on the NAS"
# ... and without it the shipped problem does not know the cause (the fact is not in the catalog: dropped).
run 0 "$KBDIAG" --no-builtin-kb --kb "$SHIPPED" infer "$SNAPSHOT" --error 0x00000963
has_not "$TMP/out" "over its quota"

# A patch on an unknown id fails lint at file:line:col with the close id.
mkdir -p "$TMP/typo"
printf 'patch:\n  - problem: share_name_or_pasword_invalid\n    set: {title: x}\n' >"$TMP/typo/patch.yaml"
run 3 "$KBDIAG" --no-builtin-kb --kb "$SHIPPED" --kb "$TMP/typo" kb lint
has_fixed "$TMP/out" "$TMP/typo/patch.yaml:2:14: error[KB006]: patch: no problem 'share_name_or_pasword_invalid' (did you mean 'share_name_or_password_invalid'?)"
echo "ok"
