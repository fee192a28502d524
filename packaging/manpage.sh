#!/usr/bin/env bash
# Writes kbdiag(1), gzipped as Debian wants it, from the program's own help: help2man for the synopsis, options,
# exit codes and environment of `kbdiag --help`, plus a SUBCOMMANDS section with the `--help` of every
# subcommand (found in the help itself, nested ones such as `kb lint` too), so the page cannot drift from the CLI.
#   bash packaging/manpage.sh KBDIAG_BINARY OUT.1.gz
set -euo pipefail
kbdiag=${1:?usage: $0 KBDIAG_BINARY OUT.1.gz}
out=${2:?usage: $0 KBDIAG_BINARY OUT.1.gz}
export LC_ALL=C.UTF-8 NO_COLOR=1 COLUMNS=80
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The names listed under "Subcommands:" in the help of `kbdiag [PATH...]`.
subcommands() {
  "$kbdiag" "$@" --help | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}'
}

# Roff-safe literal text: backslashes escaped, lines that would start a request protected.
roff_literal() { sed -e 's/\\/\\e/g' -e 's/^\([.'\'']\)/\\\&\1/' -e 's/-/\\-/g'; }

# The help of one subcommand without the description line (it is the .SS text) and without the exit-code and
# environment footer every subcommand repeats (EXIT CODES and ENVIRONMENT have it once).
subcommand_section() {
  local name="$*"
  echo ".SS \"kbdiag $name\""
  "$kbdiag" "$@" --help | awk 'NR == 1 {print; next} /^Exit codes:/ {exit} {print}' >"$work/help"
  head -n1 "$work/help" | roff_literal
  echo ".PP"
  echo ".nf"
  tail -n +2 "$work/help" | sed -e '/^$/N;/^\n$/D' | roff_literal
  echo ".fi"
}

{
  echo "[SUBCOMMANDS]"
  for sub in $(subcommands); do
    nested=$(subcommands "$sub")
    if [ -z "$nested" ]; then subcommand_section "$sub"; continue; fi
    for inner in $nested; do subcommand_section "$sub" "$inner"; done
  done
  echo "[FILES]"
  echo ".TP"
  echo ".I /usr/share/kbdiag/knowledge"
  echo "The shipped knowledge base; found relative to the program (\\fI<bin>/../share/kbdiag/knowledge\\fR, then"
  echo "\\fI<bin>/knowledge\\fR); \\fBKBDIAG_KNOWLEDGE\\fR overrides it."
  echo ".TP"
  echo ".I ~/.cache/kbdiag"
  echo "The start-up cache of the linked knowledge base (\\fB\$XDG_CACHE_HOME/kbdiag\\fR)."
  echo "[SEE ALSO]"
  echo "The authoring guide of the knowledge base: /usr/share/kbdiag/knowledge/README.md."
} >"$work/include"

help2man --no-info --section 1 --source "kbdiag" --manual "User Commands" \
  --name "ranked, explained diagnosis of Windows share-access errors" \
  --include "$work/include" --output "$work/kbdiag.1" "$kbdiag"
gzip -9n <"$work/kbdiag.1" >"$out.tmp"
mv "$out.tmp" "$out"
