#!/usr/bin/env bash
# ctest kb.schemas: the JSON Schemas in knowledge/schemas/ (what editors check knowledge YAML with) against the
# shipped knowledge and against kbdiag's own reader.
#   bash tests/schemas/run.sh KBDIAG [KNOWLEDGE_DIR]
# 0. the schemas list exactly the keys, kinds, comparisons and enum values the C++ reader knows (reader_keys.py);
# 1. every shipped knowledge YAML file has its yaml-language-server modeline (tools/scripts/add-modelines.sh
#    --check) and validates against the schema it names and against knowledge.schema.json;
# 2. each planted wrong file in invalid/ is rejected by the schemas with the error its "# expect-error:" lines
#    name, AND by kbdiag's reader: `kb lint --strict` with the file as an overlay reports the code its
#    "# expect-lint:" line names at that file (schema and reader agree on what is wrong);
# 3. each file in valid/ (forms the reader accepts) validates, and `kb lint` reports no error in it.
# Needs Debian's python3-jsonschema and python3-yaml, used through /usr/bin/python3 (not a pyenv python).
set -uo pipefail

kbdiag=${1:?usage: run.sh KBDIAG [KNOWLEDGE_DIR]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
knowledge=${2:-$root/knowledge}
python=/usr/bin/python3
passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

if ! "$python" -c 'import jsonschema, yaml' 2>/dev/null; then
  echo "FAIL: $python cannot import jsonschema and yaml: apt-get install python3-jsonschema python3-yaml"
  echo "0 passed, 1 failed"
  exit 1
fi

echo "== the schemas name exactly the keys and values the reader knows (engine/kb, read from the C++ source)"
if "$python" "$here/reader_keys.py" "$root" "$knowledge"; then pass; else fail "schemas and reader disagree on keys"; fi

echo "== modelines"
if bash "$root/tools/scripts/add-modelines.sh" --check "$knowledge"; then pass; else fail "modelines missing or wrong"; fi

echo "== shipped files against the schemas"
if "$python" "$here/validate.py" "$knowledge"; then pass; else fail "shipped files do not validate"; fi

echo "== planted wrong files: the schemas reject them"
if "$python" "$here/validate.py" --expect-invalid "$knowledge" "$here"/invalid/*.yaml; then pass
else fail "a planted wrong file was not rejected as expected"; fi

echo "== planted wrong files: kbdiag's reader rejects them too"
for file in "$here"/invalid/*.yaml; do
  name=$(basename "$file")
  code=$(sed -n 's/^# expect-lint: *//p' "$file")
  overlay="$scratch/${name%.yaml}"
  mkdir -p "$overlay" && cp "$file" "$overlay/"
  output=$("$kbdiag" --no-builtin-kb --kb "$knowledge" --kb "$overlay" kb lint --strict 2>&1)
  status=$?
  if [ -z "$code" ]; then
    fail "$name has no '# expect-lint: CODE' line"
  elif [ "$status" -ne 0 ] && grep -q "^$overlay/$name:[0-9]*:[0-9]*: error\[$code\]" <<<"$output"; then
    pass
  else
    fail "$name: kb lint --strict exited $status without error[$code] at the file:"
    grep "$overlay/$name" <<<"$output" | head -5
  fi
done

echo "== valid unusual forms: the schemas and the reader accept them"
if "$python" "$here/validate.py" --expect-valid "$knowledge" "$here"/valid/*.yaml; then pass
else fail "a valid file was rejected by the schemas"; fi
for file in "$here"/valid/*.yaml; do
  name=$(basename "$file")
  overlay="$scratch/valid-${name%.yaml}"
  mkdir -p "$overlay" && cp "$file" "$overlay/"
  output=$("$kbdiag" --no-builtin-kb --kb "$knowledge" --kb "$overlay" kb lint 2>&1)
  status=$?
  if [ "$status" -eq 0 ] && ! grep -q "^$overlay/$name:.*: error\[" <<<"$output"; then pass
  else
    fail "$name: kb lint exited $status or reported errors in it:"
    grep "$overlay/$name" <<<"$output" | head -5
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
