// Loading rule files under the budgets.
#include "bindings/lua/script_loader.hpp"

#include <fmt/format.h>

#include "bindings/lua/lua_errors.hpp"
#include "bindings/lua/sandbox.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/input_limits.hpp"

namespace kbdiag::lua {

namespace {

// What load_entry needs and what it found. Plain data and pointers: a Lua error may longjmp past it.
struct LoadRequest {
    const char* chunk = nullptr;
    std::size_t size = 0;
    const char* chunk_name = nullptr;               // "@path"
    const std::vector<std::string>* wanted = nullptr;
    std::vector<char>* present = nullptr;           // sized like *wanted
    bool compiled = false;
    int module_ref = LUA_NOREF;
};

// Compiles the chunk in text mode, runs it in a fresh environment and keeps the table it returns.
// [-1, +0, e]
int load_entry(lua_State* L) {
    auto* request = static_cast<LoadRequest*>(lua_touserdata(L, 1));
    if (luaL_loadbufferx(L, request->chunk, request->size, request->chunk_name, "t") != LUA_OK) {
        return lua_error(L);   // the compiler's message, already "path:line: ..."
    }
    request->compiled = true;
    push_sandbox_env(L);
    lua_setupvalue(L, -2, 1);   // a main chunk's only upvalue is _ENV
    lua_call(L, 0, 1);
    if (lua_type(L, -1) != LUA_TTABLE) {
        return luaL_error(L, "the file must return a table of functions, but returned %s", luaL_typename(L, -1));
    }
    for (std::size_t i = 0; i < request->wanted->size(); ++i) {
        lua_pushstring(L, (*request->wanted)[i].c_str());
        (*request->present)[i] = lua_rawget(L, -2) == LUA_TFUNCTION ? 1 : 0;
        lua_pop(L, 1);
    }
    request->module_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

// [-1, +0, e]
int sandbox_entry(lua_State* L) {
    open_sandbox(L);
    return 0;
}

// [-1, +0, -]
int unref_entry(lua_State* L) {
    const int ref = *static_cast<int*>(lua_touserdata(L, 1));
    luaL_unref(L, LUA_REGISTRYINDEX, ref);
    return 0;
}

void unref(LuaState& state, int ref) {
    if (ref != LUA_NOREF) state.call(unref_entry, &ref);
}

// The 1-based column of the first require( on `line` of `source`, so a refused require points at the call; 0 when
// the line has none.
int require_column(const std::string& source, int line) {
    std::size_t start = 0;
    for (int n = 1; n < line && start != std::string::npos; ++n) {
        start = source.find('\n', start);
        if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos || line <= 0) return 0;
    const std::size_t end = source.find('\n', start);
    const std::size_t at = source.substr(start, end == std::string::npos ? end : end - start).find("require");
    return at == std::string::npos ? 0 : static_cast<int>(at) + 1;
}

// The KB009 diagnostic for a failed load.
Diagnostic load_failure(const CallResult& result, const Budget& budget, const LoadRequest& request,
                        const std::string& path, const std::string& source) {
    const LoadFailure failure = describe_load_failure(result, budget, path);
    const int line = failure.line;
    const std::string text =
        failure.runtime
            ? fmt::format("{}: {}", request.compiled ? "failed while loading" : "does not compile", failure.text)
            : failure.text;
    const int column = text.find("require(\"") != std::string::npos ? require_column(source, line) : 0;
    return script_diagnostic(codes::kb_lua_compile, fmt::format("Lua rule file {}", text),
                             SourceLocation{path, line, column}, result.frames, {});
}

}  // namespace

bool open_sandbox_in(LuaState& state, Diagnostics& diagnostics) {
    const CallResult result = state.call(sandbox_entry, nullptr);
    if (result.ok()) return true;
    diagnostics.error(codes::kb_lua_compile, fmt::format("cannot set up the Lua sandbox: {}", result.message));
    return false;
}

LoadedScript load_script(LuaState& state, const std::string& path, const std::vector<std::string>& wanted,
                         Diagnostics& diagnostics, const SourceLocation& used_at) {
    LoadedScript script;
    std::string text, error;
    if (!read_file(path, text, error, limits::knowledge_file_bytes)) {
        if (used_at.file.empty())
            diagnostics.error(codes::kb_lua_compile, fmt::format("cannot read Lua rule file: {}", error),
                              SourceLocation{path, 0, 0});
        else
            diagnostics.error(codes::kb_lua_compile, fmt::format("cannot read Lua rule file {}: {}", path, error),
                              used_at);
        return script;
    }
    const std::string chunk_name = "@" + path;
    std::vector<char> present(wanted.size(), 0);
    LoadRequest request{text.data(), text.size(), chunk_name.c_str(), &wanted, &present};
    const CallResult result = state.call(load_entry, &request);
    if (classify(result, state.budget(), false) != Failure::none) {   // also a budget blown under pcall
        if (result.ok()) unref(state, request.module_ref);
        diagnostics.add(load_failure(result, state.budget(), request, path, text));
        if (classify(result, state.budget(), false) == Failure::memory) state.collect_garbage();
        return script;
    }
    script.loaded = true;
    script.module_ref = request.module_ref;
    for (std::size_t i = 0; i < wanted.size(); ++i) {
        if (present[i]) script.functions.insert(wanted[i]);
    }
    return script;
}

void unload_script(LuaState& state, LoadedScript& script, std::string because) {
    if (!script.loaded) return;
    state.call(unref_entry, &script.module_ref);
    script.loaded = false;
    script.module_ref = LUA_NOREF;
    script.functions.clear();
    script.unloaded_because = std::move(because);
    state.collect_garbage();
}

}  // namespace kbdiag::lua
