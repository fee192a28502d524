// kbdiag collect: runs the collectors for this platform and writes a snapshot (atomically).
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>

#include <fmt/format.h>

#include "engine/collect/registry.hpp"
#include "engine/report/report.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "tools/kbdiag/commands.hpp"

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

int run_collect(const GlobalOptions& g, const CollectArgs& a) {
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
    if (!a.error.empty()) options.manual_facts["error.code"] = a.error;   // infer picks the problem from it
    for (const auto& file : a.imports) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(file, ec))
            throw CliError{exit_input, fmt::format("{}: error[SNAP005]: --import: no such snapshot file", file)};
    }

    CollectionResult result = run_collectors(builtin_collectors(), *kb, options);
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
    write_output(path == "-" ? std::string("-") : path, yaml);

    // Status table (stderr when the snapshot itself went to stdout).
    std::ostream& out = path == "-" ? std::cerr : std::cout;
    if (!a.quiet) {
        out << fmt::format("{:<20} {:<8} {:>7}  {}\n", "collector", "status", "time", "message");
        for (const auto& r : result.reports) {
            std::string line = fmt::format("{:<20} {:<8} {:>4} ms", r.id, to_string(r.status), r.duration_ms);
            std::string text = line + (r.message.empty() ? "" : "  " + r.message);
            out << wrap(text, 80, "", "                                   ");
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
    sub->add_option("--target", a.target, "The share that fails: \\\\server\\share, //server/share or smb://server/share")
        ->type_name("UNC");
    sub->add_option("-e,--error", a.error, "The error the user saw (0x00000963, 2403, ...); infer then needs no --error")
        ->type_name("CODE");
    sub->add_option("--server", a.server, "Probe this SMB server (default: the server of --target)")
        ->type_name("HOST[:PORT]");
    sub->add_option("--fact", a.facts, "Add a fact by hand (repeatable)")
        ->type_name("NAME=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--import", a.imports, "Merge facts from another snapshot file (repeatable)")
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
