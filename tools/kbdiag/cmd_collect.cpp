// kbdiag collect: runs the collectors for this platform and writes a snapshot (atomically).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>

#include <unistd.h>

#include <fmt/format.h>

#include "engine/core/text.hpp"

#include "engine/collect/registry.hpp"
#include "engine/report/report.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "engine/collect/builtin.hpp"
#include "tools/kbdiag/commands.hpp"
#include "tools/kbdiag/diagnosis_inputs.hpp"

namespace kbdiag::cli {

namespace {

struct CollectArgs {
    std::string target;
    std::string server;   // --server HOST[:PORT] (probe.smb)
    std::string error;
    std::vector<std::string> facts;
    std::vector<std::string> imports;
    std::string output;
    long long time_limit_ms = 5000;
    std::string root = "/";
    bool quiet = false;
};

bool is_terminal(int fd) { return ::isatty(fd) == 1; }

// The status table: a header, then one line per collector (long messages wrapped under the message column).
std::string status_header() {
    return fmt::format("{:<20} {:<8} {:>7}  {}\n", "collector", "status", "time", "message");
}

std::string status_line(const CollectorReport& r) {
    std::string line = fmt::format("{:<20} {:<8} {:>4} ms", r.id, to_string(r.status), r.duration_ms);
    std::string text = line + (r.message.empty() ? "" : "  " + r.message);
    // messages quote the system
    return wrap(escape_controls(text::shorten(text)), 80, "", "                                   ");
}

// On a terminal, each collector's line goes to stderr the moment it finishes (slow ones, such as a server
// probe, can take seconds), so the person sees progress. Lines come in the order collectors finish.
class Progress {
public:
    explicit Progress(bool enabled) : enabled_(enabled) {}
    bool enabled() const { return enabled_; }
    void operator()(const CollectorReport& r) {
        if (!enabled_) return;
        if (!header_shown_) std::cerr << status_header();
        header_shown_ = true;
        std::cerr << status_line(r);
        std::cerr.flush();
    }

private:
    bool enabled_;
    bool header_shown_ = false;
};

// A --target that is not a share is a usage error, before anything runs (the target collector would only
// report it as a failed collector and the snapshot would lack the server facts).
void check_target(const std::string& target) {
    if (target.empty()) return;
    std::string error;
    if (!parse_share_target(target, error))
        throw CliError{exit_usage, fmt::format("--target '{}': {}", target, error)};
}

// The text of `--import -` (standard input); the collectors themselves never read stdin.
std::string stdin_import(const std::vector<std::string>& imports) {
    const auto dashes = std::count(imports.begin(), imports.end(), "-");
    if (dashes > 1) throw CliError{exit_usage, "--import -: standard input can be imported once"};
    return dashes ? read_input("-") : std::string();
}

int run_collect(const GlobalOptions& g, const CollectArgs& a) {
    check_target(a.target);
    Diagnostics carried;
    auto kb = load_kb_or_throw(g, carried, false, KbPart::for_diagnosis);

    CollectOptions options;
    options.root = a.root;
    options.time_limit = std::chrono::milliseconds(a.time_limit_ms);
    options.target = a.target;
    options.server = a.server;
    options.import_files = a.imports;
    options.kb = kb;
    for (const auto& arg : a.facts) {
        FactArg fact = parse_fact_arg(*kb, arg);
        options.manual_facts[fact.name] = fact.text;
    }
    check_error_known(*kb, a.error);   // else infer would quietly fall back to a triage
    if (!a.error.empty()) options.manual_facts["error.code"] = a.error;   // infer picks the problem from it
    for (const auto& file : a.imports) {
        std::error_code ec;
        if (file != "-" && !std::filesystem::is_regular_file(file, ec))
            throw CliError{exit_input, fmt::format("{}: error[SNAP005]: --import: no such snapshot file", file)};
    }

    options.import_stdin = stdin_import(a.imports);

    Progress progress(!a.quiet && is_terminal(STDERR_FILENO));
    CollectionResult result =
        run_collectors(builtin_collectors(), *kb, options, [&](const CollectorReport& r) { progress(r); });
    result.diagnostics.sort();
    for (const auto& r : result.reports) {
        if (r.id == "import" && (r.status == CollectorStatus::failed || r.status == CollectorStatus::partial)) {
            print_diagnostics(result.diagnostics);
            throw CliError{exit_input, fmt::format("--import: {} (no snapshot written)", r.message)};
        }
    }

    Snapshot snap;
    snap.created = static_cast<std::int64_t>(std::time(nullptr));
    snap.kbdiag_version = KBDIAG_VERSION;
    snap.platform = to_string(current_platform());
    if (const FactValue* host = result.facts.value("host.name"); host && host->is_string())
        snap.host_name = host->as_string();
    snap.collectors = result.reports;
    snap.facts = result.facts;

    const std::string path = a.output.empty() ? default_snapshot_path() : a.output;
    const std::string yaml = to_yaml(snap, *kb);
    write_output(path, yaml, a.output.empty() ? Folders::create : Folders::must_exist);

    // Status table, in run order (stderr when the snapshot itself went to stdout). When the progress lines
    // already went to this same terminal, only the summary line follows; a log file still gets the table.
    std::ostream& out = path == "-" ? std::cerr : std::cout;
    const bool table_shown = progress.enabled() && (path == "-" || is_terminal(STDOUT_FILENO));
    if (!a.quiet) {
        if (!table_shown) {
            out << status_header();
            for (const auto& r : result.reports) out << status_line(r);
        }
        std::size_t known = 0;
        for (const auto& [name, e] : result.facts.entries())
            if (e.state == FactState::known) ++known;
        if (path != "-")
            out << wrap(fmt::format("Wrote {} facts ({} known) to {}", result.facts.size(), known, path), 80, "",
                        "  ");
        out.flush();
    }
    print_diagnostics(result.diagnostics);
    return exit_ok;
}

}  // namespace

void setup_collect(CLI::App& app, const GlobalOptions& g, RunFn& run) {
    static CollectArgs a;
    CLI::App* sub = app.add_subcommand("collect", "Collect facts about this machine into a snapshot file");
    sub->add_option("--target", a.target,
                    "The share that fails: \\\\server\\share, //server/share or smb://server/share")
        ->type_name("UNC");
    sub->add_option("-e,--error", a.error,
                    "The error the user saw (0x00000963, 2403, ...); infer then needs no --error")
        ->type_name("CODE");
    sub->add_option("--server", a.server, "Probe this SMB server (default: the server of --target)")
        ->type_name("HOST[:PORT]");
    sub->add_option("--fact", a.facts, "Add a fact by hand (repeatable)")
        ->type_name("NAME=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--import", a.imports, "Merge facts from another snapshot file (repeatable; - for stdin)")
        ->type_name("FILE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("-o,--output", a.output, "Snapshot file to write (default: $KBDIAG_SNAPSHOT or "
                                             "~/.local/state/kbdiag/snapshot.yaml; '-' for stdout)")
        ->type_name("FILE");
    sub->add_option("--time-limit", a.time_limit_ms, "Time limit per collector in milliseconds")
        ->type_name("MS")
        ->check(CLI::Range(1LL, 600000LL));
    sub->add_option("--root", a.root, "File-system root the Linux collectors read (for tests)")->type_name("DIR");
    sub->add_flag("-q,--quiet", a.quiet, "Do not print the collector status table");
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_collect(g, a); }; });
}

}  // namespace kbdiag::cli
