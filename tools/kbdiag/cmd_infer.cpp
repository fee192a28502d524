// kbdiag infer: snapshot + --fact -> ranked, explained causes, a fix plan and what to check next; with no error
// known, a triage across the problem family. The diagnosis itself is DiagnosisSession's (engine/session/); this
// file reads the options and renders.
#include <iostream>

#include <fmt/format.h>

#include "engine/report/report.hpp"
#include "tools/kbdiag/commands.hpp"
#include "tools/kbdiag/diagnosis_inputs.hpp"
#include "tools/kbdiag/report_export.hpp"

namespace kbdiag::cli {

namespace {

struct InferArgs {
    DiagnosisArgs diagnosis;
    std::string format = "text";
    std::string output;
    bool no_questions = false;
    // a rule that failed to load or while running makes the run fail (exit 3), report still written
    bool strict = false;
};

int run_infer(const GlobalOptions& g, const InferArgs& a) {
    if (a.format != "text" && a.format != "json" && !is_export_format(a.format))
        throw CliError{exit_usage, fmt::format("--format '{}': expected text, json, markdown or html", a.format)};
    DiagnosisInputs inputs = load_diagnosis_inputs(g, a.diagnosis);
    inputs.request.questions = !a.no_questions;
    Report report = diagnose_or_throw(inputs);

    std::string text;
    if (a.format == "json") {
        text = render_json(report);
    } else if (is_export_format(a.format)) {
        text = render_export(report, a.format, g);   // the knowledge base's templates/<format>.lua
    } else {
        TextOptions to;
        to.color = a.output.empty() && stdout_color();
        to.verbose = a.diagnosis.verbose;
        text = render_text(report, to);
    }
    write_output(a.output, text);
    // A rule file that did not compile left its rules out of the whole diagnosis: strictness refuses that too.
    if (a.strict && inputs.session->load_diagnostics().has_errors()) {
        std::cerr << fmt::format("error: --strict: rules did not load (first: {})\n",
                                 first_error(inputs.session->load_diagnostics()));
        return exit_kb;
    }
    if (a.strict && !report.rule_errors.empty()) {
        std::cerr << fmt::format("error: --strict: {} rule(s) failed while running (first: {})\n",
                                 report.rule_errors.size(), report.rule_errors.front().message);
        return exit_kb;
    }
    return exit_ok;
}

}  // namespace

void setup_infer(CLI::App& app, const GlobalOptions& g, RunFn& run) {
    static InferArgs a;
    CLI::App* sub = app.add_subcommand("infer", "Rank the causes of an error from a snapshot and print the fix plan");
    sub->add_option("snapshot", a.diagnosis.snapshot,
                    "Snapshot file, or - for stdin (default: the one 'kbdiag collect' wrote)")
        ->type_name("SNAPSHOT");
    sub->add_option("-e,--error", a.diagnosis.error, "The error as the user saw it: 0x00000963, 963h, 2403, "
                                           "NERR_BadPasswordCore, ...")
        ->type_name("CODE");
    sub->add_option("--fact", a.diagnosis.facts, "Set a fact, overriding the snapshot (repeatable)")
        ->type_name("NAME=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--format", a.format,
                    "Output format: text, json, markdown (for a ticket) or html (one self-contained page)")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json", "markdown", "html"}));
    sub->add_option("-o,--output", a.output, "Write the report to FILE (atomically) instead of stdout")
        ->type_name("FILE");
    sub->add_flag("--no-questions", a.no_questions, "Do not compute what to check next");
    sub->add_flag("--strict", a.strict,
                  "Exit 3 when a rule did not load or failed while running (a Lua error or budget); the report is "
                  "still written");
    sub->add_flag("-v,--verbose", a.diagnosis.verbose, "Show uncounted evidence, conditions and knowledge-base notes");
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_infer(g, a); }; });
}

}  // namespace kbdiag::cli
