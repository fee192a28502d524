#pragma once
// Loading one rule file into the state: text-mode compile as "@path", a fresh sandbox environment, the
// table of functions it returns kept in the registry.
#include <set>
#include <string>
#include <vector>

#include "bindings/lua/lua_state.hpp"
#include "engine/core/diagnostic.hpp"

namespace kbdiag::lua {

struct LoadedScript {
    bool loaded = false;
    int module_ref = LUA_NOREF;            // registry reference to the returned table
    std::set<std::string> functions;       // the wanted functions the table has
    std::string unloaded_because;          // why a loaded file was dropped later (empty: never loaded)
};

// Loads `path` (as written in ScriptRef::resolved) and checks which of `wanted` its table holds. Compile and
// load errors become KB009 diagnostics at the file's line. A file that cannot be read has no line of its own:
// its diagnostic points at `used_at` (the first rule naming the file) when there is one.
LoadedScript load_script(LuaState& state, const std::string& path, const std::vector<std::string>& wanted,
                         Diagnostics& diagnostics, const SourceLocation& used_at = {});

// Drops a loaded file's table, so the collector can reclaim what its environment holds.
void unload_script(LuaState& state, LoadedScript& script, std::string because);

// Opens the sandbox in a new state; false with a KB009 diagnostic when that fails.
bool open_sandbox_in(LuaState& state, Diagnostics& diagnostics);

}  // namespace kbdiag::lua
