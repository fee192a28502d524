#!/usr/bin/env bash
# ctest kb.luacheck: luacheck with knowledge/.luacheckrc (the rule sandbox's globals) passes on every shipped
# rule file and shared module (rules/lib), and flags each forbidden use in the planted file lua/forbidden-globals.lua: every line with an
# "-- expect: CODE NAME" comment must get a warning with that code naming NAME, and no other line may.
#   bash tests/schemas/luacheck.sh [KNOWLEDGE_DIR]
# Needs Debian's lua-check (the luacheck command).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
knowledge=$(cd "${1:-$here/../../knowledge}" && pwd)
config="$knowledge/.luacheckrc"
planted="$here/lua/forbidden-globals.lua"
passed=0
failed=0
pass() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

if ! command -v luacheck >/dev/null 2>&1; then
  echo "FAIL: luacheck not found: apt-get install lua-check"
  echo "0 passed, 1 failed"
  exit 1
fi
luacheck_plain() { luacheck --no-color --codes --formatter plain --config "$config" "$@"; }

echo "== shipped rule files"
shopt -s nullglob
rules=("$knowledge"/rules/*.lua "$knowledge"/rules/lib/*.lua)
if [ "${#rules[@]}" -eq 0 ]; then
  fail "no rule files in $knowledge/rules"
elif luacheck_plain "${rules[@]}"; then
  echo "${#rules[@]} files clean"
  pass
else
  fail "luacheck found problems in the shipped rule files (above)"
fi

echo "== planted forbidden globals"
output=$(luacheck_plain "$planted")
expected=$(grep -n -- '-- expect: ' "$planted" | sed -E 's/^([0-9]+):.*-- expect: ([A-Z0-9]+) (.*)$/\1 \2 \3/')
[ -n "$expected" ] || fail "no '-- expect:' lines in $planted"
while read -r line code name; do
  [ -n "$line" ] || continue
  if grep -qE "^[^:]+:$line:[0-9]+: \($code\) .*'$name'" <<<"$output"; then pass
  else fail "line $line: luacheck did not report $code for '$name'"; fi
done <<<"$expected"
flagged=$(sed -E 's/^[^:]+:([0-9]+):.*/\1/' <<<"$output" | sort -u)
for line in $flagged; do
  grep -q "^$line " <<<"$expected" || fail "line $line flagged without an expect comment: $(grep -E "^[^:]+:$line:" <<<"$output")"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
