#pragma once
// The sandbox: which parts of Lua a rule script can reach.
#include <lua.hpp>

namespace kbdiag::lua {

// Opens base, table, string, math and utf8 only, removes the loaders and other escapes from the globals,
// removes string.dump (reachable through every string's metatable), protects the string metatable,
// replaces setmetatable with one that refuses __gc, guards the string and table functions whose cost the
// instruction budget cannot see (library_limits.hpp), and seeds math.random deterministically.
// Run once, inside LuaState::call. [-0, +0, m]
void open_sandbox(lua_State* L);

// Pushes a fresh environment for one script file: the allowed base functions plus fresh shallow copies
// of the library tables, so a file that assigns string.lower = nil breaks only itself; and require, once
// install_require (module_loader.hpp) has registered it. [-0, +1, m]
void push_sandbox_env(lua_State* L);

}  // namespace kbdiag::lua
