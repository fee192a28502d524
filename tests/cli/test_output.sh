#!/usr/bin/env bash
# Output: -o writes atomically (no temp files left, exit 7 when it cannot), no escape codes under NO_COLOR or
# when not a terminal, text lines fit 80 columns, JSON carries the schema and sorted causes.
source "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/out-dir"
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/out-dir/report.txt"
[ -s "$TMP/out-dir/report.txt" ] || fail "-o did not write the report"
[ ! -s "$TMP/out" ] || fail "-o should leave stdout empty"
[ "$(ls -A "$TMP/out-dir")" = "report.txt" ] || fail "temp files left: $(ls -A "$TMP/out-dir")"
has "$TMP/out-dir/report.txt" "LIKELY CAUSES"
# Overwrite in place, JSON this time.
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 --format json -o "$TMP/out-dir/report.txt"
has "$TMP/out-dir/report.txt" '"schema": "kbdiag-report/1"'
[ "$(ls -A "$TMP/out-dir")" = "report.txt" ] || fail "temp files left: $(ls -A "$TMP/out-dir")"
# A collect snapshot through -o, too.
run 0 "$KBDIAG" collect -o "$TMP/out-dir/snap.yaml"
[ "$(ls -A "$TMP/out-dir" | tr '\n' ' ')" = "report.txt snap.yaml " ] || fail "temp files left: $(ls -A "$TMP/out-dir")"

# Unwritable output: exit 7, nothing half-written.
: >"$TMP/a-file"
run 7 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/a-file/report.txt"
has "$TMP/err" "a-file/report.txt"
[ ! -s "$TMP/a-file" ] || fail "the blocking file was modified"
run 7 "$KBDIAG" collect -o "$TMP/a-file/snap.yaml"

# No escape codes when not a terminal (stdout here is a file), with or without NO_COLOR.
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 --verbose
has_not "$TMP/out" $'\x1b'
has_not "$TMP/err" $'\x1b'
rc=0; env -u NO_COLOR "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 >"$TMP/out" 2>&1 || rc=$?
[ "$rc" -eq 0 ] || fail "infer without NO_COLOR: exit $rc"
has_not "$TMP/out" $'\x1b'
# On a terminal (if `script` is available): colour without NO_COLOR, none with it.
if command -v script >/dev/null 2>&1; then
  cmd="$(printf '%q ' "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1)"
  env -u NO_COLOR TERM=xterm script -qec "$cmd" /dev/null >"$TMP/tty.txt" 2>&1 || true
  has "$TMP/tty.txt" $'\x1b\\['
  NO_COLOR=1 TERM=xterm script -qec "$cmd" /dev/null >"$TMP/tty-nocolor.txt" 2>&1 || true
  has "$TMP/tty-nocolor.txt" "LIKELY CAUSES"
  has_not "$TMP/tty-nocolor.txt" $'\x1b\\['
fi

# 80 columns: the mini KB with long-winded overlays, verbose, and the shipped KB on this machine.
run 0 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_lua_bombs" --kb "$CLI_DATA/overlay_title" infer --verbose \
  --error 0x963 --fact mini.lm_level=1 --fact mini.saved_credentials=1
fits_columns "$TMP/out" 80
# A name too long and a symlink loop are unwritable outputs (exit 7), not internal errors (issue 10 item 12).
long_name=$(printf 'x%.0s' $(seq 1 300))
run 7 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/$long_name.txt"
has "$TMP/err" "File name too long"
ln -s loop-b "$TMP/loop-a"
ln -s loop-a "$TMP/loop-b"
run 7 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/loop-a/report.txt"
run 7 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/loop-a"

# -o to something that is not a plain file is written through, never renamed over (issue 10): a private
# stand-in for /dev/stdout (a symlink to /proc/self/fd/1), a symlink to a file, and a FIFO.
ln -s /proc/self/fd/1 "$TMP/stdout-link"
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/stdout-link"
[ -L "$TMP/stdout-link" ] || fail "-o replaced the symlink to /proc/self/fd/1 with a file"
has "$TMP/out" "SUMMARY"
echo old >"$TMP/real.txt"
ln -s real.txt "$TMP/file-link"
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/file-link"
[ -L "$TMP/file-link" ] || fail "-o replaced a symlink with a copy"
has "$TMP/real.txt" "SUMMARY"
has_not "$TMP/real.txt" "^old$"
mkfifo "$TMP/fifo"
cat "$TMP/fifo" >"$TMP/from-fifo" &
reader=$!
run 0 "$KBDIAG" "${MINI[@]}" infer --error 0x963 --fact mini.lm_level=1 -o "$TMP/fifo"
wait "$reader"
[ -p "$TMP/fifo" ] || fail "-o replaced a FIFO with a file"
has "$TMP/from-fifo" "SUMMARY"

run 0 "$KBDIAG" collect --error 0x963 -o "$TMP/snap.yaml"
fits_columns "$TMP/out" 80
run 0 "$KBDIAG" infer "$TMP/snap.yaml" --verbose
fits_columns "$TMP/out" 80
run 0 "$KBDIAG" infer "$TMP/snap.yaml" --fact windows.build=19045 --fact windows.edition=Enterprise
fits_columns "$TMP/out" 80
run 0 "$KBDIAG" kb facts
fits_columns "$TMP/out" 80
run 6 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_failing_scenario" kb test
fits_columns "$TMP/out" 80

# JSON: schema, the required keys, causes sorted by probability, deterministic output.
run 0 "$KBDIAG" infer "$TMP/snap.yaml" --format json
cp "$TMP/out" "$TMP/r1.json"
for key in schema problem causes other_probability plan questions near_misses skipped diagnostics collectors; do
  has "$TMP/r1.json" "^  \"$key\": "
done
has "$TMP/r1.json" '"schema": "kbdiag-report/1"'
for key in id title probability prior evidence fixes; do has "$TMP/r1.json" "^      \"$key\": "; done
causes_sorted "$TMP/r1.json"
run 0 "$KBDIAG" infer "$TMP/snap.yaml" --format json
cmp -s "$TMP/out" "$TMP/r1.json" || fail "two runs gave different JSON"
echo "ok"
