# bash completion for kbdiag. Subcommands, options and option values come from `kbdiag ... --help` at TAB time,
# so the completion follows the program it completes (no list to keep in step). Needs nothing from the
# bash-completion package; installed as /usr/share/bash-completion/completions/kbdiag (loaded on demand).

# _kbdiag_help PROGRAM [SUBCOMMAND...]: the help of that (sub)command, plain.
_kbdiag_help() {
  LC_ALL=C NO_COLOR=1 COLUMNS=200 "$@" --help 2>/dev/null
}

# The subcommand names listed under "Subcommands:".
_kbdiag_subcommands() {
  _kbdiag_help "$@" | awk '/^Subcommands:/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}'
}

# One line per option under "Options:": its names, a tab, its value's type ("" for a flag), e.g.
# "-e --error<TAB>CODE", "--format<TAB>FORMAT:{text,json,markdown,html}".
_kbdiag_options() {
  _kbdiag_help "$@" | awk '
    /^Options:/ {on = 1; next}
    on && /^$/ {exit}
    on && /^  -/ {
      spec = substr($0, 3); sub(/  .*/, "", spec)          # the option column ends at two spaces
      names = spec; sub(/ .*/, "", names); gsub(/,/, " ", names)
      type = spec; if (!sub(/^[^ ]+ /, "", type)) type = ""
      if (match(type, /^[^ ]*:\{[^}]*\}/)) type = substr(type, RSTART, RLENGTH)   # a full column leaves one space
      printf "%s\t%s\n", names, type
    }'
}

_kbdiag() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=""
  [ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
  local prog=${COMP_WORDS[0]}
  local path=() subs word i
  # The subcommand path typed so far: each word that is a subcommand of the level before it.
  subs=$(_kbdiag_subcommands "$prog")
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${COMP_WORDS[i]}
    if [[ -n $subs && $'\n'$subs$'\n' == *$'\n'$word$'\n'* ]]; then
      path+=("$word")
      subs=$(_kbdiag_subcommands "$prog" "${path[@]}")
    fi
  done

  local options line names type
  options=$(_kbdiag_options "$prog" "${path[@]}")
  # A value for the option just typed: its listed choices, a file or folder, else nothing to offer.
  if [[ $prev == -* ]]; then
    while IFS=$'\t' read -r names type; do
      [[ " $names " == *" $prev "* && -n $type ]] || continue
      case $type in
        *:\{*\}) local choices=${type#*:\{}; choices=${choices%\}}
                 COMPREPLY=($(compgen -W "${choices//,/ }" -- "$cur")) ;;
        DIR*) COMPREPLY=($(compgen -d -- "$cur")) ;;
        FILE*|SNAPSHOT*|PATH*) COMPREPLY=($(compgen -f -- "$cur")) ;;
        *) COMPREPLY=() ;;
      esac
      return 0
    done <<<"$options"
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(cut -f1 <<<"$options")" -- "$cur"))
  elif [[ -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _kbdiag kbdiag kbdiag.exe
