#include "engine/kb/script_refs.hpp"

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/kb/rule_modules.hpp"

namespace kbdiag {

namespace {

struct CtxCall {
    const char* prefix;   // e.g. `ctx.fact(`
    bool names_cause;     // the literal is a cause id, not a fact
};
constexpr CtxCall ctx_calls[] = {
    {"ctx.fact(", false}, {"ctx.state(", false}, {"ctx.derive(", false}, {"ctx.evidence(", true}};

// The code part of a Lua line: without a `--` comment (outside strings; good enough for rule files).
std::string code_part(const std::string& line) {
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == '\\') ++i;
            else if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '-' && i + 1 < line.size() && line[i + 1] == '-') {
            return line.substr(0, i);
        }
    }
    return line;
}

void check_line(const KnowledgeBase& kb, const std::string& file, int number, const std::string& line, Diagnostics& d) {
    for (const auto& call : ctx_calls) {
        const std::string prefix = call.prefix;
        for (auto at = line.find(prefix); at != std::string::npos; at = line.find(prefix, at + 1)) {
            std::size_t p = at + prefix.size();
            while (p < line.size() && line[p] == ' ') ++p;
            if (p >= line.size() || (line[p] != '"' && line[p] != '\'')) continue;   // not a literal
            const auto close = line.find(line[p], p + 1);
            if (close == std::string::npos) continue;
            const std::string name = line.substr(p + 1, close - p - 1);
            const SourceLocation where{file, number, static_cast<int>(p) + 2};
            if (call.names_cause && !kb.cause(name))
                d.error(codes::kb_dangling_ref,
                        fmt::format("Lua {}\"{}\"): no cause '{}'{}", prefix, name, name,
                                    suggest::did_you_mean_key(name, kb.causes)),
                        where);
            if (!call.names_cause && !kb.fact(name))
                d.error(codes::kb_unknown_fact,
                        fmt::format("Lua {}\"{}\"): unknown fact '{}' (not in the catalog{})", prefix, name, name,
                                    suggest::not_in_catalog_hint(name, kb.facts)),
                        where);
        }
    }
}

}  // namespace

void check_script_text(const KnowledgeBase& kb, const std::string& file, const std::string& text, Diagnostics& d) {
    int number = 0;
    std::size_t start = 0;
    while (start <= text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        ++number;
        check_line(kb, file, number, code_part(text.substr(start, end - start)), d);
        start = end + 1;
    }
}

void check_script_references(const KnowledgeBase& kb, Diagnostics& d) {
    std::vector<std::string> files = kb.script_files;
    for (const auto& folder : kb.folders)   // the shared modules (rules/lib) may name facts and causes too
        for (auto& module : list_module_files(folder)) files.push_back(std::move(module));
    for (const auto& file : files) {
        std::string text, error;
        // the Lua loader reports unreadable files (KB009)
        if (!read_file(file, text, error, limits::knowledge_file_bytes)) continue;
        check_script_text(kb, file, text, d);
    }
}

}  // namespace kbdiag
