// kbdiag kb lint: loads the knowledge base and compiles every Lua rule; lists every diagnostic.
#include <iostream>

#include <fmt/format.h>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/report/report.hpp"
#include "tools/kbdiag/commands.hpp"

namespace kbdiag::cli {

namespace {

struct LintArgs {
    std::string format = "text";
    bool strict = false;
};

int run_lint(const GlobalOptions& g, const LintArgs& a) {
    LoadOptions lo;
    lo.folders = kb_folders(g);
    lo.strict = a.strict;
    LoadResult lr = load_knowledge_base(lo);
    Diagnostics all = lr.diagnostics;
    if (lr.kb) {
        LuaRuleRuntime runtime{RuntimeLimits{}};
        runtime.load(*lr.kb, all);
    }
    all.sort();
    const std::size_t errors = all.count(Severity::error);
    const std::size_t warnings = all.count(Severity::warning);
    const std::size_t notes = all.count(Severity::note);
    const bool failed = !lr.kb || errors > 0 || (a.strict && warnings > 0);

    if (a.format == "json") {
        nlohmann::json j;
        j["schema"] = "kbdiag-lint/1";
        j["folders"] = lo.folders;
        j["strict"] = a.strict;
        j["errors"] = errors;
        j["warnings"] = warnings;
        j["notes"] = notes;
        j["ok"] = !failed;
        nlohmann::json d = nlohmann::json::array();
        for (const auto& item : all.items()) d.push_back(diagnostic_to_json(item));
        j["diagnostics"] = d;
        if (lr.kb) {
            j["counts"] = nlohmann::json{{"facts", lr.kb->facts.size()},       {"problems", lr.kb->problems.size()},
                                         {"causes", lr.kb->causes.size()},     {"fixes", lr.kb->fixes.size()},
                                         {"rules", lr.kb->rules.size()},       {"scenarios", lr.kb->scenarios.size()},
                                         {"references", lr.kb->references.size()}};
        }
        write_output("", dump_json(j));
    } else {
        const bool color = stdout_color();
        std::string out;
        for (const auto& item : all.items()) {
            std::string text = format_diagnostic(item, color);
            out += text;
            if (text.empty() || text.back() != '\n') out += '\n';
        }
        if (lr.kb)
            out += fmt::format("{} facts, {} problems, {} causes, {} fixes, {} rules, {} scenarios in {}\n",
                               lr.kb->facts.size(), lr.kb->problems.size(), lr.kb->causes.size(),
                               lr.kb->fixes.size(), lr.kb->rules.size(), lr.kb->scenarios.size(),
                               fmt::join(lo.folders, ", "));
        out += fmt::format("lint: {} error(s), {} warning(s), {} note(s){}: {}\n", errors, warnings, notes,
                           a.strict ? " (strict: warnings count)" : "", failed ? "FAILED" : "ok");
        write_output("", out);
    }
    return failed ? exit_kb : exit_ok;
}

}  // namespace

void setup_kb_lint(CLI::App& kb, const GlobalOptions& g, RunFn& run) {
    static LintArgs a;
    CLI::App* sub = kb.add_subcommand("lint", "Check the knowledge base: schema, references, Lua compile errors");
    sub->add_option("--format", a.format, "Output format: text or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    sub->add_flag("--strict", a.strict, "Warnings count as errors");
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_lint(g, a); }; });
}

}  // namespace kbdiag::cli
