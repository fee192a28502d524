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
#include <iterator>
#include <system_error>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/kb/kb_cache.hpp"

namespace fs = std::filesystem;

namespace kbdiag::cli {

const char* const exit_codes_help =
    "Exit codes:\n"
    "  0  success\n"
    "  1  internal error (a bug: please report it)\n"
    "  2  usage: unknown command, option or fact; malformed option value\n"
    "  3  knowledge base unusable: load or lint errors, missing --kb folder;\n"
    "     infer/batch --strict: a rule did not load or failed while running\n"
    "  4  input unusable: snapshot missing, unreadable or malformed (batch: some\n"
    "     inputs failed)\n"
    "  5  no match: --error, kb show ID, kb docs --problem or kb test FILTER names\n"
    "     nothing in the knowledge base\n"
    "  6  scenario tests failed (kb test)\n"
    "  7  output not written (-o into a missing folder, disk full, stdout closed)\n"
    "\n"
    "Environment: KBDIAG_KNOWLEDGE (shipped knowledge folder), KBDIAG_SNAPSHOT\n"
    "(default snapshot file), NO_COLOR (non-empty: no colour unless --color=always),\n"
    "XDG_CACHE_HOME (knowledge cache in its kbdiag folder), KBDIAG_NO_CACHE=1 (like\n"
    "--no-cache), KBDIAG_CACHE_TRACE=1 (say where the knowledge came from).";

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

std::vector<std::string> shipped_kb_candidates() {
    const fs::path dir = exe_dir();
    if (dir.empty()) return {};
    return {(dir / ".." / "share" / "kbdiag" / "knowledge").lexically_normal().string(),   // <prefix>/bin/kbdiag
            (dir / "knowledge").string()};   // beside the exe: the Windows zip; the build tree's link to the source
}

std::string find_shipped_kb() {
    if (const char* env = std::getenv("KBDIAG_KNOWLEDGE"); env && *env) return env;
    for (const std::string& candidate : shipped_kb_candidates()) {
        if (!is_dir(candidate)) continue;
        std::error_code ec;   // the build tree's link resolved, so paths in messages name the source files
        const fs::path resolved = fs::weakly_canonical(candidate, ec);
        return ec ? candidate : resolved.string();
    }
    return {};
}

namespace {

std::string shipped_kb_not_found() {
    const std::vector<std::string> looked = shipped_kb_candidates();
    const std::string where = looked.empty() ? std::string("nowhere: this program's own location is unknown")
                                             : fmt::format("looked in {}", fmt::join(looked, ", "));
    return fmt::format("error[{}]: the shipped knowledge base was not found ({}; KBDIAG_KNOWLEDGE is not set); "
                       "set KBDIAG_KNOWLEDGE=DIR, or pass --no-builtin-kb --kb DIR",
                       codes::kb_folder, where);
}

}  // namespace

std::vector<std::string> kb_folders(const GlobalOptions& g) {
    std::vector<std::string> folders;
    if (!g.no_builtin_kb) {
        std::string shipped = find_shipped_kb();
        if (shipped.empty())
            throw CliError{exit_kb, shipped_kb_not_found()};
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
        throw CliError{exit_usage,
                       fmt::format("error[{}]: --fact '{}': expected name=value", codes::cli_bad_fact, arg)};
    std::string name = arg.substr(0, eq);
    while (!name.empty() && name.back() == ' ') name.pop_back();
    while (!name.empty() && name.front() == ' ') name.erase(name.begin());
    if (name.empty())
        throw CliError{exit_usage,
                       fmt::format("error[{}]: --fact '{}': expected name=value", codes::cli_bad_fact, arg)};
    return {name, arg.substr(eq + 1)};
}

FactArg parse_fact_arg(const KnowledgeBase& kb, const std::string& arg) {
    auto [name, text] = split_fact_arg(arg);
    const FactDef* def = kb.fact(name);
    if (!def)
        throw CliError{exit_usage,
                       fmt::format("error[{}]: --fact '{}': '{}' is not in the fact catalog{} (see 'kbdiag kb facts')",
                                   codes::cli_bad_fact, arg, name, suggest::did_you_mean_key(name, kb.facts))};
    ParseResult pr = parse_fact_text(text, def->type, def->values);
    if (!pr.value)
        throw CliError{exit_usage, fmt::format("error[{}]: --fact '{}': {} ({} expected)", codes::cli_bad_fact, arg,
                                               pr.error, to_string(def->type))};
    return FactArg{name, text, *pr.value};
}

void check_output_folder(const std::string& path) {
    const fs::path folder = fs::path(path).parent_path();
    std::error_code ec;
    if (!folder.empty() && !fs::is_directory(folder, ec))
        throw CliError{exit_output, fmt::format("{}: error[SNAP005]: cannot write: folder {} does not exist", path,
                                                folder.string())};
}

void write_output(const std::string& path, const std::string& content, Folders folders) {
    if (path.empty() || path == "-") {
        std::cout << content;
        std::cout.flush();
        if (!std::cout) throw CliError{exit_output, "error: could not write to standard output"};
        return;
    }
    if (folders == Folders::must_exist) check_output_folder(path);
    std::string err = write_file_atomically(path, content);
    if (!err.empty()) throw CliError{exit_output, fmt::format("{}: error[{}]: cannot write: {}", path, "SNAP005", err)};
}

std::string read_input(const std::string& path) {
    if (path == "-") {
        std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
        if (std::cin.bad()) throw CliError{exit_input, "error[SNAP005]: cannot read standard input"};
        return text;
    }
    std::string text, error;
    if (!read_file(path, text, error)) throw CliError{exit_input, fmt::format("{}: error[SNAP005]: {}", path, error)};
    return text;
}

namespace {

std::string color_mode = "auto";

bool color_for(int fd) {
    if (color_mode == "always") return true;
    if (color_mode == "never") return false;
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color && *no_color) return false;   // no-color.org: set and not empty; NO_COLOR= changes nothing
    const char* term = std::getenv("TERM");
    if (term && std::string(term) == "dumb") return false;
    return ::isatty(fd) == 1;
}

}  // namespace

void set_color_mode(const std::string& mode) { color_mode = mode; }

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

std::string first_error(const Diagnostics& d) {
    for (const auto& item : d.items()) {
        if (item.severity != Severity::error) continue;
        std::string text = format_diagnostic(item, false);
        if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);   // the line, not the snippet
        return text;
    }
    return {};
}

bool is_json_format(const std::string& format) { return format == "json"; }

}  // namespace kbdiag::cli
