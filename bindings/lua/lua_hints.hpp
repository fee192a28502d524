#pragma once
// Hint rows from the knowledge base as plain Lua tables (ctx.windows_release, ctx.vendor).
#include <lua.hpp>

#include "engine/kb/model.hpp"

namespace kbdiag::lua {

// {name, family, version, build, defaults = {k = v}, guest_blocked_editions = {...},
//  signing_required_editions = {...}, notes}. [-0, +1, m]
void push_windows_release(lua_State* L, const WindowsRelease& release);

// {id, name, ui_paths = {setting = "where"}, notes}. [-0, +1, m]
void push_vendor(lua_State* L, const Vendor& vendor);

}  // namespace kbdiag::lua
