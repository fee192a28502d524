#!/usr/bin/env bash
# kb show (any item by id, its fields, where it is defined, what it refers to and what refers to it) and kb docs
# (a Markdown article per problem) on the mini knowledge base and on the shipped one. The shipped checks test
# properties (every cause and every cited reference of 0x963 is in its article), not counts: the knowledge grows.
source "$(dirname "$0")/lib.sh"

has_fixed() { grep -Fq -- "$2" "$1" || { echo "--- $1:" >&2; head -c 4000 "$1" >&2; fail "'$2' not found in $1"; }; }

# Every row of every Markdown table has as many unescaped '|' as its header row.
tables_intact() {
  awk '
    function seps(s,   n, i) { n = 0; for (i = 1; i <= length(s); i++) if (substr(s, i, 1) == "|" && (i == 1 || substr(s, i - 1, 1) != "\\")) n++; return n }
    /^\|/ { n = seps($0); if (!intable) { want = n; intable = 1 } else if (n != want) { print FILENAME ":" NR ": " n " separators, header has " want; bad = 1 } next }
    { intable = 0 }
    END { exit bad }
  ' "$1" || fail "$1: a table row has the wrong number of columns"
}

# Ids of the items of KIND that a `kb show --format json` output refers to (keys are sorted: detail, id, kind).
refers_ids() { tr -d '\n ' <"$1" | grep -o "\"id\":\"[^\"]*\",\"kind\":\"$2\",\"location\":\"[^\"]*\",\"relation\":\"$3\"" |
  sed 's/^"id":"\([^"]*\)".*/\1/' | sort -u; }

# --- kb show on the mini knowledge base ---------------------------------------------------------------------
run 0 "$KBDIAG" "${MINI[@]}" kb show mini_stale
has "$TMP/out" "^cause mini_stale$"
# The location may wrap between folders (a long checkout path); its last part, file:line:col, stays whole.
has "$TMP/out" "defined at: +/"
has "$TMP/out" "problem.yaml:13:5$"
has "$TMP/out" "title: +A saved credential holds the old password"
has "$TMP/out" "problem mini_problem - lists it as a cause \(prior 0.5\)"
has "$TMP/out" "rule mini_password_changed - gives evidence about it \(LR ×5 when"
has "$TMP/out" "rule mini_saved_credentials_script - gives evidence about it"
has "$TMP/out" "fix mini_delete_credential - is fixed by \(works in 90% of cases\)"
has "$TMP/out" "scenario mini_stale_password_changed - expects it first"
fits_columns "$TMP/out" 80
# A fact: who provides it, which rules read it, which question asks it, which scenarios set it.
run 0 "$KBDIAG" "${MINI[@]}" kb show mini.lm_level
has "$TMP/out" "^fact mini.lm_level$"
has "$TMP/out" "question: +What is the LAN Manager authentication level"
has "$TMP/out" "rule mini_level_low - reads it"
has "$TMP/out" "scenario mini_level_low_level - sets it \(1\)"
run 0 "$KBDIAG" "${MINI[@]}" kb show mini.stale_suspected
has "$TMP/out" "rule mini_saved_credentials_script - derives it"
# A fix, a rule, a problem found by an error code, kind:id.
run 0 "$KBDIAG" "${MINI[@]}" kb show mini_set_level
has "$TMP/out" "cause mini_level - is fixed by it \(works in 90% of cases\)"
run 0 "$KBDIAG" "${MINI[@]}" kb show mini_saved_credentials_script
has "$TMP/out" "fact mini.stale_suspected - derives"
has "$TMP/out" "fact mini.saved_credentials - reads"
run 0 "$KBDIAG" "${MINI[@]}" kb show 963h
has "$TMP/out" "^problem mini_problem$"
has "$TMP/out" "cause mini_level - lists as a cause \(prior 0.3\)"
run 0 "$KBDIAG" "${MINI[@]}" kb show rule:mini_level_low
has "$TMP/out" "^rule mini_level_low$"
run 0 "$KBDIAG" "${MINI[@]}" kb show mini_stale --format json
has "$TMP/out" '"schema": "kbdiag-show/1"'
has "$TMP/out" '"kind": "cause"'
has "$TMP/out" '"relation": "lists it as a cause"'
# An unknown id: exit 5 (nothing matches, as kb docs --problem), with the close matches.
run 5 "$KBDIAG" "${MINI[@]}" kb show mini_stael
has "$TMP/err" "did you mean: mini_stale"
run 2 "$KBDIAG" "${MINI[@]}" kb show
run 5 "$KBDIAG" "${MINI[@]}" kb show fix:mini_stale

