#!/usr/bin/env bash
# Shared Lua modules: require("NAME") loads rules/lib/NAME.lua of the knowledge folders (an overlay's shadows the
# shipped one); unknown modules, modules that do not compile and names that are paths are lint errors at
# file:line:col; editing a module invalidates the knowledge cache; the shipped rules use rules/lib/hostnames.lua.
source "$(dirname "$0")/lib.sh"

OV="$TMP/overlay_mod"
mkdir -p "$OV/rules/lib"
write_script_rule "$OV" level_via_module "The level, judged by a shared module" uses judge
cat >"$OV/rules/uses.lua" <<'LUA'
local M = {}
local levels = require("levels")

function M.judge(ctx)
  if levels.is_low(ctx.fact("mini.lm_level")) then
    ctx.evidence("mini_level", 4, "judged by " .. levels.name)
  end
end

return M
LUA
cat >"$OV/rules/lib/levels.lua" <<'LUA'
local M = { name = "the shipped levels module" }

function M.is_low(level)
  return level <= 2
end

return M
LUA
ARGS=("${MINI[@]}" --kb "$OV")

# The module works, and lint is clean.
run 0 "$KBDIAG" "${ARGS[@]}" kb lint
run 0 "$KBDIAG" "${ARGS[@]}" infer --error 0x963 --fact mini.lm_level=1 --verbose
has "$TMP/out" "judged by the shipped levels module"

# An overlay's module of the same name shadows it.
OV2="$TMP/overlay_shadow"
mkdir -p "$OV2/rules/lib"
sed 's/the shipped levels module/the site levels module/' "$OV/rules/lib/levels.lua" >"$OV2/rules/lib/levels.lua"
run 0 "$KBDIAG" "${ARGS[@]}" --kb "$OV2" infer --error 0x963 --fact mini.lm_level=1 --verbose
has "$TMP/out" "judged by the site levels module"

# The knowledge cache sees an edited module (same size, other content).
export KBDIAG_CACHE_TRACE=1
run 0 "$KBDIAG" "${ARGS[@]}" infer --error 0x963 --fact mini.lm_level=1
run 0 "$KBDIAG" "${ARGS[@]}" infer --error 0x963 --fact mini.lm_level=1
has "$TMP/err" "knowledge from cache"
sed -i 's/level <= 2/level <= 3/' "$OV/rules/lib/levels.lua"
run 0 "$KBDIAG" "${ARGS[@]}" infer --error 0x963 --fact mini.lm_level=1
has "$TMP/err" "levels.lua changed"
unset KBDIAG_CACHE_TRACE

# A module that is read-only to its users: a write fails the writing rule, at its line.
sed -i 's/^  if levels.is_low/  levels.name = "mine"\n  if levels.is_low/' "$OV/rules/uses.lua"
run 0 "$KBDIAG" "${ARGS[@]}" infer --error 0x963 --fact mini.lm_level=1 --format json
has "$TMP/out" '"location": "[^"]*uses\.lua:5"'
has "$TMP/out" "read-only"
sed -i '/levels.name = "mine"/d' "$OV/rules/uses.lua"

# An unknown module: lint fails at the require's file:line:col.
sed -i 's/require("levels")/require("nosuch")/' "$OV/rules/uses.lua"
run 3 "$KBDIAG" "${ARGS[@]}" kb lint
has "$TMP/out" "uses\.lua:2:16: .*KB009"
has "$TMP/out" "no module 'nosuch'"

# A name that is a path is refused, wherever it points.
sed -i 's/require("nosuch")/require("..\/..\/rules\/uses")/' "$OV/rules/uses.lua"
run 3 "$KBDIAG" "${ARGS[@]}" kb lint
has "$TMP/out" "uses\.lua:2:16: .*not a module name"
sed -i 's/require("[^"]*")/require("levels")/' "$OV/rules/uses.lua"

# A symlink out of rules/lib is refused.
echo 'return {}' >"$TMP/outside.lua"
ln -s "$TMP/outside.lua" "$OV/rules/lib/escape.lua"
run 3 "$KBDIAG" "${ARGS[@]}" kb lint
has "$TMP/out" "escape\.lua.*leaves"
rm "$OV/rules/lib/escape.lua"

# A module that does not compile: lint fails at the module's file:line.
printf 'local M = {}\n\nfunction M.f( return 1 end\nreturn M\n' >"$OV/rules/lib/broken.lua"
run 3 "$KBDIAG" "${ARGS[@]}" kb lint
has "$TMP/out" "lib/broken\.lua:3"
rm "$OV/rules/lib/broken.lua"
run 0 "$KBDIAG" "${ARGS[@]}" kb lint

# The shipped knowledge: both rule files take the host-name helpers from rules/lib/hostnames.lua.
run 0 "$KBDIAG" kb lint --strict
echo "ok"
