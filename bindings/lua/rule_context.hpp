#pragma once
// The `ctx` table a rule function receives.
#include <cstdint>

#include <lua.hpp>

namespace kbdiag::lua {

// Pushes a fresh ctx table (fact, state, evidence, derive, windows_release, vendor). Its functions act on
// the RuleCall in budget_of(L).active_call and only while budget_of(L).call_serial == serial, so a ctx a
// script kept from an earlier call raises an error instead of touching freed memory. [-0, +1, m]
void push_context(lua_State* L, std::uint64_t serial);

}  // namespace kbdiag::lua
