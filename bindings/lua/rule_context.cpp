// The ctx functions. Each works in three phases (see lua_guard.hpp): read arguments with the Lua API,
// run C++ in guarded(), then push results or raise -- a Lua error never crosses a live C++ object.
#include "bindings/lua/rule_context.hpp"

#include <string_view>

#include "bindings/lua/lua_guard.hpp"
#include "bindings/lua/lua_hints.hpp"
#include "bindings/lua/lua_state.hpp"
#include "bindings/lua/lua_values.hpp"
#include "bindings/lua/rule_call.hpp"

namespace kbdiag::lua {

namespace {

// The call this ctx belongs to; raises when the ctx outlived it. [-0, +0, v]
RuleCall* active_call(lua_State* L) {
    const Budget& b = budget_of(L);
    const lua_Integer serial = lua_tointeger(L, lua_upvalueindex(1));
    if (b.active_call == nullptr || static_cast<std::uint64_t>(serial) != b.call_serial) {
        luaL_error(L, "ctx is only valid during the rule call it was given to");
    }
    return static_cast<RuleCall*>(b.active_call);
}

// A string argument without number conversion. [-0, +0, v]
std::string_view string_arg(lua_State* L, int index) {
    luaL_checktype(L, index, LUA_TSTRING);
    std::size_t size = 0;
    const char* s = lua_tolstring(L, index, &size);
    return {s, size};
}

// ctx.fact(name) -> the fact's plain value, or nil unless known. [-1, +1, e]
int ctx_fact(lua_State* L) {
    RuleCall* call = active_call(L);
    const std::string_view name = string_arg(L, 1);
    const int line = lua_line_at(L, 1);
    const FactEntry* entry = nullptr;
    bool allowed = false;
    CppError error;
    if (!guarded(error, [&] { allowed = call->read(name, line, entry); })) return raise_error(L, error.text);
    if (!allowed) return raise_error(L, call->error_text());
    if (entry == nullptr || entry->state != FactState::known) lua_pushnil(L);
    else push_fact_value(L, entry->value);
    return 1;
}

// ctx.state(name) -> "known" | "absent" | "failed" | "unknown". [-1, +1, e]
int ctx_state(lua_State* L) {
    RuleCall* call = active_call(L);
    const std::string_view name = string_arg(L, 1);
    const int line = lua_line_at(L, 1);
    const FactEntry* entry = nullptr;
    bool allowed = false;
    CppError error;
    if (!guarded(error, [&] { allowed = call->read(name, line, entry); })) return raise_error(L, error.text);
    if (!allowed) return raise_error(L, call->error_text());
    const char* state = "unknown";
    if (entry != nullptr) {
        state = entry->state == FactState::known ? "known" : entry->state == FactState::absent ? "absent" : "failed";
    }
    lua_pushstring(L, state);
    return 1;
}

// ctx.evidence(cause, lr, note): evidence for one of the rule's causes. [-3, +0, e]
int ctx_evidence(lua_State* L) {
    RuleCall* call = active_call(L);
    EvidenceArgs args;
    args.cause_type = luaL_typename(L, 1);
    if (lua_type(L, 1) == LUA_TSTRING) args.cause = lua_tolstring(L, 1, &args.cause_size);
    args.lr_type = luaL_typename(L, 2);
    args.lr_is_number = lua_type(L, 2) == LUA_TNUMBER;
    if (args.lr_is_number) args.lr = lua_tonumber(L, 2);
    args.note = luaL_optlstring(L, 3, "", &args.note_size);
    const int line = lua_line_at(L, 1);
    bool accepted = false;
    CppError error;
    if (!guarded(error, [&] { accepted = call->add_evidence(args, line); })) return raise_error(L, error.text);
    if (!accepted) return raise_error(L, call->error_text());
    return 0;
}

// ctx.derive(fact, value): a value for one of the rule's derived facts, checked against the catalog.
// [-2, +0, e]
int ctx_derive(lua_State* L) {
    RuleCall* call = active_call(L);
    const std::string_view fact = string_arg(L, 1);
    luaL_checkany(L, 2);
    const int line = lua_line_at(L, 1);
    bool accepted = false;
    CppError error;
    if (!guarded(error, [&] { accepted = call->add_derived(L, fact, 2, line); })) return raise_error(L, error.text);
    if (!accepted) return raise_error(L, call->error_text());
    return 0;
}

// ctx.windows_release(build [, server]) -> the client (or server) release row for the build, or nil.
// [-(1|2), +1, e]
int ctx_windows_release(lua_State* L) {
    RuleCall* call = active_call(L);
    const lua_Integer build = luaL_checkinteger(L, 1);
    const bool server = lua_toboolean(L, 2) != 0;
    const WindowsRelease* release = nullptr;
    CppError error;
    if (!guarded(error, [&] { release = call->kb.windows_release(static_cast<std::int64_t>(build), server); })) {
        return raise_error(L, error.text);
    }
    if (release == nullptr) lua_pushnil(L);
    else push_windows_release(L, *release);
    return 1;
}

// ctx.vendor(id) -> the vendor row, or nil. [-1, +1, e]
int ctx_vendor(lua_State* L) {
    RuleCall* call = active_call(L);
    const std::string_view id = string_arg(L, 1);
    const Vendor* vendor = nullptr;
    CppError error;
    if (!guarded(error, [&] {
            auto it = call->kb.vendors.find(std::string(id));
            if (it != call->kb.vendors.end()) vendor = &it->second;
        })) {
        return raise_error(L, error.text);
    }
    if (vendor == nullptr) lua_pushnil(L);
    else push_vendor(L, *vendor);
    return 1;
}

constexpr luaL_Reg kContextFunctions[] = {
    {"fact", ctx_fact},       {"state", ctx_state},
    {"evidence", ctx_evidence}, {"derive", ctx_derive},
    {"windows_release", ctx_windows_release}, {"vendor", ctx_vendor},
    {nullptr, nullptr},
};

}  // namespace

void push_context(lua_State* L, std::uint64_t serial) {
    lua_createtable(L, 0, 6);
    lua_pushinteger(L, static_cast<lua_Integer>(serial));
    luaL_setfuncs(L, kContextFunctions, 1);
}

}  // namespace kbdiag::lua
