#include "tools/kbdiag/cli_common.hpp"

#include <unistd.h>
#ifdef _WIN32   // Windows build (issue 3): GetModuleFileNameW for exe_dir()
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef NOGDI
#define NOGDI
#endif
#include <windows.h>
#endif

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/kb_cache.hpp"

#ifndef KBDIAG_SOURCE_KB
#define KBDIAG_SOURCE_KB ""
#endif

namespace fs = std::filesystem;

namespace kbdiag::cli {

const char* const exit_codes_help =
    "Exit codes:\n"
    "  0  success\n"
    "  1  internal error (a bug: please report it)\n"
    "  2  usage error: unknown option, bad --fact syntax, --error needed\n"
    "  3  knowledge base unusable: load or lint errors, missing --kb folder\n"
    "  4  input unusable: snapshot missing or malformed (batch: some inputs failed)\n"
    "  5  the error code matches no problem in the knowledge base\n"
    "  6  scenario tests failed (kb test)\n"
    "  7  output could not be written\n"
    "\n"
    "Environment: KBDIAG_KNOWLEDGE (shipped knowledge folder), KBDIAG_SNAPSHOT\n"
    "(default snapshot file), NO_COLOR (no colour), XDG_CACHE_HOME (knowledge cache\n"
    "in its kbdiag folder), KBDIAG_NO_CACHE=1 (like --no-cache), KBDIAG_CACHE_TRACE=1\n"
    "(say where the knowledge came from).";

namespace {

fs::path exe_dir() {
#ifdef _WIN32   // Windows build (issue 3): no /proc; the module's own path (the zip has <exe dir>/knowledge)
    std::wstring buf(32768, L'\0');
    DWORD n = ::GetModuleFileNameW(nullptr, buf.data(), static_cast<DWORD>(buf.size()));
    if (n == 0 || n >= buf.size()) return {};
    buf.resize(n);
    return fs::path(buf).parent_path();
#else
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return {};
    return exe.parent_path();
#endif
}

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return !p.empty() && fs::is_directory(p, ec);
}

// An environment switch: set, not empty and not "0".
bool env_on(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::string(v) != "0";
}

KbCacheOptions cache_options(const GlobalOptions& g) {
    KbCacheOptions cache;
    if (!g.no_cache && !env_on("KBDIAG_NO_CACHE")) cache.dir = default_kb_cache_dir();
    return cache;
}

void print_cache_trace(const KbCacheTrace& t) {
    if (!env_on("KBDIAG_CACHE_TRACE")) return;
    if (t.hit) std::cerr << "kbdiag: knowledge from cache " << t.file << '\n';
    else if (t.file.empty()) std::cerr << "kbdiag: knowledge from YAML (" << t.detail << ")\n";
    else std::cerr << "kbdiag: knowledge from YAML (" << t.detail << ") " << t.file << '\n';
}

}  // namespace

std::string find_shipped_kb() {
    if (const char* env = std::getenv("KBDIAG_KNOWLEDGE"); env && *env) return env;
    const fs::path dir = exe_dir();
    if (!dir.empty()) {
        fs::path share = dir / ".." / "share" / "kbdiag" / "knowledge";
        if (is_dir(share)) return fs::weakly_canonical(share).string();
        fs::path local = dir / "knowledge";
        if (is_dir(local)) return local.string();
    }
    if (is_dir(KBDIAG_SOURCE_KB)) return KBDIAG_SOURCE_KB;
    return {};
}

std::vector<std::string> kb_folders(const GlobalOptions& g) {
    std::vector<std::string> folders;
    if (!g.no_builtin_kb) {
        std::string shipped = find_shipped_kb();
        if (shipped.empty())
            throw CliError{exit_kb, fmt::format("error[{}]: the shipped knowledge base was not found (set "
                                                "KBDIAG_KNOWLEDGE or pass --kb DIR)",
                                                codes::kb_folder)};
        if (!is_dir(shipped))
            throw CliError{exit_kb, fmt::format("{}: error[{}]: knowledge folder does not exist or is not a folder",
                                                shipped, codes::kb_folder)};
        folders.push_back(shipped);
    }
    for (const auto& dir : g.kb_dirs) {
        std::error_code ec;
        if (!fs::exists(dir, ec))
            throw CliError{exit_kb, fmt::format("{}: error[{}]: --kb folder does not exist", dir, codes::kb_folder)};
        if (!fs::is_directory(dir, ec))
            throw CliError{exit_kb, fmt::format("{}: error[{}]: --kb is not a folder", dir, codes::kb_folder)};
        if (::access(dir.c_str(), R_OK | X_OK) != 0)
            throw CliError{exit_kb, fmt::format("{}: error[{}]: --kb folder is not readable", dir, codes::kb_folder)};
        folders.push_back(dir);
    }
    if (folders.empty())
        throw CliError{exit_usage, "no knowledge base: --no-builtin-kb needs at least one --kb DIR"};
    return folders;
}

