#!/usr/bin/env bash
# A copied or installed kbdiag finds its knowledge relative to itself and never the source tree it was built from:
# copied alone it says where it looked (exit 3); with <dir>/../share/kbdiag/knowledge or <dir>/knowledge beside it,
# it reads that copy (lint reports, on stdout, a planted error in the copy); KBDIAG_KNOWLEDGE wins.
source "$(dirname "$0")/lib.sh"

SOURCE_KB=$(cd "$DATA/../../knowledge" && pwd)
unset KBDIAG_KNOWLEDGE
mkdir -p "$TMP/prefix/bin"
cp "$KBDIAG_REAL" "$TMP/prefix/bin/kbdiag"   # a copy: /proc/self/exe names it, not the build tree's binary
moved="$TMP/prefix/bin/kbdiag"

# Alone: no knowledge anywhere it looks -> exit 3, every place named, and no sign of the source tree.
run 3 "$moved" kb lint
has "$TMP/err" "KB[0-9]+.*shipped knowledge base was not found"
has "$TMP/err" "looked in $TMP/prefix/share/kbdiag/knowledge, $TMP/prefix/bin/knowledge"
has "$TMP/err" "KBDIAG_KNOWLEDGE"
has_not "$TMP/err" "$SOURCE_KB"
run 3 "$moved" infer --error 0x963 --fact windows.build=19045
has "$TMP/err" "shipped knowledge base was not found"
# Commands that need no knowledge still work.
run 0 "$moved" --version

# Installed layout: <prefix>/share/kbdiag/knowledge. A planted broken file proves this copy is the one read.
mkdir -p "$TMP/prefix/share/kbdiag"
cp -r "$SOURCE_KB" "$TMP/prefix/share/kbdiag/knowledge"
printf 'problems:\n  - id: [broken\n' >"$TMP/prefix/share/kbdiag/knowledge/zz_planted.yaml"
run 3 "$moved" --no-cache kb lint
has "$TMP/out" "^$TMP/prefix/share/kbdiag/knowledge/zz_planted.yaml:[0-9]+:[0-9]+: error"
rm "$TMP/prefix/share/kbdiag/knowledge/zz_planted.yaml"
run 0 "$moved" --no-cache kb lint --strict
run 0 "$moved" collect -o "$TMP/snap.yaml"
run 0 "$moved" infer "$TMP/snap.yaml"

# Beside the exe (the Windows zip's layout), used when there is no share/ folder.
mkdir -p "$TMP/zip"
cp "$moved" "$TMP/zip/kbdiag"
cp -r "$SOURCE_KB" "$TMP/zip/knowledge"
printf 'problems:\n  - id: [broken\n' >"$TMP/zip/knowledge/zz_planted.yaml"
run 3 "$TMP/zip/kbdiag" --no-cache kb lint
has "$TMP/out" "^$TMP/zip/knowledge/zz_planted.yaml:[0-9]+:[0-9]+: error"

# KBDIAG_KNOWLEDGE overrides both; a missing one is named.
run 0 env KBDIAG_KNOWLEDGE="$TMP/prefix/share/kbdiag/knowledge" "$TMP/zip/kbdiag" --no-cache kb lint --strict
run 3 env KBDIAG_KNOWLEDGE="$TMP/nowhere" "$moved" kb lint
has "$TMP/err" "$TMP/nowhere: error\[KB[0-9]+\]: knowledge folder does not exist"

# The build tree's binary reads the source folder through the explicit link beside it (tools/knowledge).
build_link="$(dirname "$KBDIAG_REAL")/knowledge"
[ -L "$build_link" ] || fail "$build_link is not a link"
[ "$(readlink -f "$build_link")" = "$SOURCE_KB" ] || fail "$build_link does not point at $SOURCE_KB"
echo "relocation: ok"
