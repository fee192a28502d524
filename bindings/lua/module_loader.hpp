#pragma once
// require("NAME") in the sandbox: knowledge-folder/rules/lib/NAME.lua (engine/kb/rule_modules.hpp), compiled
// and run once per knowledge load in a fresh sandbox environment under the calling protected call's budgets;
// every caller gets the same read-only view of the table it returned.
#include <map>
#include <string>
#include <vector>

#include <lua.hpp>

#include "bindings/lua/lua_state.hpp"
#include "engine/core/diagnostic.hpp"

namespace kbdiag::lua {

// What require reaches through a light userdata: the folders to search and the module texts it read (kept here
// so that no C++ string is alive while Lua may raise).
struct ModuleHost {
    std::vector<std::string> folders;
    std::map<std::string, std::string> texts;   // module name -> its source
    std::map<std::string, std::string> paths;   // module name -> the file it came from
};

// Registers require (bound to `host`, which must outlive the state) for push_sandbox_env, and the registry tables
// that cache modules and their views. Run inside LuaState::call. [-0, +0, m]
void install_require(lua_State* L, ModuleHost* host);

// Loads every module the folders provide, so a module that fails to compile or run is reported (KB009, at its
// file:line) even when no rule requires it. Call after install_require.
void preload_modules(LuaState& state, ModuleHost& host, Diagnostics& diagnostics);

// Whether `L`'s value at `index` is a read-only module view (the sandbox's rawset refuses those). [-0, +0, -]
bool is_module_view(lua_State* L, int index);

}  // namespace kbdiag::lua
