#pragma once
// An owned lua_State with a memory cap and an instruction budget, and the one protected-call path into Lua.
//
// Every Lua API call that can raise an error (allocation included) happens inside LuaState::call(), which
// runs a C function under lua_pcall with a traceback handler. Outside call(), only non-raising API
// functions are used (push light C functions / light userdata, lua_gettop, lua_settop, lua_gc).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <lua.hpp>

#include "engine/core/location.hpp"

namespace kbdiag::lua {

// Shared by the allocator, the count hook, the message handler and the rule context functions; reached
// through lua_getextraspace. Plain data: Lua errors may longjmp through code that touches it.
struct Budget {
    std::size_t memory_limit = 0;     // bytes for the whole state
    std::size_t memory_used = 0;      // bytes currently allocated
    std::size_t memory_baseline = 0;  // bytes in use when the call started
    std::size_t memory_per_call = SIZE_MAX;   // growth over the baseline one call may make
    bool memory_refused = false;      // a refusal since the last reset that no emergency collection undid
    int memory_refusals = 0;          // refusals not (yet) undone by the retry after an emergency collection
    const void* refused_block = nullptr;      // the last refused request, to recognise Lua's retry of it
    std::size_t refused_size = 0;
    bool retry_pending = false;               // the next growing request may be Lua's retry of the refused one
    int memory_line = 0;              // Lua line running when it first refused (0: not known)

    std::uint64_t instruction_limit = 0;   // VM instructions per call
    std::uint64_t instructions = 0;        // counted so far in this call (in steps of hook_interval)
    int hook_interval = 1000;
    bool instructions_blown = false;
    int instruction_line = 0;              // Lua line running when the budget ran out

    // Wall clock: C library calls run many steps between two count hooks, so time is bounded separately.
    std::int64_t time_per_call_ns = 0;     // 0: no deadline
    std::int64_t deadline_ns = 0;          // steady clock; 0: none in this call
    bool time_blown = false;
    int time_line = 0;

    // A string or table library call refused because its arguments would make it run too long (sticky per call).
    bool library_refused = false;
    int library_line = 0;
    char library_message[256] = {};

    lua_State* probe = nullptr;       // non-null while a protected call runs: the allocator may read lines
    void* active_call = nullptr;      // the rule call being run (a RuleCall*), or nullptr
    std::uint64_t call_serial = 0;    // bumped per call: a ctx kept from an earlier call is refused
    std::vector<SourceLocation>* frames = nullptr;   // filled by the message handler (C++ code, guarded)
};

// What a protected call came back with.
struct CallResult {
    int status = LUA_OK;
    std::string message;                 // the error message, without the traceback
    std::string traceback;               // "stack traceback:\n..." from the handler, when there was one
    std::vector<SourceLocation> frames;  // Lua frames at the error, innermost first (file without '@')
    bool ok() const { return status == LUA_OK; }
};

// The Budget of a state created by LuaState.
Budget& budget_of(lua_State* L);

// The steady clock in nanoseconds (what deadlines are measured in).
std::int64_t steady_now_ns();

// Whether the call's wall-clock deadline has passed; records it (sticky) with the line running. Never raises.
bool past_deadline(lua_State* L, Budget& b);

class LuaState {
public:
    LuaState(std::size_t memory_limit, std::uint64_t instruction_limit);
    ~LuaState();
    LuaState(const LuaState&) = delete;
    LuaState& operator=(const LuaState&) = delete;

    bool usable() const { return L_ != nullptr; }
    lua_State* get() const { return L_; }
    Budget& budget() { return budget_; }
    const Budget& budget() const { return budget_; }
    int top() const { return L_ ? lua_gettop(L_) : 0; }

    // The one way in: resets the budgets, then calls `fn` with `ud` as its only argument (a light userdata)
    // under lua_pcall with the traceback handler. `fn` returns nothing; it writes its results through `ud`.
    // The stack is the same on return. Never throws past std::bad_alloc of the result strings.
    CallResult call(lua_CFunction fn, void* ud);

    // Bounds each later call: `memory_per_call` bytes of growth over the heap at its start, and a wall-clock
    // deadline of `time_per_call_ns` nanoseconds (0: none), checked by the count hook and the library guards.
    void set_call_limits(std::size_t memory_per_call, std::int64_t time_per_call_ns);

    // A full collection (after a memory error, so the next call has room).
    void collect_garbage();
    std::size_t memory_used() const { return budget_.memory_used; }

private:
    void reset_budgets();

    Budget budget_;
    std::vector<SourceLocation> frames_;
    lua_State* L_ = nullptr;
};

}  // namespace kbdiag::lua
