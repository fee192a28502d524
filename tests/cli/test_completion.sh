#!/usr/bin/env bash
# The bash and zsh completions (packaging/completions) against this kbdiag: subcommands, nested subcommands,
# options of the subcommand typed, an option's listed values. They read `kbdiag ... --help`, so these checks
# also catch a help format the completions no longer understand. zsh: Debian package zsh (never skipped).
#   bash test_completion.sh KBDIAG TESTS_DATA_DIR [COMPLETIONS_DIR]   (default: the source tree's)
source "$(dirname "$0")/lib.sh"
COMPLETIONS=${3:-$(cd "$(dirname "$0")/../../packaging/completions" && pwd)}

# The completions call `kbdiag` from PATH, as a shell would.
mkdir -p "$TMP/bin"
ln -s "$(readlink -f "$KBDIAG_REAL")" "$TMP/bin/kbdiag"
export PATH="$TMP/bin:$PATH"

# bash_complete WORD...: COMPREPLY (one per line) for the command line WORDS, the last being the word completed.
bash_complete() {
  bash --norc --noprofile -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _kbdiag
    printf "%s\n" "${COMPREPLY[@]}"' bash "$COMPLETIONS/kbdiag.bash" "$@"
}
expect() {   # expect "WANTED" GOT
  [ "$2" = "$1" ] || fail "completion: expected [$(echo $1)], got [$(echo $2)]"
}

expect "infer" "$(bash_complete kbdiag in)"
expect "$(printf 'collect\nconsult')" "$(bash_complete kbdiag co)"
expect "$(printf 'lint\ntest\nfacts\nshow\ndocs' | sort)" "$(bash_complete kbdiag kb '' | sort)"
expect "show" "$(bash_complete kbdiag --no-cache kb sh)"
expect "--format" "$(bash_complete kbdiag infer --form)"
expect "$(printf 'text\njson\nmarkdown\nhtml')" "$(bash_complete kbdiag infer --format '')"
expect "--strict" "$(bash_complete kbdiag kb lint --str)"
# Choices when the option column is full (one space before the description): kb lint --format, batch --detail.
expect "$(printf 'text\njson')" "$(bash_complete kbdiag kb lint --format '')"
expect "$(printf 'ranking\nevidence\nfull')" "$(bash_complete kbdiag batch --detail '')"
# A value option's folder: directories only.
mkdir -p "$TMP/site-kb" && touch "$TMP/site-file"
expect "$TMP/site-kb" "$(bash_complete kbdiag --kb "$TMP/site")"
# Every subcommand in the help is offered.
bash_complete kbdiag '' >"$TMP/all"
for sub in $("$KBDIAG_REAL" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on {print $1}'); do
  grep -qx "$sub" "$TMP/all" || fail "bash completion does not offer '$sub'"
done

# zsh: the completion function with compadd and _files stubbed to print what they were given.
zsh_complete() {
  zsh -f -c '
    file=$1; shift
    compadd() { [[ $1 == -- ]] && shift; print -l -- "$@" }
    _files() { print -- "<files $*>" }
    words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
    _kbdiag() { source $file }
    _kbdiag' zsh "$COMPLETIONS/_kbdiag" "$@"
}
zsh -n "$COMPLETIONS/_kbdiag" || fail "_kbdiag: zsh syntax error"
head -n1 "$COMPLETIONS/_kbdiag" | grep -qx '#compdef kbdiag' || fail "_kbdiag: no #compdef line"
# compadd filters by PREFIX itself, so the stub sees every candidate of the position.
zsh_complete kbdiag in >"$TMP/z"; has "$TMP/z" "^infer$"; has "$TMP/z" "^kb$"
zsh_complete kbdiag kb s >"$TMP/z"; has "$TMP/z" "^show$"; has_not "$TMP/z" "^infer$"
zsh_complete kbdiag infer --f >"$TMP/z"; has "$TMP/z" "^--format$"; has "$TMP/z" "^-e$"; has_not "$TMP/z" "^--summary$"   # batch's, not infer's
expect "$(printf 'text\njson\nmarkdown\nhtml')" "$(zsh_complete kbdiag infer --format '')"
expect "$(printf 'text\njson')" "$(zsh_complete kbdiag kb lint --format '')"
expect "<files -/>" "$(zsh_complete kbdiag --kb '')"
expect "<files >" "$(zsh_complete kbdiag infer '')"
echo "completion: ok"
