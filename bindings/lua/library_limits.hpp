#pragma once
// Guards in front of the string and table library functions whose work the count hook cannot see: one C call
// (a backtracking pattern match, a table.move over 2^40 slots) runs between two hooks, so a per-call
// instruction budget and deadline cannot stop it. Each guard checks the call's wall-clock deadline, bounds the
// worst case the arguments allow, and only then runs the original function; a refusal is recorded in the
// Budget (sticky for the call: a script that catches it with pcall still fails, RULE008).
#include <cstddef>

#include <lua.hpp>

namespace kbdiag::lua {

// Worst-case steps of one matching call allowed (string.find/match/gmatch/gsub), and elements one table call
// may walk (table.move/unpack/concat/insert/remove/sort over a table whose length a metamethod reports).
inline constexpr double kMaxPatternSteps = 1e8;
inline constexpr lua_Integer kMaxTableSpan = lua_Integer{1} << 22;

// An upper bound, in matcher steps, of the backtracking of Lua's matcher over a subject of `subject_size`
// bytes: the start positions (one when anchored) times, for each unbounded item (x*, x+, x-, %b, a back
// reference; not the last item, which never backtracks), up to size + 1 choices -- or, without such items,
// the pattern's length. `anchor_allowed`: '^' anchors (not in
// gmatch). `plain`: a plain substring search.
double pattern_steps(std::size_t subject_size, const char* pattern, std::size_t pattern_size, bool anchor_allowed,
                     bool plain);

// Replaces the functions in the global `string` and `table` tables with guarded ones (before the per-file
// copies are made; the string metatable's __index is the global table, so s:find(...) is guarded too).
// [-0, +0, m]
void guard_libraries(lua_State* L);

}  // namespace kbdiag::lua
