#pragma once
// C++ inside C functions called by Lua. A Lua error is a longjmp: it must never cross a live C++ object
// with a destructor, nor leave a catch block. So a C function works in three phases:
//   1. read its arguments with Lua API calls (may raise; no C++ objects alive yet);
//   2. run C++ in guarded() (may throw; calls only Lua API functions that never raise);
//   3. after guarded() has returned, push results or raise the error (only trivially destructible locals).
#include <cstring>
#include <exception>

#include <lua.hpp>

namespace kbdiag::lua {

// An error text that outlives the catch block without owning heap memory.
struct CppError {
    char text[256] = {};
    void set(const char* what) noexcept {
        std::strncpy(text, what ? what : "unknown error", sizeof text - 1);
        text[sizeof text - 1] = '\0';
    }
};

// Runs `body`, catching every C++ exception. True when it completed; false with `error` set.
// `body` must not call a Lua API function that can raise an error.
template <class Body>
bool guarded(CppError& error, Body&& body) noexcept {
    try {
        body();
        return true;
    } catch (const std::exception& e) {
        error.set(e.what());
    } catch (...) {
        error.set("unknown C++ exception");
    }
    return false;
}

// Raises `text` as a Lua error. Call only after every C++ object of the calling frames has been destroyed.
// [-0, +1, v]
inline int raise_error(lua_State* L, const char* text) {
    lua_pushstring(L, text);
    return lua_error(L);
}

// The current line of the Lua function at `level` (1: the caller of the running C function); 0 if none.
// Never raises. [-0, +0, -]
inline int lua_line_at(lua_State* L, int level) {
    lua_Debug ar;
    for (int l = level; l < level + 8 && lua_getstack(L, l, &ar); ++l) {
        if (lua_getinfo(L, "l", &ar) && ar.currentline > 0) return ar.currentline;
    }
    return 0;
}

}  // namespace kbdiag::lua
