// linux.samba_client: the Samba client settings smbclient and libsmbclient use, read through
// `testparm -s -v --suppress-prompt` (which prints every parameter, defaults included).
#include <algorithm>
#include <cctype>

#ifndef _WIN32
#include <sys/stat.h>
#include <unistd.h>
#endif

#include <fmt/format.h>

#include "engine/core/text.hpp"
#include "engine/collect/builtin.hpp"
#include "engine/collect/process.hpp"
#include "engine/collect/root_files.hpp"

namespace kbdiag {

namespace {

using text::trim;

// Samba's parameter-name normalisation: case and spaces do not matter.
std::string normalise_name(std::string_view name) {
    std::string out;
    for (char c : name)
        if (c != ' ' && c != '\t' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<bool> samba_bool(const std::string& value) {
    std::string v = normalise_name(value);
    if (v == "yes" || v == "true" || v == "1" || v == "on") return true;
    if (v == "no" || v == "false" || v == "0" || v == "off") return false;
    return std::nullopt;
}

bool file_exists(const std::string& path) {
#ifndef _WIN32
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
#else
    (void)path;
    return false;
#endif
}

bool executable_file(const std::string& path) {
#ifndef _WIN32
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
#else
    (void)path;
    return false;
#endif
}

struct FactMap {
    const char* fact;
    const char* parameter;   // normalised
    bool boolean;
};
constexpr FactMap fact_map[] = {
    {"samba_client.min_protocol", "clientminprotocol", false},
    {"samba_client.max_protocol", "clientmaxprotocol", false},
    {"samba_client.signing", "clientsigning", false},
    {"samba_client.ntlmv2_auth", "clientntlmv2auth", true},
    {"samba_client.lanman_auth", "clientlanmanauth", true},
    {"samba_client.workgroup", "workgroup", false},
};

// The program to run: $KBDIAG_TESTPARM (tests), else testparm on PATH. Empty when there is none.
std::string testparm_program(const CollectOptions& options, std::string& override_error) {
    if (auto o = get_env(options, "KBDIAG_TESTPARM"); o && !o->empty()) {
        if (!executable_file(*o)) override_error = fmt::format("KBDIAG_TESTPARM={} is not an executable file", *o);
        return *o;
    }
    auto path = get_env(options, "PATH").value_or("/usr/local/bin:/usr/bin:/bin");
    return find_program("testparm", path);
}

// With a fake root, testparm reads that tree's smb.conf (or none: /dev/null gives the built-in defaults).
std::vector<std::string> testparm_argv(const std::string& program, const CollectOptions& options, std::string& note) {
    std::vector<std::string> argv{program, "-s", "-v", "--suppress-prompt"};
    if (options.root.empty() || options.root == "/") return argv;
    std::string conf = under_root(options.root, "etc/samba/smb.conf");
    if (file_exists(conf)) {
        argv.push_back(conf);
    } else {
        argv.push_back("/dev/null");
        note = "no smb.conf: Samba's built-in defaults";
    }
    return argv;
}

// Sets the facts from the [global] parameters; returns the names it could not set.
std::vector<std::string> set_facts(const std::map<std::string, std::string>& globals, const std::string& note,
                                   FactSink& sink) {
    std::vector<std::string> missing;
    for (const auto& m : fact_map) {
        auto it = globals.find(m.parameter);
        if (it == globals.end()) {
            sink.set_failed(m.fact, "not in testparm output");
            missing.push_back(m.fact);
        } else if (!m.boolean) {
            sink.set(m.fact, it->second, note);
        } else if (auto b = samba_bool(it->second)) {
            sink.set(m.fact, *b, note);
        } else {
            sink.set_failed(m.fact, fmt::format("testparm printed '{}', not yes/no", it->second));
            missing.push_back(m.fact);
        }
    }
    return missing;
}

CollectorOutcome process_failure(const ProcessResult& r, std::chrono::milliseconds limit) {
    if (!r.started) return {CollectorStatus::failed, r.error};
    if (r.timed_out)
        return {CollectorStatus::timeout,
                fmt::format("testparm did not finish within {} ms and was killed", limit.count())};
    if (r.truncated) return {CollectorStatus::failed, "testparm printed too much output; stopped"};
    if (r.signal != 0) return {CollectorStatus::failed, fmt::format("testparm was ended by signal {}", r.signal)};
    return {CollectorStatus::failed, fmt::format("testparm exited with status {}", r.exit_code)};
}

class SambaClientCollector final : public Collector {
public:
    std::string id() const override { return "linux.samba_client"; }
    std::string description() const override { return "Samba client settings (smb.conf, via testparm)"; }
    std::vector<std::string> provides() const override {
        std::vector<std::string> out;
        for (const auto& m : fact_map) out.emplace_back(m.fact);
        return out;
    }
    std::vector<Platform> platforms() const override { return {Platform::linux_os}; }

    CollectorOutcome collect(const CollectOptions& options, FactSink& sink) override {
        std::string override_error;
        std::string program = testparm_program(options, override_error);
        if (!override_error.empty()) return {CollectorStatus::failed, override_error};
        if (program.empty()) return {CollectorStatus::skipped, "testparm is not installed (package samba-common-bin)"};
        std::string note;
        auto argv = testparm_argv(program, options, note);
        auto limit = std::max(std::chrono::milliseconds(100), options.time_limit * 9 / 10);
        ProcessResult r = run_process(argv, limit, {{"LC_ALL", "C"}});
        auto globals = r.started && !r.timed_out && !r.truncated ? parse_testparm_globals(r.output) : std::nullopt;
        if (!globals) {
            if (r.succeeded()) return {CollectorStatus::failed, "testparm printed no [global] section"};
            return process_failure(r, limit);
        }
        auto missing = set_facts(*globals, note, sink);
        std::vector<std::string> problems;
        if (!r.succeeded()) problems.push_back(process_failure(r, limit).message);
        if (!missing.empty())
            problems.push_back(fmt::format("not found or not readable: {}", fmt::join(missing, ", ")));
        if (missing.size() == std::size(fact_map))
            return {CollectorStatus::failed, fmt::format("{}", fmt::join(problems, "; "))};
        if (!problems.empty()) return {CollectorStatus::partial, fmt::format("{}", fmt::join(problems, "; "))};
        return {CollectorStatus::ok, note};
    }
};

}  // namespace

std::optional<std::map<std::string, std::string>> parse_testparm_globals(std::string_view text) {
    std::optional<std::map<std::string, std::string>> out;
    bool in_global = false;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string line = trim(text.substr(pos, end - pos));
        pos = end + 1;
        if (line.empty() || line[0] == '#' || line[0] == ';') continue;
        if (line.front() == '[') {
            in_global = line.back() == ']' && normalise_name(line.substr(1, line.size() - 2)) == "global";
            if (in_global && !out) out.emplace();
            continue;
        }
        auto eq = line.find('=');
        if (!in_global || eq == std::string::npos) continue;
        std::string name = normalise_name(line.substr(0, eq));
        if (!name.empty()) (*out)[name] = trim(line.substr(eq + 1));
    }
    return out;
}

std::shared_ptr<Collector> make_samba_client_collector() { return std::make_shared<SambaClientCollector>(); }

}  // namespace kbdiag
