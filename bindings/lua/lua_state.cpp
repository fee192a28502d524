// The owned lua_State: a capped allocator, a count hook for the instruction budget, the traceback
// handler and the one protected call.
#include "bindings/lua/lua_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "bindings/lua/lua_guard.hpp"

namespace kbdiag::lua {

Budget& budget_of(lua_State* L) {
    Budget* b = nullptr;
    std::memcpy(&b, lua_getextraspace(L), sizeof b);
    return *b;
}

std::int64_t steady_now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool past_deadline(lua_State* L, Budget& b) {
    if (b.time_blown) return true;
    if (b.deadline_ns == 0 || steady_now_ns() < b.deadline_ns) return false;
    b.time_blown = true;
    b.time_line = lua_line_at(L, 0);
    return true;
}

namespace {

// Records the line of the innermost running Lua function when the allocator first refuses. lua_getinfo
// with "l" reads the call chain only and never allocates; in Lua 5.4.4 the stack and the CallInfo chain
// are consistent whenever the allocator runs (stack reallocation allocates the new block first). Later
// releases move stack pointers to offsets during reallocation, so there the line stays unknown.
void note_memory_line(Budget& b) {
#if LUA_VERSION_RELEASE_NUM <= 50404
    if (b.memory_line != 0 || b.probe == nullptr) return;
    b.memory_line = lua_line_at(b.probe, 0);
#else
    (void)b;
#endif
}

// lua_Alloc: frees, shrinks and grows with realloc, refusing growth past the memory limit.
void* capped_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
    auto& b = *static_cast<Budget*>(ud);
    const std::size_t old = ptr ? osize : 0;   // for a new block, osize is the object kind
    if (nsize == 0) {
        std::free(ptr);
        b.memory_used -= old;
        return nullptr;
    }
    const std::size_t call_cap = b.memory_per_call > b.memory_limit - std::min(b.memory_baseline, b.memory_limit)
                                     ? b.memory_limit
                                     : b.memory_baseline + b.memory_per_call;
    // Lua retries a refused request once, after an emergency collection (which only frees and shrinks): the
    // next growing request is that retry when it asks for the same block and size.
    const bool grows = nsize > old;
    bool retry = false;
    if (grows) {
        retry = b.retry_pending && ptr == b.refused_block && nsize == b.refused_size;
        b.retry_pending = false;
    }
    if (grows && b.memory_used - old + nsize > call_cap) {
        if (!retry) ++b.memory_refusals;
        b.memory_refused = true;
        b.refused_block = ptr;
        b.refused_size = nsize;
        b.retry_pending = !retry;
        note_memory_line(b);
        return nullptr;
    }
    void* p = std::realloc(ptr, nsize);
    if (p == nullptr) return nullptr;
    b.memory_used = b.memory_used - old + nsize;
    if (retry && --b.memory_refusals == 0) {   // the emergency collection made room: nothing was refused
        b.memory_refused = false;
        b.memory_line = 0;
    }
    return p;
}

// The count hook: every hook_interval instructions; raises once the call's budget is spent. After that it
// fires on every instruction, so a script that catches the error with pcall cannot run on.
// [-0, +1, v]
void count_hook(lua_State* L, lua_Debug* ar) {
    Budget& b = budget_of(L);
    b.instructions += static_cast<std::uint64_t>(b.hook_interval);
    const bool was_spent = b.instructions_blown || b.time_blown;
    if (!was_spent) {
        if (b.instructions > b.instruction_limit) {
            b.instructions_blown = true;
            if (lua_getinfo(L, "l", ar) && ar->currentline > 0) b.instruction_line = ar->currentline;
        } else if (!past_deadline(L, b)) {
            return;
        }
        lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
    }
    if (b.instructions_blown) {
        lua_pushfstring(L, "instruction budget exceeded (%I instructions per call)",
                        static_cast<lua_Integer>(b.instruction_limit));
    } else {
        lua_pushfstring(L, "time budget exceeded (%I ms per call)",
                        static_cast<lua_Integer>(b.time_per_call_ns / 1'000'000));
    }
    lua_error(L);
}

// Copies the Lua frames at the error into b.frames. C++ only, plus non-raising lua_getstack/lua_getinfo.
void capture_frames(lua_State* L, Budget& b) noexcept {
    if (b.frames == nullptr) return;
    CppError ignored;
    guarded(ignored, [&] {
        lua_Debug ar;
        for (int level = 1; level < 64 && lua_getstack(L, level, &ar); ++level) {
            if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0 || ar.source == nullptr) continue;
            if (ar.source[0] != '@') continue;
            b.frames->push_back(SourceLocation{std::string(ar.source + 1), ar.currentline, 0});
        }
    });
}

