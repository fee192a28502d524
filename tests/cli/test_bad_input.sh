#!/usr/bin/env bash
# Malformed snapshots exit 4 naming file:line; a missing --kb folder exits 3 naming it; a broken YAML overlay
# exits 3 with file:line:col. Never a crash (exit codes >= 128 or 1).
source "$(dirname "$0")/lib.sh"

# A snapshot that does not parse.
printf 'schema: kbdiag-snapshot/1\nfacts:\n  host.name: {value: pc42, source: host.info\n  mini.lm_level: [1, 2\n' \
  >"$TMP/broken.yaml"
run 4 "$KBDIAG" "${MINI[@]}" infer "$TMP/broken.yaml" --error 0x963
has "$TMP/err" "broken.yaml:[0-9]+"

# Broken JSON.
printf '{"schema": "kbdiag-snapshot/1", "facts": {"host.name": \n' >"$TMP/broken.json"
run 4 "$KBDIAG" "${MINI[@]}" infer "$TMP/broken.json" --error 0x963
has "$TMP/err" "broken.json:[0-9]+"

# Wrong schema, not a mapping, empty file, a folder, a missing file.
printf 'schema: something-else/9\nfacts: {}\n' >"$TMP/schema.yaml"
run 4 "$KBDIAG" "${MINI[@]}" infer "$TMP/schema.yaml" --error 0x963
has "$TMP/err" "schema.yaml"
printf -- '- just\n- a list\n' >"$TMP/list.yaml"
run 4 "$KBDIAG" "${MINI[@]}" infer "$TMP/list.yaml" --error 0x963
has "$TMP/err" "list.yaml"
: >"$TMP/empty.yaml"
run 4 "$KBDIAG" "${MINI[@]}" infer "$TMP/empty.yaml" --error 0x963
mkdir -p "$TMP/adir"
run 4 "$KBDIAG" "${MINI[@]}" infer "$TMP/adir" --error 0x963
run 4 "$KBDIAG" "${MINI[@]}" infer "$TMP/missing.yaml" --error 0x963
has "$TMP/err" "missing.yaml"
# Binary garbage.
head -c 2048 /dev/urandom >"$TMP/garbage.yaml" 2>/dev/null || printf '\x00\x01\xff\xfe' >"$TMP/garbage.yaml"
rc=0; "$KBDIAG" "${MINI[@]}" infer "$TMP/garbage.yaml" --error 0x963 >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 4 ] || [ "$rc" -eq 0 ] || fail "garbage snapshot: exit $rc (want 4, or 0 if it parsed)"

# Unknown facts and wrong types in a snapshot are dropped with a diagnostic; the diagnosis goes on.
cat >"$TMP/odd.yaml" <<'YAML'
schema: kbdiag-snapshot/1
host: {name: pc42, platform: windows}
facts:
  no.such.fact: {value: 1, source: import}
  mini.lm_level: {value: not-a-number, source: import}
  mini.saved_credentials: {value: 2, source: import}
YAML
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/odd.yaml" --error 0x963
has "$TMP/out" "SKIPPED AND DIAGNOSTICS"
has "$TMP/out" "odd.yaml:[0-9]+"

# collect --import: a good snapshot merges; a missing or malformed one exits 4 and writes nothing.
run 0 "$KBDIAG" collect -o "$TMP/base.yaml" --fact windows.build=22631
run 0 "$KBDIAG" collect -o "$TMP/merged.yaml" --import "$TMP/base.yaml"
has "$TMP/merged.yaml" "windows.build"
run 4 "$KBDIAG" collect -o "$TMP/never.yaml" --import "$TMP/missing.yaml"
has "$TMP/err" "missing.yaml"
[ ! -e "$TMP/never.yaml" ] || fail "collect wrote a snapshot despite a bad --import"
run 4 "$KBDIAG" collect -o "$TMP/never.yaml" --import "$TMP/broken.yaml"
has "$TMP/err" "broken.yaml"
[ ! -e "$TMP/never.yaml" ] || fail "collect wrote a snapshot despite a malformed --import"
run 2 "$KBDIAG" collect -o "$TMP/never.yaml" --fact windows.build=abc
run 2 "$KBDIAG" collect -o "$TMP/never.yaml" --fact nonsense
[ ! -e "$TMP/never.yaml" ] || fail "collect wrote a snapshot despite a bad --fact"

# Knowledge base folders.
run 3 "$KBDIAG" --kb "$TMP/no-such-folder" "${MINI[@]}" kb lint
has "$TMP/err" "no-such-folder"
run 3 "$KBDIAG" "${MINI[@]}" --kb "$TMP/no-such-folder" infer --error 0x963 --fact mini.lm_level=1
has "$TMP/err" "no-such-folder"
: >"$TMP/not-a-folder"
run 3 "$KBDIAG" "${MINI[@]}" --kb "$TMP/not-a-folder" kb facts
has "$TMP/err" "not-a-folder"

# A broken YAML overlay: exit 3 with file:line:col, for every command that loads the knowledge base.
run 3 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_broken_yaml" kb lint
has "$TMP/out" "broken.yaml:[0-9]+:[0-9]+"
run 3 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_broken_yaml" infer --error 0x963 --fact mini.lm_level=1
has "$TMP/err" "broken.yaml:[0-9]+:[0-9]+"
run 3 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_broken_yaml" kb test
has "$TMP/err" "broken.yaml:[0-9]+:[0-9]+"
echo "ok"
