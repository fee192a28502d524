// kbdiag infer: snapshot + --fact -> ranked, explained causes, a fix plan and what to check next.
// Pipeline: load_knowledge_base -> LuaRuleRuntime.load (broken scripts become diagnostics; their rules are
// skipped) -> read snapshot -> merge --fact -> find the problem -> Engine.run -> Ranker.rank -> report -> render.
#include <filesystem>
#include <optional>
#include <iostream>

#include <fmt/format.h>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/infer/engine.hpp"
#include "engine/infer/ranker.hpp"
#include "engine/report/report.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "tools/kbdiag/commands.hpp"

namespace kbdiag::cli {

namespace {

struct InferArgs {
    std::string snapshot;
    std::string error;
    std::vector<std::string> facts;
    std::string format = "text";
    std::string output;
    bool no_questions = false;
    bool verbose = false;
};

std::string list_problems(const KnowledgeBase& kb) {
    std::string out;
    // One line each, the first few spellings only: `kbdiag kb show ID` lists them all.
    constexpr std::size_t shown_codes = 3;
    for (const auto& [id, p] : kb.problems) {
        std::vector<std::string> codes(p.codes.begin(), p.codes.begin() + std::min(shown_codes, p.codes.size()));
        out += wrap(fmt::format("{} - {}", fmt::join(codes, ", "), p.title.empty() ? id : p.title), 80, "  ",
                    "      ");
    }
    if (out.empty()) out = "  (the knowledge base has no problems)\n";
    else out += "(`kbdiag kb show ID` lists every spelling of a problem's code)\n";
    return out;
}

// A note when the facts were collected on another kind of client than the one the problem is about (a Windows
// error diagnosed from a snapshot taken on Linux): that client's own settings are then unknown, not fine.
std::optional<std::string> platform_mismatch_note(const Problem& problem, const FactStore& facts) {
    const FactValue* os = facts.value("host.os");
    if (!os || !os->is_string() || problem.platform == Platform::any) return std::nullopt;
    const auto host = platform_from_string(os->as_string());
    if (!host || serves(*host, problem.platform)) return std::nullopt;
    auto name = [](Platform p) { return p == Platform::windows_os ? "Windows" : "Linux"; };
    return fmt::format("The facts were collected on a {} machine, but this is a {} error: that client's own "
                       "settings are unknown here. Run `kbdiag collect` on the client that shows the error.",
                       name(*host), name(problem.platform));
}

// The error the snapshot names (`kbdiag collect --error`), if a problem matches it.
const Problem* problem_from_facts(const KnowledgeBase& kb, const FactStore& facts, std::string& typed) {
    const FactValue* code = facts.value("error.code");
    if (!code || !code->is_string()) return nullptr;
    const Problem* p = kb.find_problem_by_code(code->as_string());
    if (p) typed = code->as_string();
    return p;
}

int run_infer(const GlobalOptions& g, const InferArgs& a) {
    if (a.format != "text" && a.format != "json")
        throw CliError{exit_usage, fmt::format("--format '{}': expected text or json", a.format)};
    Diagnostics kb_notes;
    auto kb = load_kb_or_throw(g, kb_notes, false, KbPart::for_diagnosis);

    Diagnostics report_diags;
    if (a.verbose) report_diags.append(kb_notes);
    LuaRuleRuntime runtime{RuntimeLimits{}};
    runtime.load(*kb, report_diags);

    // Snapshot: the one named, else the default one when it exists.
    FactStore facts;
    std::vector<CollectorReport> collectors;
    std::string host;
    std::string snapshot_path = a.snapshot;
    const bool explicit_snapshot = !snapshot_path.empty();
    if (!explicit_snapshot) snapshot_path = default_snapshot_path();
    std::error_code ec;
    const bool exists = std::filesystem::exists(snapshot_path, ec);
    std::vector<std::string> notes;
    if (exists || explicit_snapshot) {
        if (!exists)
            throw CliError{exit_input, fmt::format("{}: error[{}]: snapshot file not found", snapshot_path,
                                                   codes::snap_io)};
        Diagnostics sd;
        auto snap = read_snapshot(snapshot_path, *kb, sd);
        sd.sort();
        if (!snap) {
            print_diagnostics(sd);
            throw CliError{exit_input, fmt::format("{}: snapshot unusable", snapshot_path)};
        }
        report_diags.append(sd);
        facts = snap->facts;
        collectors = snap->collectors;
        host = snap->host_name;
    } else if (a.facts.empty()) {
        throw CliError{exit_input,
                       fmt::format("{}: error[{}]: no snapshot here; run 'kbdiag collect' first, name a snapshot, "
                                   "or give facts with --fact",
                                   snapshot_path, codes::snap_io)};
    } else {
        snapshot_path.clear();
        notes.push_back("No snapshot: only the facts given with --fact were used.");
    }

    // --fact overrides the snapshot.
    for (const auto& arg : a.facts) {
        FactArg fact = parse_fact_arg(*kb, arg);
        facts.set(fact.name, std::move(fact.value), "manual", "--fact");
    }
    if (host.empty())
        if (const FactValue* h = facts.value("host.name"); h && h->is_string()) host = h->as_string();

    // The problem.
    const Problem* problem = nullptr;
    std::string typed = a.error;
    if (!a.error.empty()) {
        problem = kb->find_problem_by_code(a.error);
        if (!problem)
            throw CliError{exit_unknown_error,
                           fmt::format("error[{}]: --error '{}' matches no problem in the knowledge base. Known "
                                       "problems:\n{}",
                                       codes::cli_unknown_error, a.error, list_problems(*kb))};
    } else if ((problem = problem_from_facts(*kb, facts, typed))) {
        notes.push_back(fmt::format("No --error given: the snapshot says the error is '{}'.", typed));
    } else if (kb->problems.size() == 1) {
        problem = &kb->problems.begin()->second;
        typed = problem->codes.empty() ? problem->id : problem->codes.front();
        notes.push_back(fmt::format("No --error given: the knowledge base knows one problem ({}), so it was "
                                    "used.",
                                    problem->id));
    } else {
        throw CliError{exit_usage, fmt::format("no --error given and the knowledge base has {} problems; pick one "
                                               "with --error CODE:\n{}",
                                               kb->problems.size(), list_problems(*kb))};
    }
    if (auto note = platform_mismatch_note(*problem, facts)) notes.push_back(*note);

    Engine engine(kb, &runtime);
    EngineResult result = engine.run(*problem, facts);
    RankOptions rank_options;
    rank_options.questions = !a.no_questions;
    Ranker ranker(engine, rank_options);
    Ranking ranking = ranker.rank(*problem, facts, result);

    ReportInput in;
    in.kb = kb.get();
    in.problem = problem;
    in.error_as_typed = typed;
    in.snapshot = snapshot_path;
    in.host_name = host;
    in.collectors = collectors;
    in.result = &result;
    in.ranking = &ranking;
    in.diagnostics = report_diags;
    in.notes = notes;
    Report report = build_report(in);

    std::string text;
    if (a.format == "json") {
        text = render_json(report);
    } else {
        TextOptions to;
        to.color = a.output.empty() && stdout_color();
        to.verbose = a.verbose;
        text = render_text(report, to);
    }
    write_output(a.output, text);
    return exit_ok;
}

}  // namespace

void setup_infer(CLI::App& app, const GlobalOptions& g, RunFn& run) {
    static InferArgs a;
    CLI::App* sub = app.add_subcommand("infer", "Rank the causes of an error from a snapshot and print the fix plan");
    sub->add_option("snapshot", a.snapshot, "Snapshot file (default: the one 'kbdiag collect' wrote)")
        ->type_name("SNAPSHOT");
    sub->add_option("-e,--error", a.error, "The error as the user saw it: 0x00000963, 963h, 2403, "
                                           "NERR_BadPasswordCore, ...")
        ->type_name("CODE");
    sub->add_option("--fact", a.facts, "Set a fact, overriding the snapshot (repeatable)")
        ->type_name("NAME=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--format", a.format, "Output format: text or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    sub->add_option("-o,--output", a.output, "Write the report to FILE (atomically) instead of stdout")
        ->type_name("FILE");
    sub->add_flag("--no-questions", a.no_questions, "Do not compute what to check next");
    sub->add_flag("-v,--verbose", a.verbose, "Show uncounted evidence, conditions and knowledge-base notes");
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_infer(g, a); }; });
}

}  // namespace kbdiag::cli
