#include "engine/core/diagnostic.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <tuple>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/text.hpp"

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
        const char* c = d.severity == Severity::error     ? "\033[1;31m"
                        : d.severity == Severity::warning ? "\033[1;33m"
                                                          : "\033[1;36m";
        sev_text = fmt::format("{}{}\033[0m", c, sev);
    }
    // File names, messages and snippets quote input: escaped, so a hostile file cannot drive the terminal.
    std::string out;
    auto loc = text::escape_controls(d.primary().to_string());
    if (!loc.empty()) out += loc + ": ";
    out += fmt::format("{}[{}]: {}", sev_text, d.code, text::escape_controls(text::shorten(d.message, 2000)));
    for (std::size_t i = 1; i < d.where.size(); ++i)
        out += fmt::format("\n  in {}", text::escape_controls(d.where[i].to_string()));
    if (!d.snippet.empty()) {
        const std::string snippet = text::escape_controls(d.snippet);
        out += fmt::format("\n  | {}", snippet);
        const auto col = static_cast<std::size_t>(std::max(0, d.primary().column));
        if (col > 0 && col <= d.snippet.size() + 1 && snippet.size() == d.snippet.size())
            out += fmt::format("\n  | {}^", std::string(col - 1, ' '));
    }
    return out;
}

namespace {

// The last file a snippet was read from, with its line index: diagnostics come in runs per file, so a run of N
// costs one read, not N rescans. Per thread, since knowledge files are read on several threads.
struct SourceCache {
    std::string path;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified;
    std::string text;
    std::unique_ptr<LineIndex> index;
};

const LineIndex* cached_lines(const std::string& file) {
    namespace fs = std::filesystem;
    thread_local SourceCache cache;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) return nullptr;   // never block on a FIFO or read a device for a snippet
    const auto size = fs::file_size(file, ec);
    const auto modified = fs::last_write_time(file, ec);
    if (ec) return nullptr;
    if (cache.index && cache.path == file && cache.size == size && cache.modified == modified) return cache.index.get();
    cache = SourceCache{};
    std::string error;
    constexpr std::size_t max_source = 64 * 1024 * 1024;
    if (!read_file(file, cache.text, error, max_source)) return nullptr;
    cache.path = file;
    cache.size = size;
    cache.modified = modified;
    cache.index = std::make_unique<LineIndex>(cache.text);
    return cache.index.get();
}

}  // namespace

std::string read_source_line(const std::string& file, int line) {
    if (file.empty() || line <= 0) return {};
    const LineIndex* lines = cached_lines(file);
    return lines ? snippet_of(lines->line(line)) : std::string{};
}

}  // namespace kbdiag
