#pragma once
// Diagnostics: every problem found in input (knowledge base, snapshot, rules, collectors) becomes one of these.
// Codes are stable and listed in diagnostic_codes.hpp; rendering is "file:line:col: error[CODE]: message".
#include <string>
#include <vector>

#include "engine/core/location.hpp"

namespace kbdiag {

enum class Severity { error, warning, note };

const char* to_string(Severity s);

struct Diagnostic {
    std::string code;                    // e.g. "KB005"; see diagnostic_codes.hpp
    Severity severity = Severity::error;
    std::string message;
    std::vector<SourceLocation> where;   // innermost first; the rest is the chain ("in cause X", "in file Y")
    std::string snippet;                 // the offending source line, when there is one

    SourceLocation primary() const { return where.empty() ? SourceLocation{} : where.front(); }

    friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

class Diagnostics {
public:
    Diagnostic& add(Diagnostic d);
    Diagnostic& error(std::string code, std::string message, SourceLocation where = {});
    Diagnostic& warning(std::string code, std::string message, SourceLocation where = {});
    Diagnostic& note(std::string code, std::string message, SourceLocation where = {});
    void append(const Diagnostics& other);

    bool has_errors() const;
    std::size_t count(Severity s) const;
    const std::vector<Diagnostic>& items() const { return items_; }
    bool empty() const { return items_.empty(); }
    // Stable order for output: by file, line, column, code, message.
    void sort();

private:
    std::vector<Diagnostic> items_;
};

// Plain-text rendering; `color` adds ANSI colour to the severity word.
std::string format_diagnostic(const Diagnostic& d, bool color = false);

// Reads line `line` (1-based) of `file` for a snippet; empty when unreadable.
std::string read_source_line(const std::string& file, int line);

}  // namespace kbdiag