std::shared_ptr<const KnowledgeBase> load_kb_or_throw(const GlobalOptions& g, Diagnostics& carried, bool strict,
                                                      KbPart part) {
    LoadOptions lo;
    lo.folders = kb_folders(g);
    lo.strict = strict;
    lo.scenarios = part == KbPart::everything;
    KbCacheTrace trace;
    LoadResult lr = load_knowledge_base_cached(lo, cache_options(g), &trace);
    print_cache_trace(trace);
    lr.diagnostics.sort();
    if (!lr.kb || lr.diagnostics.has_errors()) {
        print_diagnostics(lr.diagnostics);
        throw CliError{exit_kb, fmt::format("knowledge base unusable: {} error(s) in {}",
                                            lr.diagnostics.count(Severity::error),
                                            fmt::join(lo.folders, ", "))};
    }
    carried.append(lr.diagnostics);
    return lr.kb;
}

std::pair<std::string, std::string> split_fact_arg(const std::string& arg) {
    const auto eq = arg.find('=');
    if (eq == std::string::npos || eq == 0)
        throw CliError{exit_usage, fmt::format("error[{}]: --fact '{}': expected name=value", codes::cli_bad_fact, arg)};
    std::string name = arg.substr(0, eq);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    if (name.empty())
        throw CliError{exit_usage, fmt::format("error[{}]: --fact '{}': expected name=value", codes::cli_bad_fact, arg)};
    return {name, arg.substr(eq + 1)};
}

FactArg parse_fact_arg(const KnowledgeBase& kb, const std::string& arg) {
    auto [name, text] = split_fact_arg(arg);
    const FactDef* def = kb.fact(name);
    if (!def)
        throw CliError{exit_usage, fmt::format("error[{}]: --fact '{}': '{}' is not in the fact catalog (see "
                                               "'kbdiag kb facts')",
                                               codes::cli_bad_fact, arg, name)};
    ParseResult pr = parse_fact_text(text, def->type, def->values);
    if (!pr.value)
        throw CliError{exit_usage, fmt::format("error[{}]: --fact '{}': {} ({} expected)", codes::cli_bad_fact, arg,
                                               pr.error, to_string(def->type))};
    return FactArg{name, text, *pr.value};
}

void write_output(const std::string& path, const std::string& content) {
    if (path.empty() || path == "-") {
        std::cout << content;
        std::cout.flush();
        if (!std::cout) throw CliError{exit_output, "error: could not write to standard output"};
        return;
    }
    std::string err = write_file_atomically(path, content);
    if (!err.empty()) throw CliError{exit_output, fmt::format("{}: error[{}]: cannot write: {}", path, "SNAP005", err)};
}

namespace {
bool color_for(int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color) return false;   // set at all, even empty: no colour
    const char* term = std::getenv("TERM");
    if (term && std::string(term) == "dumb") return false;
    return ::isatty(fd) == 1;
}
}  // namespace

bool stdout_color() { return color_for(STDOUT_FILENO); }
bool stderr_color() { return color_for(STDERR_FILENO); }

void print_diagnostics(const Diagnostics& d, bool include_notes) {
    const bool color = stderr_color();
    for (const auto& item : d.items()) {
        if (item.severity == Severity::note && !include_notes) continue;
        std::string text = format_diagnostic(item, color);
        std::cerr << text;
        if (text.empty() || text.back() != '\n') std::cerr << '\n';
    }
}

bool is_json_format(const std::string& format) { return format == "json"; }

}  // namespace kbdiag::cli
