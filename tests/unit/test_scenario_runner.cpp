// Scenario runner: expectations, failures with locations, coverage and unexercised rules.
// Uses the CLI tests' mini knowledge base and a rule runtime without Lua (scripts contribute nothing).
#include <doctest/doctest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "engine/scenarios/scenario_runner.hpp"

using namespace kbdiag;

namespace {

class NoScripts : public RuleRuntime {
public:
    void load(const KnowledgeBase&, Diagnostics&) override {}
    bool loaded(const ScriptRef&) const override { return true; }
    ScriptOutcome run(const RuleDecl&, const FactStore&) override { return {}; }
};

std::shared_ptr<const KnowledgeBase> mini_kb() {
    LoadOptions o;
    o.folders = {std::string(KBDIAG_TEST_DATA) + "/cli/kb_mini"};
    LoadResult r = load_knowledge_base(o);
    INFO((r.diagnostics.items().empty() ? std::string() : format_diagnostic(r.diagnostics.items().front())));
    REQUIRE(r.kb);
    REQUIRE(!r.diagnostics.has_errors());
    return r.kb;
}

}  // namespace

TEST_CASE("the mini knowledge base's scenarios pass with full coverage") {
    NoScripts rt;
    ScenarioRun run = run_scenarios(mini_kb(), &rt);
    CHECK(run.results.size() == 4);
    CHECK(run.failed == 0);
    CHECK(run.passed == 4);
    REQUIRE(run.coverage.size() == 2);
    for (const auto& row : run.coverage) {
        CHECK(row.positive == 2);
        CHECK(row.negative == 1);
        CHECK(row.ok);
    }
    CHECK(run.coverage_ok());
    CHECK(run.ok());
    // Without Lua the script rule never has an effect: it is listed as unexercised.
    bool listed = false;
    for (const auto& u : run.unexercised) listed = listed || u.id == "mini_saved_credentials_script";
    CHECK(listed);
    const std::string text = render_scenarios_text(run);
    CHECK(text.find("PASS  mini_stale_password_changed") != std::string::npos);
    CHECK(text.find("COVERAGE") != std::string::npos);
    const auto j = nlohmann::json::parse(render_scenarios_json(run));
    CHECK(j["schema"] == "kbdiag-scenarios/1");
    CHECK(j["ok"] == true);
}

TEST_CASE("a filter runs a subset and does not enforce coverage") {
    NoScripts rt;
    ScenarioRunOptions o;
    o.filter = "level";
    ScenarioRun run = run_scenarios(mini_kb(), &rt, o);
    CHECK(run.results.size() == 2);
    CHECK(!run.coverage_checked);
    CHECK(run.ok());
}

TEST_CASE("a wrong expectation fails with expected vs actual and the evidence") {
    auto kb = std::make_shared<KnowledgeBase>(*mini_kb());
    Scenario s = kb->scenarios.front();   // password changed: mini_stale first
    s.id = "wrong";
    s.expect = ScenarioExpect{};
    s.expect.top = "mini_level";
    s.expect.first_fix = "mini_set_level";
    s.expect.step_contains = {"no such text anywhere"};
    s.expect.min_probability = 0.99;
    kb->scenarios = {s};
    NoScripts rt;
    ScenarioRun run = run_scenarios(kb, &rt);
    REQUIRE(run.results.size() == 1);
    const auto& r = run.results.front();
    CHECK(!r.passed);
    CHECK(run.failed == 1);
    std::set<std::string> checks;
    for (const auto& f : r.failures) checks.insert(f.check);
    CHECK(checks.count("top"));
    CHECK(checks.count("first_fix"));
    CHECK(checks.count("step_contains"));
    CHECK(checks.count("min_probability"));
    CHECK(r.failures.front().where.line > 0);
    REQUIRE(!r.ranking.empty());
    CHECK(r.ranking.front().id == "mini_stale");
    bool evidence_named = false;
    for (const auto& line : r.difference)
        evidence_named = evidence_named || line.find("mini_password_changed") != std::string::npos;
    CHECK(evidence_named);
    // Coverage now fails: one scenario cannot give each cause two positives.
    CHECK(!run.coverage_ok());
    CHECK(!run.ok());
}

TEST_CASE("an unknown fact or error code fails the scenario with its location") {
    auto kb = std::make_shared<KnowledgeBase>(*mini_kb());
    Scenario s = kb->scenarios.front();
    s.facts["no.such.fact"] = FactValue(std::string("1"));
    s.fact_where["no.such.fact"] = SourceLocation{"scenarios.yaml", 7, 5};
    Scenario t = kb->scenarios.front();
    t.id = "bad_code";
    t.error = "0xDEADBEEF";
    kb->scenarios = {s, t};
    NoScripts rt;
    ScenarioRun run = run_scenarios(kb, &rt);
    REQUIRE(run.results.size() == 2);
    CHECK(!run.results[0].passed);
    CHECK(run.results[0].failures.front().check == "facts");
    CHECK(run.results[0].failures.front().where.line == 7);
    CHECK(!run.results[1].passed);
    CHECK(run.results[1].failures.front().check == "error");
}

TEST_CASE("absent and failed fact markers set those states") {
    auto kb = std::make_shared<KnowledgeBase>(*mini_kb());
    Scenario s = kb->scenarios.back();   // lm_level 2: mini_level first
    s.facts["mini.password_changed"] = FactValue(std::string("(absent)"));
    s.facts["mini.saved_credentials"] = FactValue(std::string("(failed)"));
    kb->scenarios = {s};
    NoScripts rt;
    ScenarioRun run = run_scenarios(kb, &rt);
    REQUIRE(run.results.size() == 1);
    CHECK(run.results[0].passed);
}
