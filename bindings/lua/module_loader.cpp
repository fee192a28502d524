// require("NAME"): shared modules of the rules, each loaded once per state and handed out read-only.
#include "bindings/lua/module_loader.hpp"

#include <cstdio>

#include <fmt/format.h>

#include "bindings/lua/lua_errors.hpp"
#include "bindings/lua/lua_guard.hpp"
#include "bindings/lua/sandbox.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/kb/rule_modules.hpp"

namespace kbdiag::lua {

namespace {

constexpr const char* kRequire = "kbdiag.require";
// name -> view; the error text of a failed load; false while loading
constexpr const char* kModules = "kbdiag.modules";
constexpr const char* kViews = "kbdiag.module_views";    // real table -> its view (weak keys)
constexpr const char* kViewSet = "kbdiag.module_view_set";   // view -> true (weak keys), for rawset's refusal

// A message that outlives the guarded block without owning heap memory (paths make it longer than CppError's).
struct LookupError {
    char text[1024] = {};
    void set(const std::string& s) noexcept { std::snprintf(text, sizeof text, "%s", s.c_str()); }
};

// [-0, +1, m]
void new_weak_table(lua_State* L) {
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
}

void push_view(lua_State* L, int real);

// Replaces a table on top by its read-only view, so nested tables of a module are read-only too. [-1, +1, m]
void wrap_top(lua_State* L) {
    if (lua_type(L, -1) != LUA_TTABLE) return;
    push_view(L, lua_absindex(L, -1));
    lua_remove(L, -2);
}

// The view's metamethods; upvalue 1 is the real table.
int view_index(lua_State* L) {
    lua_pushvalue(L, 2);
    lua_gettable(L, lua_upvalueindex(1));
    wrap_top(L);
    return 1;
}

int view_newindex(lua_State* L) {
    return luaL_error(L, "a module's table is read-only (every rule shares it): copy what you need to change");
}

int view_len(lua_State* L) {
    lua_len(L, lua_upvalueindex(1));
    return 1;
}

int view_next(lua_State* L) {
    lua_settop(L, 2);
    if (lua_next(L, lua_upvalueindex(1)) == 0) {
        lua_pushnil(L);
        return 1;
    }
    wrap_top(L);
    return 2;
}

int view_pairs(lua_State* L) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushcclosure(L, view_next, 1);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

// Pushes the one view of the table at `real` (absolute index): an empty table whose metatable reads through to
// it and refuses writes; its metatable is protected, so setmetatable cannot take the protection off. [-0, +1, m]
void push_view(lua_State* L, int real) {
    lua_getfield(L, LUA_REGISTRYINDEX, kViews);
    lua_pushvalue(L, real);
    if (lua_rawget(L, -2) == LUA_TTABLE) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 5);
    const luaL_Reg reading[] = {{"__index", view_index}, {"__len", view_len}, {"__pairs", view_pairs}};
    for (const luaL_Reg& r : reading) {
        lua_pushvalue(L, real);
        lua_pushcclosure(L, r.func, 1);
        lua_setfield(L, -2, r.name);
    }
    lua_pushcfunction(L, view_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "read-only module table");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, real);
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);   // views[real] = view
    lua_getfield(L, LUA_REGISTRYINDEX, kViewSet);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    lua_remove(L, -2);
}

