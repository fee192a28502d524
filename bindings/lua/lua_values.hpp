#pragma once
// Facts as plain Lua values, and Lua values back into facts (for ctx.derive).
#include <optional>
#include <string>
#include <vector>

#include <lua.hpp>

#include "engine/facts/fact_value.hpp"
#include "engine/kb/model.hpp"

namespace kbdiag::lua {

// Pushers: only references to C++ data are alive while they run, so an allocation error may longjmp
// through them. Integers stay integers (timestamps are seconds since 1970); lists and records become
// sequences; a record becomes a table of its fields.
void push_scalar(lua_State* L, const Scalar& value);                         // [-0, +1, m]
void push_fact_value(lua_State* L, const FactValue& value);                  // [-0, +1, m]
void push_string_list(lua_State* L, const std::vector<std::string>& list);   // [-0, +1, m]

// Reads the Lua value at `index` as a value of the catalog type of `def`, or nullopt with `error` saying
// why it does not fit. C++ code that calls only Lua functions which never raise (type tests, raw reads,
// lua_next over tables it does not modify; no metamethods, no number/string conversions), so it may run
// inside guarded(). [-0, +0, -]
std::optional<FactValue> read_fact_value(lua_State* L, int index, const FactDef& def, std::string& error);

}  // namespace kbdiag::lua