// The message handler of the protected call: records the frames, then adds a traceback.
// [-1, +1, m]
int traceback_handler(lua_State* L) {
    capture_frames(L, budget_of(L));
    const char* message = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : nullptr;
    if (message == nullptr) message = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, message, 1);
    return 1;
}

// A panic means an unprotected error, which the design rules out: report it and stop.
int panic(lua_State* L) {
    const char* message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "(not a string)";
    std::fprintf(stderr, "kbdiag: unprotected Lua error: %s\n", message);
    std::abort();
}

// A rule's error message is its own text, copied per failed call: keep at most this many bytes of it.
constexpr std::size_t kMaxErrorMessage = 2000;

void keep_start(std::string& text) {
    if (text.size() <= kMaxErrorMessage) return;
    text.resize(kMaxErrorMessage);
    text += "... (truncated)";
}

void split_traceback(const char* text, std::size_t size, CallResult& result) {
    const char* marker = std::strstr(text, "\nstack traceback:");
    const char* end = marker != nullptr ? marker : text + size;
    result.message.assign(text, std::min<std::size_t>(static_cast<std::size_t>(end - text), kMaxErrorMessage + 1));
    keep_start(result.message);
    if (marker != nullptr) {
        result.traceback.assign(marker + 1, std::min<std::size_t>(std::strlen(marker + 1), kMaxErrorMessage + 1));
        keep_start(result.traceback);
    }
}

}  // namespace

LuaState::LuaState(std::size_t memory_limit, std::uint64_t instruction_limit) {
    budget_.memory_limit = memory_limit;
    budget_.instruction_limit = instruction_limit;
    budget_.hook_interval = instruction_limit < 1000 ? static_cast<int>(instruction_limit > 0 ? instruction_limit : 1)
                                                     : 1000;
    budget_.frames = &frames_;
    L_ = lua_newstate(capped_alloc, &budget_);
    if (L_ == nullptr) return;
    Budget* self = &budget_;
    std::memcpy(lua_getextraspace(L_), &self, sizeof self);
    lua_atpanic(L_, panic);
    lua_sethook(L_, count_hook, LUA_MASKCOUNT, budget_.hook_interval);
}

LuaState::~LuaState() {
    if (L_ == nullptr) return;
    budget_.probe = nullptr;
    budget_.active_call = nullptr;
    lua_sethook(L_, nullptr, 0, 0);   // finalizers at close must not trip a spent budget
    lua_close(L_);
}

void LuaState::set_call_limits(std::size_t memory_per_call, std::int64_t time_per_call_ns) {
    budget_.memory_per_call = memory_per_call;
    budget_.time_per_call_ns = time_per_call_ns;
}

void LuaState::reset_budgets() {
    budget_.instructions = 0;
    budget_.instructions_blown = false;
    budget_.instruction_line = 0;
    budget_.memory_baseline = budget_.memory_used;
    budget_.memory_refused = false;
    budget_.memory_refusals = 0;
    budget_.refused_block = nullptr;
    budget_.retry_pending = false;
    budget_.memory_line = 0;
    budget_.deadline_ns = budget_.time_per_call_ns > 0 ? steady_now_ns() + budget_.time_per_call_ns : 0;
    budget_.time_blown = false;
    budget_.time_line = 0;
    budget_.library_refused = false;
    budget_.library_line = 0;
    budget_.library_message[0] = '\0';
    lua_sethook(L_, count_hook, LUA_MASKCOUNT, budget_.hook_interval);
}

CallResult LuaState::call(lua_CFunction fn, void* ud) {
    CallResult result;
    if (L_ == nullptr) {
        result.status = LUA_ERRMEM;
        result.message = "the Lua state could not be created";
        return result;
    }
    const int base = lua_gettop(L_);
    frames_.clear();
    reset_budgets();
    lua_pushcfunction(L_, traceback_handler);   // light C functions and light userdata never allocate
    lua_pushcfunction(L_, fn);
    lua_pushlightuserdata(L_, ud);
    budget_.probe = L_;
    result.status = lua_pcall(L_, 1, 0, base + 1);
    budget_.probe = nullptr;
    if (result.status != LUA_OK) {
        if (lua_type(L_, -1) == LUA_TSTRING) {
            std::size_t size = 0;
            const char* text = lua_tolstring(L_, -1, &size);
            split_traceback(text, size, result);
        } else {
            result.message = "(error object is not a string)";
        }
        result.frames = frames_;
    }
    lua_settop(L_, base);
    return result;
}

void LuaState::collect_garbage() {
    if (L_ != nullptr) lua_gc(L_, LUA_GCCOLLECT);
}

}  // namespace kbdiag::lua