// Records the error on top as the module's outcome, so a later require repeats it rather than reloading, and
// raises it. Stack index 2 holds the module cache. [-1, +0, v]
int fail(lua_State* L, const char* name) {
    if (lua_type(L, -1) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushfstring(L, "module '%s' raised a non-string error", name);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return lua_error(L);
}

// Finds and reads the module into the host (C++ work, no Lua call). False with `error` set when refused.
bool fetch_source(ModuleHost& host, const char* name, LookupError& error, const char** text, std::size_t* size,
                  const char** chunk_name) {
    CppError cpp;
    bool found = false;
    const bool ok = guarded(cpp, [&] {
        const ModuleLookup lookup = find_module(host.folders, name);
        if (lookup.path.empty()) return error.set(lookup.error);
        std::string source, why;
        if (!read_file(lookup.path, source, why, limits::knowledge_file_bytes))
            return error.set(fmt::format("cannot read {}: {}", lookup.path, why));
        host.paths[name] = "@" + lookup.path;
        host.texts[name] = std::move(source);
        *text = host.texts[name].data();
        *size = host.texts[name].size();
        *chunk_name = host.paths[name].c_str();
        found = true;
    });
    if (!ok) error.set(cpp.text);
    return ok && found;
}

// require(name) -> the module's read-only view. Upvalue 1: the ModuleHost. [-1, +1, e]
int require_module(lua_State* L) {
    const char* name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    lua_getfield(L, LUA_REGISTRYINDEX, kModules);   // 2
    switch (lua_getfield(L, 2, name)) {
        case LUA_TTABLE: return 1;
        case LUA_TSTRING: return luaL_error(L, "require(\"%s\"): %s", name, lua_tostring(L, 3));
        case LUA_TBOOLEAN: return luaL_error(L, "require(\"%s\"): a cycle (the module is still loading)", name);
        default: lua_pop(L, 1);
    }
    auto* host = static_cast<ModuleHost*>(lua_touserdata(L, lua_upvalueindex(1)));
    LookupError error;
    const char* text = nullptr;
    const char* chunk_name = nullptr;
    std::size_t size = 0;
    if (!fetch_source(*host, name, error, &text, &size, &chunk_name))
        return luaL_error(L, "require(\"%s\"): %s", name, error.text);
    lua_pushboolean(L, 0);
    lua_setfield(L, 2, name);   // loading
    if (luaL_loadbufferx(L, text, size, chunk_name, "t") != LUA_OK) return fail(L, name);
    push_sandbox_env(L);
    lua_setupvalue(L, -2, 1);   // a main chunk's only upvalue is _ENV
    if (lua_pcall(L, 0, 1, 0) != LUA_OK) return fail(L, name);
    if (lua_type(L, -1) != LUA_TTABLE) {
        lua_pushfstring(L, "%s: a module must return a table, but returned %s", chunk_name + 1, luaL_typename(L, -1));
        return fail(L, name);
    }
    push_view(L, lua_gettop(L));
    lua_pushvalue(L, -1);
    lua_setfield(L, 2, name);
    return 1;
}

// [-1, +0, e]
int install_entry(lua_State* L) {
    install_require(L, static_cast<ModuleHost*>(lua_touserdata(L, 1)));
    return 0;
}

struct PreloadRequest {
    const char* name = nullptr;
};

// [-1, +0, e]
int preload_entry(lua_State* L) {
    auto* request = static_cast<PreloadRequest*>(lua_touserdata(L, 1));
    lua_getfield(L, LUA_REGISTRYINDEX, kRequire);
    lua_pushstring(L, request->name);
    lua_call(L, 1, 0);
    return 0;
}

// The KB009 diagnostic for a module that failed to load, at its file:line when the message or a budget tells.
Diagnostic module_failure(const CallResult& result, const Budget& budget, const std::string& path) {
    const LoadFailure failure = describe_load_failure(result, budget, path);
    return script_diagnostic(codes::kb_lua_compile, fmt::format("Lua module cannot be loaded: {}", failure.text),
                             SourceLocation{path, failure.line, 0}, result.frames, {});
}

}  // namespace

void install_require(lua_State* L, ModuleHost* host) {
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kModules);
    new_weak_table(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kViews);
    new_weak_table(L);
    lua_setfield(L, LUA_REGISTRYINDEX, kViewSet);
    lua_pushlightuserdata(L, host);
    lua_pushcclosure(L, require_module, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, kRequire);
}

void preload_modules(LuaState& state, ModuleHost& host, Diagnostics& diagnostics) {
    if (!state.call(install_entry, &host).ok()) {
        diagnostics.error(codes::kb_lua_compile, "cannot set up require for the Lua modules");
        return;
    }
    for (const std::string& name : list_module_names(host.folders)) {
        PreloadRequest request{name.c_str()};
        const CallResult result = state.call(preload_entry, &request);
        if (classify(result, state.budget(), false) == Failure::none) continue;
        const auto path = host.paths.find(name);
        const std::string file = path != host.paths.end() ? path->second.substr(1)
                                                           : module_dir(host.folders.back()) + "/" + name + ".lua";
        diagnostics.add(module_failure(result, state.budget(), file));
        if (classify(result, state.budget(), false) == Failure::memory) state.collect_garbage();
    }
}

bool is_module_view(lua_State* L, int index) {
    index = lua_absindex(L, index);
    if (lua_getfield(L, LUA_REGISTRYINDEX, kViewSet) != LUA_TTABLE) {
        lua_pop(L, 1);
        return false;
    }
    lua_pushvalue(L, index);
    const bool view = lua_rawget(L, -2) != LUA_TNIL;
    lua_pop(L, 2);
    return view;
}

}  // namespace kbdiag::lua
