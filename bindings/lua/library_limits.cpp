// Guarded string and table library functions: a deadline check and a cost bound before the original runs.
#include "bindings/lua/library_limits.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "bindings/lua/lua_guard.hpp"
#include "bindings/lua/lua_state.hpp"

namespace kbdiag::lua {

namespace {

// The original library function, kept as the guard's upvalue (a light C function).
lua_CFunction original(lua_State* L) { return lua_tocfunction(L, lua_upvalueindex(1)); }

// The name the guard was installed under (its second upvalue), for messages.
const char* guarded_name(lua_State* L) { return lua_tostring(L, lua_upvalueindex(2)); }

// Formats into a fixed buffer, cut to fit and NUL-terminated: no allocation, portable (no printf length
// modifiers, which MinGW's runtime does not all know).
template <std::size_t N, class... Args>
void format_into(char (&buffer)[N], fmt::format_string<Args...> format, Args&&... args) {
    const auto result = fmt::format_to_n(buffer, N - 1, format, std::forward<Args>(args)...);
    *result.out = '\0';
}

// Raises the call's spent deadline as a Lua error. [-0, +1, v]
void check_deadline(lua_State* L) {
    Budget& b = budget_of(L);
    if (!past_deadline(L, b)) return;
    luaL_error(L, "time budget exceeded (%I ms per call)", static_cast<lua_Integer>(b.time_per_call_ns / 1'000'000));
}

// Records a refusal (the first one's text and line stay) and raises it. [-0, +1, v]
int refuse(lua_State* L, const char* text) {
    Budget& b = budget_of(L);
    if (!b.library_refused) {
        b.library_refused = true;
        b.library_line = lua_line_at(L, 1);
        format_into(b.library_message, "{}", text);
    }
    return raise_error(L, text);
}

// The end of a [set] that starts after `i` (just past '['); mirrors Lua's classEnd. Unterminated: `size`.
std::size_t set_end(const char* p, std::size_t size, std::size_t i) {
    if (i < size && p[i] == '^') ++i;
    do {
        if (i >= size) return size;
        if (p[i++] == '%' && i < size) ++i;
    } while (i < size && p[i] != ']');
    return std::min(size, i + 1);
}

// Whether only capture closes follow `i`: a last quantified item never backtracks (the empty rest matches the
// first length it tries), so it costs one scan, not a factor. Not so before '$', which can fail.
bool only_closes_after(const char* p, std::size_t size, std::size_t i) {
    for (; i < size; ++i)
        if (p[i] != ')') return false;
    return true;
}

// The items of a pattern whose match length the matcher searches over (the exponent of its worst case).
int unbounded_items(const char* p, std::size_t size, std::size_t i) {
    int unbounded = 0;
    while (i < size) {
        const char c = p[i];
        if (c == '(' || c == ')') {
            ++i;
            continue;
        }
        std::size_t end = i + 1;
        if (c == '%' && i + 1 < size) {
            const char k = p[i + 1];
            if (k == 'b') {   // %bxy scans to the balancing y
                ++unbounded;
                i += 4;
                continue;
            }
            if (k == 'f') {   // %f[set]: a test at one position
                i = i + 2 < size && p[i + 2] == '[' ? set_end(p, size, i + 3) : i + 2;
                continue;
            }
            if (k >= '0' && k <= '9') {   // a back reference compares a whole capture
                ++unbounded;
                i += 2;
                continue;
            }
            end = i + 2;
        } else if (c == '[') {
            end = set_end(p, size, i + 1);
        }
        if (end < size && (p[end] == '*' || p[end] == '+' || p[end] == '-')) {
            ++end;
            if (!only_closes_after(p, size, end)) ++unbounded;
        } else if (end < size && p[end] == '?') {
            ++end;
        }
        i = end;
    }
    return unbounded;
}

// Refuses a matching call whose worst case is over kMaxPatternSteps. [-0, +0, v]
void check_pattern(lua_State* L, int subject, int pattern, bool anchor_allowed, bool plain) {
    std::size_t subject_size = 0, pattern_size = 0;
    luaL_checklstring(L, subject, &subject_size);
    const char* p = luaL_checklstring(L, pattern, &pattern_size);
    const double steps = pattern_steps(subject_size, p, pattern_size, anchor_allowed, plain);
    if (steps <= kMaxPatternSteps) return;
    char text[256];
    format_into(text, "{}: a pattern of {} bytes over a subject of {} bytes could take about {:.0e} matching steps "
                "(the limit is {:.0e}): shorten the subject or simplify the pattern",
                guarded_name(L), pattern_size, subject_size, steps, kMaxPatternSteps);
    refuse(L, text);
}

// Refuses walking more than kMaxTableSpan elements. [-0, +0, v]
void check_span(lua_State* L, lua_Integer first, lua_Integer last) {
    if (last < first) return;
    const bool too_many = first <= 0 ? last > first + kMaxTableSpan - 1 : last - first >= kMaxTableSpan;
    if (!too_many) return;
    char text[256];
    format_into(text, "{}: a range of {}..{} is over the limit of {} elements per call", guarded_name(L), first, last,
                kMaxTableSpan);
    refuse(L, text);
}

// The length the original will see for the table at `index`: only a metamethod can make it large without the
// memory for it, so plain tables are not measured. [-0, +0, e]
void check_length(lua_State* L, int index) {
    if (lua_type(L, index) != LUA_TTABLE || !lua_getmetatable(L, index)) return;
    lua_pop(L, 1);
    check_span(L, 1, luaL_len(L, index));
}

int guarded_find(lua_State* L) {
    check_deadline(L);
    check_pattern(L, 1, 2, true, lua_toboolean(L, 4) != 0);
    return original(L)(L);
}

int guarded_match(lua_State* L) {
    check_deadline(L);
    check_pattern(L, 1, 2, true, false);
    return original(L)(L);
}

int guarded_gmatch(lua_State* L) {
    check_deadline(L);
    check_pattern(L, 1, 2, false, false);   // the iterator never retries a start position: one bound for all
    return original(L)(L);
}

int guarded_gsub(lua_State* L) {
    check_deadline(L);
    check_pattern(L, 1, 2, true, false);
    return original(L)(L);
}

int guarded_range(lua_State* L, int first_arg, int last_arg) {
    check_deadline(L);
    check_length(L, 1);
    if (lua_type(L, last_arg) == LUA_TNUMBER) {
        const lua_Integer first = luaL_optinteger(L, first_arg, 1);
        check_span(L, first, luaL_checkinteger(L, last_arg));
    }
    return original(L)(L);
}

int guarded_concat(lua_State* L) { return guarded_range(L, 3, 4); }

int guarded_unpack(lua_State* L) { return guarded_range(L, 2, 3); }

// table.move(a1, f, e, t [, a2]): the range is explicit.
int guarded_move(lua_State* L) {
    check_deadline(L);
    check_span(L, luaL_checkinteger(L, 2), luaL_checkinteger(L, 3));
    return original(L)(L);
}

// table.insert/remove/sort walk up to #t.
int guarded_by_length(lua_State* L) {
    check_deadline(L);
    check_length(L, 1);
    return original(L)(L);
}

struct Guard {
    const char* library;
    const char* name;
    lua_CFunction guard;
};

constexpr Guard kGuards[] = {
    {LUA_STRLIBNAME, "find", guarded_find},     {LUA_STRLIBNAME, "match", guarded_match},
    {LUA_STRLIBNAME, "gmatch", guarded_gmatch}, {LUA_STRLIBNAME, "gsub", guarded_gsub},
    {LUA_TABLIBNAME, "concat", guarded_concat}, {LUA_TABLIBNAME, "unpack", guarded_unpack},
    {LUA_TABLIBNAME, "move", guarded_move},     {LUA_TABLIBNAME, "insert", guarded_by_length},
    {LUA_TABLIBNAME, "remove", guarded_by_length}, {LUA_TABLIBNAME, "sort", guarded_by_length},
};

}  // namespace

double pattern_steps(std::size_t subject_size, const char* pattern, std::size_t pattern_size, bool anchor_allowed,
                     bool plain) {
    const double n = static_cast<double>(subject_size) + 1.0;
    const double length = std::max(1.0, static_cast<double>(pattern_size));
    if (plain) return n * length;
    const bool anchored = anchor_allowed && pattern_size > 0 && pattern[0] == '^';
    const int unbounded = unbounded_items(pattern, pattern_size, anchored ? 1 : 0);
    // Without unbounded items each start compares up to the pattern's length; with them, the choices dominate.
    return (anchored ? 1.0 : n) * (unbounded > 0 ? std::pow(n, unbounded) : length);
}

void guard_libraries(lua_State* L) {
    for (const Guard& g : kGuards) {
        lua_getglobal(L, g.library);
        if (lua_getfield(L, -1, g.name) == LUA_TFUNCTION && lua_tocfunction(L, -1) != nullptr) {
            lua_pushfstring(L, "%s.%s", g.library, g.name);
            lua_pushcclosure(L, g.guard, 2);
            lua_setfield(L, -2, g.name);
        } else {
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

}  // namespace kbdiag::lua
