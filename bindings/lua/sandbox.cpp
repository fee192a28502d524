// The sandbox: an allow list of the base library plus copies of table, string, math and utf8 per file.
#include "bindings/lua/sandbox.hpp"

#include "bindings/lua/library_limits.hpp"
#include "bindings/lua/module_loader.hpp"

namespace kbdiag::lua {

namespace {

// Base functions a script may use. Not: dofile, loadfile, load, collectgarbage, print, warn; nor the standard
// require: the environment gets module_loader.hpp's, which loads only the knowledge's rules/lib modules.
constexpr const char* kBaseAllowed[] = {
    "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget", "rawlen",
    "rawset", "select", "setmetatable", "tonumber", "tostring", "type", "xpcall", "_VERSION",
};

constexpr const char* kLibraries[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME};

constexpr const char* kRemovedGlobals[] = {
    "dofile", "loadfile", "load", "collectgarbage", "print", "require", "warn",
};

// setmetatable(t, mt) that refuses a metatable with __gc: a finalizer would run outside any rule call.
// Otherwise as the base function. [-2, +1, v]
int safe_setmetatable(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const int kind = lua_type(L, 2);
    luaL_argexpected(L, kind == LUA_TNIL || kind == LUA_TTABLE, 2, "nil or table");
    if (kind == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        const bool has_gc = lua_rawget(L, 2) != LUA_TNIL;
        lua_pop(L, 1);
        if (has_gc) return luaL_error(L, "setmetatable: __gc metamethods are not allowed in rule scripts");
    }
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

// Replaces the table on top with a shallow copy of it. [-1, +1, m]
void replace_with_copy(lua_State* L) {
    const int source = lua_gettop(L);
    lua_createtable(L, 0, 32);
    lua_pushnil(L);
    while (lua_next(L, source) != 0) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, source + 1);
    }
    lua_remove(L, source);
}

// rawset(t, k, v) that refuses a module's read-only view: rawset skips __newindex, and a key set on the view would
// be seen by every rule. Otherwise as the base function. [-3, +1, e]
int safe_rawset(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (is_module_view(L, 1)) return luaL_error(L, "rawset: a module's table is read-only (every rule shares it)");
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

// [-0, +0, m]
void protect_string_metatable(lua_State* L) {
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1) != 0) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");   // getmetatable("") now returns false
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

// [-0, +0, e]
void seed_random(lua_State* L) {
    lua_getglobal(L, LUA_MATHLIBNAME);
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 20240601);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
}

}  // namespace

void open_sandbox(lua_State* L) {
    static const luaL_Reg libraries[] = {
        {LUA_GNAME, luaopen_base},         {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math},   {LUA_UTF8LIBNAME, luaopen_utf8},
    };
    for (const luaL_Reg& lib : libraries) {
        luaL_requiref(L, lib.name, lib.func, 1);
        lua_pop(L, 1);
    }
    for (const char* name : kRemovedGlobals) {
        lua_pushnil(L);
        lua_setglobal(L, name);
    }
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);
    protect_string_metatable(L);
    guard_libraries(L);
    lua_pushcfunction(L, safe_setmetatable);
    lua_setglobal(L, "setmetatable");
    lua_pushcfunction(L, safe_rawset);
    lua_setglobal(L, "rawset");
    seed_random(L);
}

void push_sandbox_env(lua_State* L) {
    lua_createtable(L, 0, 24);
    for (const char* name : kBaseAllowed) {
        lua_getglobal(L, name);
        lua_setfield(L, -2, name);
    }
    for (const char* name : kLibraries) {
        lua_getglobal(L, name);
        replace_with_copy(L);
        lua_setfield(L, -2, name);
    }
    if (lua_getfield(L, LUA_REGISTRYINDEX, "kbdiag.require") == LUA_TFUNCTION) {   // module_loader.hpp
        lua_setfield(L, -2, "require");
    } else {
        lua_pop(L, 1);
    }
    lua_pushvalue(L, -1);
    lua_setfield(L, -2, LUA_GNAME);
}

}  // namespace kbdiag::lua
