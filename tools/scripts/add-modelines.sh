#!/usr/bin/env bash
# Gives every knowledge YAML file a yaml-language-server modeline as its first line, so editors (VS Code's YAML
# extension, any yaml-language-server client) validate it and show the keys' descriptions:
#   # yaml-language-server: $schema=../schemas/causes.schema.json
# The schema follows from the file's top-level keys: a file holding one kind (causes:, fixes:, ...) gets that
# kind's schema; an empty file or one holding several kinds gets knowledge.schema.json (any kinds).
# Idempotent: a file whose modeline is right is left alone; a wrong one is replaced; a missing one is added.
#   bash tools/scripts/add-modelines.sh [--check] [KNOWLEDGE_DIR]
# --check changes nothing: it lists the files whose modeline is missing or wrong and exits 1 if there are any.
# Default KNOWLEDGE_DIR: knowledge/ of this checkout. A folder without schemas/ (a site overlay) gets modelines
# pointing at this checkout's knowledge/schemas/.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
check=0
if [ "${1:-}" = "--check" ]; then
  check=1
  shift
fi
knowledge=$(cd "${1:-$here/knowledge}" && pwd)
schemas="$knowledge/schemas"                       # the shipped folder has its schemas;
[ -d "$schemas" ] || schemas="$here/knowledge/schemas"   # a site folder (--kb DIR) uses this checkout's
kinds=" facts problems causes fixes rules references windows_releases vendors scenarios "
[ -f "$schemas/knowledge.schema.json" ] || { echo "no $schemas/knowledge.schema.json" >&2; exit 2; }

# The schema file name for one YAML file, from its top-level keys (column-0 "key:" lines; `schema:` is ignored
# by kbdiag and so here).
schema_for() {
  local keys found=() key
  keys=$(grep -oE '^[A-Za-z_][A-Za-z0-9_]*:' "$1" | tr -d ':' | sort -u || true)
  for key in $keys; do
    [ "$key" = schema ] && continue
    found+=("$key")
  done
  if [ "${#found[@]}" -eq 1 ] && [[ "$kinds" == *" ${found[0]} "* ]]; then
    echo "${found[0]}.schema.json"
  else
    echo "knowledge.schema.json"
  fi
}

changed=0
while IFS= read -r -d '' file; do
  relative=$(realpath --relative-to="$(dirname "$file")" "$schemas")
  want="# yaml-language-server: \$schema=$relative/$(schema_for "$file")"
  first=$(head -n 1 "$file")
  [ "$first" = "$want" ] && continue
  changed=$((changed + 1))
  if [ "$check" -eq 1 ]; then
    echo "${file#"$knowledge"/}: first line should be: $want"
    continue
  fi
  tmp="$file.modeline.tmp"
  if [[ "$first" == "# yaml-language-server:"* ]]; then
    { echo "$want"; tail -n +2 "$file"; } >"$tmp"    # replace a stale modeline
  else
    { echo "$want"; cat "$file"; } >"$tmp"
  fi
  chmod --reference="$file" "$tmp"
  mv "$tmp" "$file"
  echo "${file#"$knowledge"/}: $want"
done < <(find "$knowledge" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 | sort -z)

if [ "$check" -eq 1 ] && [ "$changed" -gt 0 ]; then
  echo "$changed file(s) lack the right modeline: run bash tools/scripts/add-modelines.sh" >&2
  exit 1
fi
echo "modelines: $changed file(s) $([ "$check" -eq 1 ] && echo "to change" || echo changed)"
