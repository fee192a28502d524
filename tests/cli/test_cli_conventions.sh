#!/usr/bin/env bash
# The conventions users bring from other tools (issue 12): close-match suggestions for mistyped commands, options
# and fact names; `-` as standard input wherever a file is read; NO_COLOR (https://no-color.org: set and not
# empty disables colour, empty changes nothing) and --color=auto|always|never (always beats NO_COLOR); -V.
source "$(dirname "$0")/lib.sh"
command -v script >/dev/null || fail "util-linux 'script' (Debian bsdutils) is needed for the terminal tests"

# --- suggestions ---------------------------------------------------------------------------------------------
run 2 "$KBDIAG" infr
has "$TMP/err" "unknown command 'infr' \(did you mean 'infer'\?\)"
has_not "$TMP/err" "A subcommand is required"
run 2 "$KBDIAG" kb lnt
has "$TMP/err" "unknown command 'lnt' \(did you mean 'lint'\?\)"
run 2 "$KBDIAG" frobnicate   # nothing close: the commands there are
has "$TMP/err" "unknown command 'frobnicate' \('kbdiag' has: collect, infer, consult, batch, kb\)"
run 2 "$KBDIAG" "${MINI[@]}" infer --eror 0x963
has "$TMP/err" "unknown option '--eror' \(did you mean '--error'\?\)"
run 2 "$KBDIAG" "${MINI[@]}" infer --eror=0x963
has "$TMP/err" "did you mean '--error'"
run 2 "$KBDIAG" --kb "$CLI_DATA/kb_mini" --no-builtin-kb kb docs --problme 0x963   # after a list-valued option
has "$TMP/err" "unknown option '--problme' \(did you mean '--problem'\?\)"
run 2 "$KBDIAG" --no-bultin-kb kb facts   # a global option
has "$TMP/err" "did you mean '--no-builtin-kb'"
run 2 "$KBDIAG" infer --zzzzzz   # nothing close: CLI11's own message
has "$TMP/err" "--zzzzzz"
has_not "$TMP/err" "did you mean"
# A fact name, in the shipped knowledge (the issue's example) and in collect.
run 2 "$KBDIAG" infer --error 0x963 --fact windows.buidl=22631
has "$TMP/err" "'windows.buidl' is not in the fact catalog \(did you mean 'windows.build'\?\)"
run 2 "$KBDIAG" "${MINI[@]}" collect -q --fact mini.lm_levle=1 -o "$TMP/unused.yaml"
has "$TMP/err" "did you mean 'mini.lm_level'"
# kb show keeps its list of close ids.
run 5 "$KBDIAG" "${MINI[@]}" kb show mini_stael
has "$TMP/err" "did you mean: mini_stale"
# Lint: an unknown key (KB003), cause (KB006) and fact (KB007); tests/cli/test_kb_lint_planted.sh checks each
# planted mistake's full message, here the suggestions of a made-up overlay with all three.
mkdir -p "$TMP/typos"
cat >"$TMP/typos/typos.yaml" <<'EOF'
causes:
  - id: mini_typo
    title: A cause with a mistyped key
    explanaton: The key is misspelt.
    fixes:
      - {fix: mini_reconect, success: 0.5}
rules:
  - id: mini_typo_rule
    title: A rule with a mistyped fact and cause
    when: {fact: mini.lm_levle, eq: 1}
    evidence:
      - {cause: mini_stael, lr: 2}
EOF
run 3 "$KBDIAG" "${MINI[@]}" --kb "$TMP/typos" kb lint
has "$TMP/out" "warning\[KB003\]: .*unknown key 'explanaton' \(did you mean 'explanation'\?\)"
has "$TMP/out" "error\[KB006\]: cause 'mini_typo': no fix 'mini_reconect' \(did you mean 'mini_reconnect'\?\)"
has "$TMP/out" "error\[KB006\]: .*no cause 'mini_stael' \(did you mean 'mini_stale'\?\)"
has "$TMP/out" "error\[KB007\]: .*unknown fact 'mini.lm_levle' \(not in the catalog; did you mean 'mini.lm_level'\?\)"

