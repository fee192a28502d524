#include "engine/core/diagnostic.hpp"

#include <algorithm>
#include <fstream>
#include <tuple>

#include <fmt/format.h>

namespace kbdiag {

const char* to_string(Severity s) {
    switch (s) {
        case Severity::error: return "error";
        case Severity::warning: return "warning";
        case Severity::note: return "note";
    }
    return "error";
}

Diagnostic& Diagnostics::add(Diagnostic d) {
    if (d.snippet.empty() && !d.where.empty() && d.where.front().line > 0)
        d.snippet = read_source_line(d.where.front().file, d.where.front().line);
    items_.push_back(std::move(d));
    return items_.back();
}

static Diagnostic make(std::string code, Severity s, std::string message, SourceLocation where) {
    Diagnostic d;
    d.code = std::move(code);
    d.severity = s;
    d.message = std::move(message);
    if (where.known()) d.where.push_back(std::move(where));
    return d;
}

Diagnostic& Diagnostics::error(std::string code, std::string message, SourceLocation where) {
    return add(make(std::move(code), Severity::error, std::move(message), std::move(where)));
}
Diagnostic& Diagnostics::warning(std::string code, std::string message, SourceLocation where) {
    return add(make(std::move(code), Severity::warning, std::move(message), std::move(where)));
}
Diagnostic& Diagnostics::note(std::string code, std::string message, SourceLocation where) {
    return add(make(std::move(code), Severity::note, std::move(message), std::move(where)));
}

void Diagnostics::append(const Diagnostics& other) {
    items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

bool Diagnostics::has_errors() const { return count(Severity::error) > 0; }

std::size_t Diagnostics::count(Severity s) const {
    return static_cast<std::size_t>(
        std::count_if(items_.begin(), items_.end(), [s](const Diagnostic& d) { return d.severity == s; }));
}

void Diagnostics::sort() {
    std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
        auto pa = a.primary();
        auto pb = b.primary();
        return std::tie(pa.file, pa.line, pa.column, a.code, a.message) <
               std::tie(pb.file, pb.line, pb.column, b.code, b.message);
    });
}

std::string format_diagnostic(const Diagnostic& d, bool color) {
    const char* sev = to_string(d.severity);
    std::string sev_text = sev;
    if (color) {
        const char* c = d.severity == Severity::error ? "\033[1;31m" : d.severity == Severity::warning ? "\033[1;33m" : "\033[1;36m";
        sev_text = fmt::format("{}{}\033[0m", c, sev);
    }
    std::string out;
    auto loc = d.primary().to_string();
    if (!loc.empty()) out += loc + ": ";
    out += fmt::format("{}[{}]: {}", sev_text, d.code, d.message);
    for (std::size_t i = 1; i < d.where.size(); ++i) out += fmt::format("\n  in {}", d.where[i].to_string());
    if (!d.snippet.empty()) {
        out += fmt::format("\n  | {}", d.snippet);
        int col = d.primary().column;
        if (col > 0) out += fmt::format("\n  | {}^", std::string(static_cast<std::size_t>(col - 1), ' '));
    }
    return out;
}

std::string read_source_line(const std::string& file, int line) {
    if (file.empty() || line <= 0) return {};
    std::ifstream in(file, std::ios::binary);
    if (!in) return {};
    std::string text;
    for (int i = 1; std::getline(in, text); ++i) {
        if (i == line) {
            if (!text.empty() && text.back() == '\r') text.pop_back();
            if (text.size() > 200) text = text.substr(0, 200) + "...";
            return text;
        }
    }
    return {};
}

}  // namespace kbdiag
