#!/usr/bin/env bash
# The start-up knowledge cache: a second run comes from the image with the same report; edits of a rule's YAML, of
# a Lua script and a new file in an overlay are seen at once; a corrupt image is ignored and rewritten; --no-cache
# and KBDIAG_NO_CACHE neither read nor write it; a cache folder that cannot be written is no error.
source "$(dirname "$0")/lib.sh"

export XDG_CACHE_HOME="$TMP/xdg-cache"   # lib.sh sets one too; this test owns its own
export KBDIAG_CACHE_TRACE=1
CACHE="$XDG_CACHE_HOME/kbdiag"
KB="$TMP/kb"
OVERLAY="$TMP/overlay"
cp -r "$CLI_DATA/kb_mini" "$KB"
mkdir "$OVERLAY"
ARGS=(--no-builtin-kb --kb "$KB" --kb "$OVERLAY" infer --error 0x963 --fact mini.saved_credentials=1 --format json)

# First run builds the image; the second reads it and reports the same.
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "knowledge from YAML \(no image; image written\)"
cp "$TMP/out" "$TMP/first.json"
ls "$CACHE"/kb-*.bin >/dev/null || fail "no image in $CACHE"
[ "$(ls "$CACHE" | wc -l)" -eq 1 ] || fail "expected one file in $CACHE: $(ls -a "$CACHE")"
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "knowledge from cache $CACHE/kb-"
cmp "$TMP/first.json" "$TMP/out" || fail "the report from the cache differs from the YAML one"

# A rule's YAML: the likelihood ratio of the LM-level rule, same size (20 -> 40).
run 0 "$KBDIAG" "${ARGS[@]}" --fact mini.lm_level=1
cp "$TMP/out" "$TMP/lm20.json"
sed -i 's/lr: 20, lr_false/lr: 40, lr_false/' "$KB/rules.yaml"
run 0 "$KBDIAG" "${ARGS[@]}" --fact mini.lm_level=1
has "$TMP/err" "rules.yaml changed"
cmp -s "$TMP/lm20.json" "$TMP/out" && fail "the edited rule's YAML was not seen"
cp "$TMP/out" "$TMP/lm40.json"
run 0 "$KBDIAG" --no-cache "${ARGS[@]}" --fact mini.lm_level=1
cmp "$TMP/lm40.json" "$TMP/out" || fail "cached and uncached reports differ after the edit"

# A Lua script: the rule's evidence text changes.
has "$TMP/first.json" "1 saved credential\(s\) for the server"
sed -i 's/saved credential(s) for the server/saved credential(s) (edited script)/' "$KB/rules/mini.lua"
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "mini.lua changed"
has "$TMP/out" "1 saved credential\(s\) \(edited script\)"

# A new file in an overlay: a title override.
cp "$CLI_DATA/overlay_title/causes.yaml" "$OVERLAY/causes.yaml"
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "YAML files or Lua modules added or removed"
has "$TMP/out" "SITE OVERLAY"
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "knowledge from cache"
has "$TMP/out" "SITE OVERLAY"
cp "$TMP/out" "$TMP/overlay.json"

# A corrupt image: ignored (same report), then rewritten.
image=$(ls "$CACHE"/kb-*.bin)
printf 'garbage' | dd of="$image" bs=1 seek=200 conv=notrunc status=none
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "image refused: checksum mismatch"
has "$TMP/err" "image written"
cmp "$TMP/overlay.json" "$TMP/out" || fail "the report after a corrupt image differs"
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "knowledge from cache"
truncate -s 100 "$image"
run 0 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "image refused: length mismatch"

# --no-cache and KBDIAG_NO_CACHE=1: the image is neither read nor written.
rm -rf "$CACHE"
run 0 "$KBDIAG" --no-cache "${ARGS[@]}"
has "$TMP/err" "knowledge from YAML \(cache off\)"
[ ! -e "$CACHE" ] || fail "--no-cache wrote $CACHE"
run 0 env KBDIAG_NO_CACHE=1 "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "cache off"
[ ! -e "$CACHE" ] || fail "KBDIAG_NO_CACHE=1 wrote $CACHE"
run 0 "$KBDIAG" "${ARGS[@]}"   # builds it again
image=$(ls "$CACHE"/kb-*.bin)
printf 'garbage' | dd of="$image" bs=1 seek=200 conv=notrunc status=none
before=$(cksum <"$image")
run 0 "$KBDIAG" --no-cache "${ARGS[@]}"
cmp "$TMP/overlay.json" "$TMP/out" || fail "--no-cache report differs"
[ "$(cksum <"$image")" = "$before" ] || fail "--no-cache rewrote the image"

# A cache folder that cannot be created (a file is in the way): no error, no warning, the same report.
printf 'a file' >"$TMP/blocked"
run 0 env XDG_CACHE_HOME="$TMP/blocked" KBDIAG_CACHE_TRACE=0 "$KBDIAG" "${ARGS[@]}"
cmp "$TMP/overlay.json" "$TMP/out" || fail "the report with an unwritable cache differs"
[ ! -s "$TMP/err" ] || { cat "$TMP/err" >&2; fail "stderr not empty with an unwritable cache"; }
run 0 env XDG_CACHE_HOME="$TMP/blocked" "$KBDIAG" "${ARGS[@]}"
has "$TMP/err" "not stored"

# kb lint never uses the cache (it needs the sources' diagnostics).
rm -rf "$CACHE"
run 0 "$KBDIAG" --no-builtin-kb --kb "$KB" kb lint
[ ! -e "$CACHE" ] || fail "kb lint wrote $CACHE"
echo "ok"
