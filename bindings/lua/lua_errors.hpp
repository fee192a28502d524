#pragma once
// From a failed protected call to a Diagnostic: which budget or contract broke, and where in the script.
#include <string>
#include <vector>

#include "bindings/lua/lua_state.hpp"
#include "engine/core/diagnostic.hpp"

namespace kbdiag::lua {

enum class Failure { none, violation, instructions, time, memory, library, runtime };

// Classifies a call: a recorded contract violation first (sticky even if the script caught it), then a
// blown instruction budget, the wall-clock deadline, memory (status LUA_ERRMEM, or a refusal of the allocator
// -- also when the script caught the error with pcall), a library call refused for its cost (also when
// caught), then any other error.
Failure classify(const CallResult& result, const Budget& budget, bool violated);

// The line in a Lua message "short_src:line: text" for chunk "@path" (short_src is the path, or "..."
// and its tail when long); 0 when the message has no position in that file. `text` (optional) receives
// the message without the position.
int parse_message_line(const std::string& message, const std::string& path, std::string* text = nullptr);

// The line in `path` where a failed call went wrong: `budget_line` when a budget set it, else the
// position in the message, else the innermost captured frame in `path`, else `fallback_line`.
int error_line(const CallResult& result, int budget_line, const std::string& path, int fallback_line);

// What went wrong while a chunk was loading (a rule file or a module run at load time), and its line in `path`:
// a blown budget says which (its line where the hook saw it); any other error gives its message without the
// position, and `runtime` tells the caller it was not a budget.
struct LoadFailure {
    std::string text;
    int line = 0;
    bool runtime = false;
};
LoadFailure describe_load_failure(const CallResult& result, const Budget& budget, const std::string& path);

// An error Diagnostic at `primary`, followed by the other captured frames and then `context` (e.g. the
// rule's YAML location); the snippet is the source line at `primary`.
Diagnostic script_diagnostic(const char* code, std::string message, const SourceLocation& primary,
                             const std::vector<SourceLocation>& frames, const SourceLocation& context);

}  // namespace kbdiag::lua
