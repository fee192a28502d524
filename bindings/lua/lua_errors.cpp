// Locating and classifying script errors.
#include "bindings/lua/lua_errors.hpp"

#include <cctype>

#include <fmt/format.h>

namespace kbdiag::lua {

Failure classify(const CallResult& result, const Budget& budget, bool violated) {
    if (violated) return Failure::violation;
    if (budget.instructions_blown) return Failure::instructions;
    if (budget.time_blown) return Failure::time;
    if (result.status == LUA_ERRMEM || budget.memory_refused) return Failure::memory;
    if (budget.library_refused) return Failure::library;
    if (!result.ok()) return Failure::runtime;
    return Failure::none;
}

namespace {

bool ends_with(const std::string& s, std::string_view tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Whether `source` (a message prefix) is how Lua shortens the chunk name of `path`.
bool names_path(std::string_view source, const std::string& path) {
    if (source == path) return true;
    return source.size() > 3 && source.substr(0, 3) == "..." && ends_with(path, source.substr(3));
}

}  // namespace

int parse_message_line(const std::string& message, const std::string& path, std::string* text) {
    for (std::size_t colon = message.find(':'); colon != std::string::npos; colon = message.find(':', colon + 1)) {
        if (!names_path(std::string_view(message).substr(0, colon), path)) continue;
        std::size_t end = colon + 1;
        while (end < message.size() && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
        if (end == colon + 1 || end >= message.size() || message[end] != ':' || end - colon > 9) continue;
        const int line = std::stoi(message.substr(colon + 1, end - colon - 1));
        if (text != nullptr) {
            std::size_t start = end + 1;
            while (start < message.size() && message[start] == ' ') ++start;
            *text = message.substr(start);
        }
        return line;
    }
    if (text != nullptr) *text = message;
    return 0;
}

int error_line(const CallResult& result, int budget_line, const std::string& path, int fallback_line) {
    if (budget_line > 0) return budget_line;
    if (const int line = parse_message_line(result.message, path); line > 0) return line;
    for (const SourceLocation& frame : result.frames) {
        if (frame.file == path && frame.line > 0) return frame.line;
    }
    return fallback_line;
}

Diagnostic script_diagnostic(const char* code, std::string message, const SourceLocation& primary,
                             const std::vector<SourceLocation>& frames, const SourceLocation& context) {
    Diagnostic d;
    d.code = code;
    d.severity = Severity::error;
    d.message = std::move(message);
    if (primary.known()) d.where.push_back(primary);
    for (const SourceLocation& frame : frames) {
        if (frame.file == primary.file && frame.line == primary.line) continue;
        d.where.push_back(frame);
    }
    if (context.known()) d.where.push_back(context);
    if (primary.known()) d.snippet = read_source_line(primary.file, primary.line);
    return d;
}

LoadFailure describe_load_failure(const CallResult& result, const Budget& budget, const std::string& path) {
    LoadFailure f;
    switch (classify(result, budget, false)) {
        case Failure::instructions:
            f.line = budget.instruction_line;
            f.text = fmt::format("exceeded the instruction budget ({} instructions) while loading",
                                 budget.instruction_limit);
            break;
        case Failure::time:
            f.line = budget.time_line;
            f.text = fmt::format("exceeded the time budget ({} ms) while loading", budget.time_per_call_ns / 1'000'000);
            break;
        case Failure::memory:
            f.line = budget.memory_line;
            f.text = fmt::format("exceeded the memory budget ({} bytes) while loading", budget.memory_limit);
            break;
        case Failure::library:
            f.line = budget.library_line;
            f.text = fmt::format("refused a library call while loading: {}", budget.library_message);
            break;
        default:
            f.runtime = true;
            f.text = result.message;
            f.line = parse_message_line(result.message, path, &f.text);
            if (f.line == 0) f.line = error_line(result, 0, path, 0);
            break;
    }
    return f;
}

}  // namespace kbdiag::lua
