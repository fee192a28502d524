// Hint rows as Lua tables. Only references to knowledge-base data are alive while these push.
#include "bindings/lua/lua_hints.hpp"

#include "bindings/lua/lua_values.hpp"

namespace kbdiag::lua {

namespace {

// t[key] = s for the table on top. [-0, +0, m]
void set_string(lua_State* L, const char* key, const std::string& s) {
    lua_pushlstring(L, s.data(), s.size());
    lua_setfield(L, -2, key);
}

}  // namespace

void push_windows_release(lua_State* L, const WindowsRelease& release) {
    lua_createtable(L, 0, 8);
    set_string(L, "name", release.name);
    set_string(L, "family", release.family);
    set_string(L, "version", release.version);
    set_string(L, "notes", release.notes);
    lua_pushinteger(L, static_cast<lua_Integer>(release.build));
    lua_setfield(L, -2, "build");
    lua_createtable(L, 0, static_cast<int>(release.defaults.size()));
    for (const auto& [key, value] : release.defaults) {
        push_fact_value(L, value);
        lua_setfield(L, -2, key.c_str());
    }
    lua_setfield(L, -2, "defaults");
    push_string_list(L, release.guest_blocked_editions);
    lua_setfield(L, -2, "guest_blocked_editions");
    push_string_list(L, release.signing_required_editions);
    lua_setfield(L, -2, "signing_required_editions");
}

void push_vendor(lua_State* L, const Vendor& vendor) {
    lua_createtable(L, 0, 4);
    set_string(L, "id", vendor.id);
    set_string(L, "name", vendor.name);
    set_string(L, "notes", vendor.notes);
    lua_createtable(L, 0, static_cast<int>(vendor.ui_paths.size()));
    for (const auto& [setting, where] : vendor.ui_paths) set_string(L, setting.c_str(), where);
    lua_setfield(L, -2, "ui_paths");
}

}  // namespace kbdiag::lua