# --- kb docs on the mini knowledge base ---------------------------------------------------------------------
run 0 "$KBDIAG" "${MINI[@]}" kb docs
has "$TMP/out" "^# Mini problem for the CLI tests \(0x00000963\)$"
has "$TMP/out" "^### 1\. A saved credential holds the old password$"
has "$TMP/out" "^### 2\. The LAN Manager level makes the PC send NTLMv1$"
has "$TMP/out" "^## How to tell them apart$"
has_fixed "$TMP/out" "| **for** it | very strong (×20) | \`mini_level_low\`"
has_fixed "$TMP/out" "| Known **not** to hold: \`not (mini.lm_level <= 2)\` | against it | very strong (÷20) |"
has "$TMP/out" "the script decides"
has_fixed "$TMP/out" "| What is the LAN Manager authentication level (secpol.msc)? | 2 | \`mini.lm_level\` | nobody: ask | 3 min |"
has "$TMP/out" "^### Delete the saved credential for the server$"
tables_intact "$TMP/out"
run 0 "$KBDIAG" "${MINI[@]}" kb docs -o "$TMP/mini-docs"
[ -s "$TMP/mini-docs/mini_problem.md" ] || fail "no mini_problem.md"
[ -s "$TMP/mini-docs/README.md" ] || fail "no README.md index"
has_fixed "$TMP/mini-docs/README.md" "(mini_problem.md)"
has "$TMP/out" "wrote .*mini_problem.md"
# Deterministic: a second run writes the same bytes.
run 0 "$KBDIAG" "${MINI[@]}" kb docs -o "$TMP/mini-docs-2"
cmp -s "$TMP/mini-docs/mini_problem.md" "$TMP/mini-docs-2/mini_problem.md" || fail "kb docs is not deterministic"
# An overlay changes the article: it is generated from what is loaded.
run 0 "$KBDIAG" "${MINI[@]}" --kb "$CLI_DATA/overlay_title" kb docs --problem mini_problem
has "$TMP/out" "SITE OVERLAY: the saved credential is stale"
# Unknown problem: exit 5; output folder that cannot be made: exit 7, nothing half-written.
run 5 "$KBDIAG" "${MINI[@]}" kb docs --problem 0x1234
has "$TMP/err" "matches no problem"
: >"$TMP/a-file"
run 7 "$KBDIAG" "${MINI[@]}" kb docs -o "$TMP/a-file/docs"

# --- the shipped knowledge base ------------------------------------------------------------------------------
run 0 "$KBDIAG" kb show stale_saved_credential
has "$TMP/out" "problem share_name_or_password_invalid - lists it as a cause \(prior"
has "$TMP/out" "fix delete_saved_credential - is fixed by"
run 0 "$KBDIAG" kb show windows.build
has "$TMP/out" "^fact windows.build$"
has "$TMP/out" "provided_by:"
has "$TMP/out" "reads it"

# The 0x963 article has every cause of the problem, every reference the problem and its causes cite, and every
# reference of every fix it shows.
run 0 "$KBDIAG" kb show share_name_or_password_invalid --format json
cp "$TMP/out" "$TMP/problem.json"
run 0 "$KBDIAG" kb docs --problem 0x963 -o "$TMP/shipped"
ARTICLE="$TMP/shipped/share_name_or_password_invalid.md"
[ -s "$ARTICLE" ] || fail "no article for 0x963"
tables_intact "$ARTICLE"
has "$ARTICLE" "^## Where the original article differs$"
has "$ARTICLE" "^## References$"
causes=$(refers_ids "$TMP/problem.json" cause "listsasacause")
[ -n "$causes" ] || fail "kb show found no causes of share_name_or_password_invalid"
refs=$(refers_ids "$TMP/problem.json" reference cites)
for cause in $causes; do
  has_fixed "$ARTICLE" "Cause \`$cause\` · prior"
  run 0 "$KBDIAG" kb show "cause:$cause" --format json
  refs="$refs $(refers_ids "$TMP/out" reference cites)"
done
for fix in $(grep -o '^Fix `[^`]*`' "$ARTICLE" | sed 's/^Fix `\(.*\)`$/\1/'); do
  run 0 "$KBDIAG" kb show "fix:$fix" --format json
  refs="$refs $(refers_ids "$TMP/out" reference cites)"
done
[ -n "$refs" ] || fail "no references found for 0x963"
for ref in $(printf '%s\n' $refs | sort -u); do
  grep -Eq "^[0-9]+\. .*\(\`$ref\`\)$" "$ARTICLE" || fail "reference $ref is not in the numbered list of $ARTICLE"
done
# The references are numbered 1..n in order, without gaps.
awk '/^## References$/ { on = 1; next } on && /^[0-9]+\. / { if ($1 != (++n) ".") { print "got " $1 ", want " n "."; bad = 1 } }
     END { exit bad || n == 0 }' "$ARTICLE" || fail "references of $ARTICLE are not numbered 1..n"
# No absolute path of the knowledge folder in the article (locations are relative: stable across checkouts).
has_not "$ARTICLE" "$(dirname "$(dirname "$DATA")")/knowledge"
echo "ok"