# --- '-' is standard input -----------------------------------------------------------------------------------
run 0 "$KBDIAG" "${MINI[@]}" collect -q -o "$TMP/snap.yaml" --fact mini.lm_level=1
run 0 "$KBDIAG" "${MINI[@]}" infer "$TMP/snap.yaml" --error 0x963 --format json --no-questions
mv "$TMP/out" "$TMP/from-file.json"
run 0 "$KBDIAG" "${MINI[@]}" infer - --error 0x963 --format json --no-questions <"$TMP/snap.yaml"
# The same report, but for the name of the snapshot.
diff <(grep -v '"snapshot"' "$TMP/from-file.json") <(grep -v '"snapshot"' "$TMP/out") ||
  fail "infer - and infer FILE differ"
has "$TMP/out" '"snapshot": "<stdin>"'
run 4 "$KBDIAG" "${MINI[@]}" infer - --error 0x963 </dev/null   # empty input: not a snapshot
has "$TMP/err" "<stdin>"
# collect --import -: the facts of the snapshot on stdin, marked as imported from it.
run 0 "$KBDIAG" "${MINI[@]}" collect -q --import - -o "$TMP/merged.yaml" <"$TMP/snap.yaml"
grep -A3 'mini.lm_level' "$TMP/merged.yaml" >"$TMP/lm"
has "$TMP/lm" "import:<stdin>:"
run 2 "$KBDIAG" "${MINI[@]}" collect -q --import - --import - -o "$TMP/unused.yaml" </dev/null
# batch: stdin (no input, or -) is tested in tests/cli/test_batch.sh.

# --- colour --------------------------------------------------------------------------------------------------
ESC=$'\033['
colored() { grep -qF "$ESC" "$1"; }
INFER=("${MINI[@]}" infer "$TMP/snap.yaml" --error 0x963 --no-questions)
# Into a pipe: auto is plain; always colours even with NO_COLOR set; never is plain.
run 0 "$KBDIAG" "${INFER[@]}"
! colored "$TMP/out" || fail "colour in a pipe with --color=auto"
NO_COLOR=1 run 0 "$KBDIAG" --color=always "${INFER[@]}"
colored "$TMP/out" || fail "--color=always must colour, NO_COLOR or not"
run 0 "$KBDIAG" "${INFER[@]}" --color=never   # a global option may come after the command
! colored "$TMP/out" || fail "colour with --color=never"
run 0 "$KBDIAG" --color always "${MINI[@]}" kb test   # the other commands that colour follow it too
colored "$TMP/out" || fail "kb test ignores --color always"
# On a terminal (a pty): auto colours unless NO_COLOR is set and not empty.
on_pty() {   # on_pty ENV... -- ARGS...: kbdiag ARGS on a pty with the environment changes ENV; output in $TMP/pty
  local envs=()
  while [ "$1" != "--" ]; do envs+=("$1"); shift; done
  shift
  timeout 120 script -qefc "$(printf '%q ' env "${envs[@]}" TERM=xterm "$KBDIAG" "$@")" /dev/null </dev/null \
    >"$TMP/pty" 2>&1 || { cat "$TMP/pty" >&2; fail "kbdiag $* failed on a pty"; }
}
on_pty -u NO_COLOR -- "${INFER[@]}"
colored "$TMP/pty" || fail "no colour on a terminal without NO_COLOR"
on_pty NO_COLOR=1 -- "${INFER[@]}"
! colored "$TMP/pty" || fail "colour on a terminal with NO_COLOR=1"
on_pty NO_COLOR= -- "${INFER[@]}"
colored "$TMP/pty" || fail "NO_COLOR set but empty must not disable colour"
on_pty NO_COLOR=1 -- --color=always "${INFER[@]}"
colored "$TMP/pty" || fail "--color=always must beat NO_COLOR on a terminal"
on_pty -u NO_COLOR -- --color=never "${INFER[@]}"
! colored "$TMP/pty" || fail "colour on a terminal with --color=never"
run 2 "$KBDIAG" --color=sometimes "${INFER[@]}"

# --- -V ------------------------------------------------------------------------------------------------------
run 0 "$KBDIAG" -V
has "$TMP/out" "^kbdiag [0-9]+\.[0-9]+\.[0-9]+"
cp "$TMP/out" "$TMP/short"
run 0 "$KBDIAG" --version
cmp -s "$TMP/out" "$TMP/short" || fail "-V and --version differ"
run 0 "$KBDIAG" --help
has "$TMP/out" "-V,--version"
has "$TMP/out" "--color"
echo "ok"
