// kbdiag kb test: runs the knowledge base's scenarios and checks coverage.
#include <fmt/format.h>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/scenarios/scenario_runner.hpp"
#include "tools/kbdiag/commands.hpp"

namespace kbdiag::cli {

namespace {

struct TestArgs {
    std::string format = "text";
    std::string filter;
};

int run_test(const GlobalOptions& g, const TestArgs& a) {
    Diagnostics carried;
    auto kb = load_kb_or_throw(g, carried);
    LuaRuleRuntime runtime{RuntimeLimits{}};
    Diagnostics load_diags;
    runtime.load(*kb, load_diags);
    load_diags.sort();
    print_diagnostics(load_diags);   // broken scripts: their rules are skipped, scenarios may then fail

    ScenarioRunOptions options;
    options.filter = a.filter;
    ScenarioRun result = run_scenarios(kb, &runtime, options);
    if (a.format == "json")
        write_output("", render_scenarios_json(result));
    else
        write_output("", render_scenarios_text(result, stdout_color(), 80));
    if (!a.filter.empty() && result.results.empty())
        throw CliError{exit_unknown_error, fmt::format("no scenario id contains '{}'", a.filter)};
    return result.ok() ? exit_ok : exit_scenarios;
}

}  // namespace

void setup_kb_test(CLI::App& kb, const GlobalOptions& g, RunFn& run) {
    static TestArgs a;
    CLI::App* sub = kb.add_subcommand("test", "Run the knowledge base's scenario tests and the coverage check");
    sub->add_option("filter", a.filter, "Run only scenarios whose id contains FILTER")->type_name("FILTER");
    sub->add_option("--format", a.format, "Output format: text or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_test(g, a); }; });
}

}  // namespace kbdiag::cli
