#!/usr/bin/env bash
# Writes the hostile inputs of tests/cli/test_hostile_inputs.sh into DIR (big ones are generated, not committed):
#   make_inputs.sh DIR MINI_KB_FOLDER
# Each is an attack found against kbdiag (issue 10): YAML alias bombs, long lines and values, escape sequences,
# duplicate keys, a second YAML document, an over-cap knowledge file, a huge likelihood ratio.
set -euo pipefail
OUT=${1:?usage: $0 DIR MINI_KB_FOLDER}
MINI=${2:?usage: $0 DIR MINI_KB_FOLDER}
mkdir -p "$OUT"

# N copies of STRING, concatenated.
repeat() { local n=$1 s=$2; head -c "$n" /dev/zero | tr '\0' '\n' | sed "s|.*|$s|" | tr -d '\n'; }
# N bytes of the letter a.
letters() { head -c "$1" /dev/zero | tr '\0' a; }
# A knowledge folder: the mini one plus FILE (name) with the content on stdin.
kb_with() {
  local dir="$OUT/$1" name=$2
  rm -rf "$dir"; cp -r "$MINI" "$dir"; cat >"$dir/$name"
}

# --- alias bombs (~1.6 MB): 400,000 aliases to one 4,000-character string = 1.6 GB once expanded.
{
  printf 'schema: kbdiag-snapshot/1\nhost: {name: &s "%s", platform: linux}\nfacts:\n' "$(letters 4000)"
  printf '  host.name: {source: x, value: ['; repeat 400000 '*s, '; printf '*s]}\n'
} >"$OUT/snap_alias_bomb.yaml"
{
  printf 'problems:\n  - id: bomb\n    title: &s "%s"\n    codes: [' "$(letters 4000)"
  repeat 400000 '*s, '; printf '*s]\n    causes: [{cause: mini_stale, prior: 0.5}]\n'
} | kb_with kb_alias_bomb bomb.yaml

# --- over the knowledge file cap (16 MiB): a comment is enough.
{ printf 'facts: []\n# '; letters $((17 * 1024 * 1024)); printf '\n'; } | kb_with kb_over_cap big.yaml

# --- long lines and values: an 8 MB host name and an 8 MB note (text report wraps them); 120,000 unknown facts
# (one diagnostic with a snippet each, in an 8 MB file); an 8 MB problem title (kb show).
{
  printf 'schema: kbdiag-snapshot/1\nhost: {name: "%s", platform: linux}\nfacts:\n' "$(letters 8000000)"
  printf '  mini.lm_level: {value: 1, source: x, note: "%s"}\n' "$(letters 8000000 | sed 's/a\{40\}/& /g')"
} >"$OUT/snap_long_values.yaml"
{
  printf 'schema: kbdiag-snapshot/1\nfacts:\n'
  seq 120000 | sed 's/.*/  no.such.fact&: {value: 1, source: padding-padding-padding}/'
} >"$OUT/snap_many_diagnostics.yaml"
printf 'problems:\n  - id: long_title\n    title: "%s"\n    codes: ["0x1234"]\n    causes: [{cause: mini_stale, prior: 0.5}]\n' \
  "$(letters 8000000)" | kb_with kb_long_title long.yaml

# --- escape sequences: clear screen, home, fake verdict; a C1 CSI (U+009B) and a lone 0x9b byte.
ESC=$'\x1b'
CSI=$'\xc2\x9b'
printf 'schema: kbdiag-snapshot/1\nhost: {name: "pc\\e[2J\\e[H ALL CLEAR \\u009b31m", platform: linux}\nfacts:\n  mini.lm_level: {value: 1, source: x, note: "\\e]0;owned\\a"}\n  \"bad.fact\\e[2J\": {value: 1, source: x}\n' \
  >"$OUT/snap_escapes.yaml"
printf 'causes:\n  - id: mini_level\n    title: "LM level%s[2J%s[H ALL CLEAR %s31m"\n    explanation: "x\\e[31m red"\n    fixes: [{fix: mini_set_level, success: 0.9}]\n' \
  "$ESC" "$ESC" "$CSI" >"$OUT/overlay_escapes.yaml"   # an overlay: replaces the mini cause by id
rm -rf "$OUT/kb_escapes"; mkdir -p "$OUT/kb_escapes"; cp "$OUT/overlay_escapes.yaml" "$OUT/kb_escapes/escapes.yaml"
printf 'facts:\n  - id: "bad%s[2J"\n    type: nonsense\n' "$ESC" >>"$OUT/kb_escapes/escapes.yaml"
rm -rf "$OUT/kb_lua_escapes"; cp -r "$MINI" "$OUT/kb_lua_escapes"
sed -i 's|n .. " saved credential(s) for the server"|"\\27[2J\\27[H ALL CLEAR \\194\\155" .. n|' "$OUT/kb_lua_escapes/rules/mini.lua"

# --- duplicate keys, a second document.
printf 'schema: kbdiag-snapshot/1\nfacts:\n  mini.lm_level: {value: 1, source: x}\n  mini.lm_level: {value: 5, source: y}\n' \
  >"$OUT/snap_duplicate_key.yaml"
printf 'schema: kbdiag-snapshot/1\nfacts:\n  mini.lm_level: {value: 1, source: x}\n---\nschema: kbdiag-snapshot/1\nfacts: {}\n' \
  >"$OUT/snap_two_documents.yaml"
printf 'fixes:\n  - id: dup_fix\n    title: One\n    title: Two\n    cost_minutes: 1\n    risk: low\n    steps: [Do it.]\n    verify: Done.\n' \
  | kb_with kb_duplicate_key dup.yaml
printf 'fixes: []\n---\nfixes: []\n' | kb_with kb_two_documents two.yaml

# --- a huge likelihood ratio: in the knowledge (a lint error) and from a definitive Lua rule.
printf 'rules:\n  - id: huge_lr\n    title: Huge\n    definitive: true\n    when: {fact: mini.lm_level, lte: 2}\n    evidence:\n      - {cause: mini_level, lr: 1e308}\n' \
  | kb_with kb_huge_lr huge.yaml
rm -rf "$OUT/kb_lua_huge_lr"; cp -r "$MINI" "$OUT/kb_lua_huge_lr"
sed -i 's|ctx.evidence("mini_stale", 3,|ctx.evidence("mini_stale", 1e308,|' "$OUT/kb_lua_huge_lr/rules/mini.lua"
sed -i 's|    title: Saved credentials exist for the server|&\n    definitive: true|' "$OUT/kb_lua_huge_lr/rules.yaml"

# A plain valid snapshot for the knowledge-side cases.
printf 'schema: kbdiag-snapshot/1\nhost: {name: pc42, platform: windows}\nfacts:\n  mini.lm_level: {value: 1, source: x}\n  mini.saved_credentials: {value: 2, source: x}\n' \
  >"$OUT/snap_plain.yaml"
