#pragma once
// Scenario runner for `kbdiag kb test`: runs each scenario of the knowledge base (facts in, expected ranking
// and plan out), checks its expectations, and measures coverage: per cause, how many scenarios expect it
// first (positive) and not first (negative); and which rules no scenario exercised.
//
// Scenario fact values are coerced through the catalog. The strings "(absent)" and "(failed)" give a fact
// that state instead of a value (a collector looked and found nothing / could not tell).
#include <memory>
#include <string>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/rules/rule_runtime.hpp"

namespace kbdiag {

struct ScenarioFailure {
    // top | not_top | order | min_probability | fixes | first_fix | step_contains | facts | error
    std::string check;
    std::string expected;
    std::string actual;
    SourceLocation where;     // the scenario, or the offending fact
};

struct ScenarioCauseLine {
    std::string id;
    double probability = 0.0;
};

struct ScenarioResult {
    std::string id;
    std::string description;
    std::string problem;                          // problem id, empty when the error matched none
    SourceLocation where;
    bool passed = false;
    std::vector<ScenarioFailure> failures;
    std::vector<ScenarioCauseLine> ranking;       // actual, by probability
    std::vector<std::string> plan;                // fix ids in plan order
    std::vector<std::string> difference;          // evidence that separated expected from actual (on failure)
    std::vector<std::string> rules_with_effect;   // rule ids that gave evidence or derived a fact
    Diagnostics diagnostics;                      // rule errors during the run
};

struct CoverageRow {
    std::string problem;
    std::string cause;
    int positive = 0;                             // scenarios expecting it first
    int negative = 0;                             // scenarios expecting it not first
    bool ok = false;
};

struct UnexercisedRule {
    std::string id;
    SourceLocation where;
};

struct ScenarioRunOptions {
    std::string filter;                           // substring of scenario ids; empty: all
    int min_positive = 2;
    int min_negative = 1;
};

struct ScenarioRun {
    std::vector<ScenarioResult> results;
    std::vector<CoverageRow> coverage;            // by problem, then cause
    bool coverage_checked = true;                 // false when a filter selected a subset
    std::vector<UnexercisedRule> unexercised;     // warnings
    std::size_t passed = 0;
    std::size_t failed = 0;

    bool coverage_ok() const;
    bool ok() const { return failed == 0 && (!coverage_checked || coverage_ok()); }
};

ScenarioRun run_scenarios(std::shared_ptr<const KnowledgeBase> kb, RuleRuntime* runtime,
                          const ScenarioRunOptions& options = {});

std::string render_scenarios_text(const ScenarioRun& run, bool color = false, int width = 80);
std::string render_scenarios_json(const ScenarioRun& run);   // schema "kbdiag-scenarios/1"

}  // namespace kbdiag
