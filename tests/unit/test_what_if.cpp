// What-if runs (choosing questions): script outcomes reused over unchanged facts, derivations made in place and
// taken back. Both must change nothing a report shows.
#include <doctest/doctest.h>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/infer/ranker.hpp"
#include "engine/infer/script_memo.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;
using kbdiag::test::scenario_facts;
using kbdiag::test::shipped_kb_with_scenarios;

namespace {

// Counts the script calls that reach the Lua runtime.
class CountingRuntime : public RuleRuntime {
public:
    void load(const KnowledgeBase& kb, Diagnostics& d) override { lua_.load(kb, d); }
    bool loaded(const ScriptRef& s) const override { return lua_.loaded(s); }
    ScriptOutcome run(const RuleDecl& r, const FactStore& f) override {
        ++calls;
        return lua_.run(r, f);
    }
    void begin_diagnosis() override { lua_.begin_diagnosis(); }
    std::size_t calls = 0;

private:
    LuaRuleRuntime lua_{RuntimeLimits{}};
};

// The shipped knowledge (scenarios included) with its rules loaded into a counting runtime, and an engine on it.
struct ShippedEngine {
    std::shared_ptr<const KnowledgeBase> kb = shipped_kb_with_scenarios();
    CountingRuntime runtime;
    Engine engine{kb, &runtime};
    ShippedEngine() {
        Diagnostics d;
        runtime.load(*kb, d);
        REQUIRE_FALSE(d.has_errors());
    }
};

bool same_entries(const FactStore& a, const FactStore& b) {
    if (a.size() != b.size()) return false;
    for (const auto& [name, e] : a.entries()) {
        const FactEntry* o = b.find(name);
        if (!o || o->state != e.state || !(o->value == e.value) || o->source != e.source || o->note != e.note)
            return false;
    }
    return true;
}

}  // namespace

TEST_CASE("ScriptMemo: an outcome is reused only when every declared fact is as it was") {
    FactSlots slots;
    const std::vector<std::vector<std::size_t>> inputs = {{slots.add("a"), slots.add("b")}};
    ScriptMemo memo(inputs);
    FactStore facts;
    facts.set("a", FactValue{std::int64_t{1}}, "test");
    facts.set_absent("b", "test", "first note");
    ScriptOutcome out;
    out.evidence.push_back(ScriptEvidence{"c", 4.0, "why"});
    {
        const SlotView view(slots, facts);
        CHECK(memo.find(0, view) == nullptr);
        CHECK(memo.keep(0, view, out).evidence.size() == 1);
        const ScriptOutcome* again = memo.find(0, view);
        REQUIRE(again);
        CHECK(again->evidence[0].lr == 4.0);
    }
    SUBCASE("a source or note a script cannot see does not matter") {
        facts.set("a", FactValue{std::int64_t{1}}, "elsewhere");
        facts.set_absent("b", "elsewhere", "another note");
        CHECK(memo.find(0, SlotView(slots, facts)) != nullptr);
    }
    SUBCASE("another value, another state or a missing fact is a miss") {
        facts.set("a", FactValue{std::int64_t{2}}, "test");
        CHECK(memo.find(0, SlotView(slots, facts)) == nullptr);
        facts.set("a", FactValue{std::int64_t{1}}, "test");
        facts.set_failed("b", "test");
        CHECK(memo.find(0, SlotView(slots, facts)) == nullptr);
        facts.erase("b");
        CHECK(memo.find(0, SlotView(slots, facts)) == nullptr);
    }
    SUBCASE("a failed outcome is never kept, so it runs again and is reported as without the memo") {
        facts.set("a", FactValue{std::int64_t{3}}, "test");
        ScriptOutcome failed;
        failed.ok = false;
        const SlotView view(slots, facts);
        CHECK_FALSE(memo.keep(0, view, failed).ok);
        CHECK(memo.find(0, view) == nullptr);
    }
    CHECK(memo.reused() >= 1);
}

TEST_CASE("what-if runs put the facts back and find what a normal run finds, for every shipped scenario") {
    ShippedEngine shipped;
    const auto& kb = shipped.kb;
    const Engine& engine = shipped.engine;
    std::size_t derived_some = 0;
    for (const auto& sc : kb->scenarios) {
        const Problem* problem = kb->find_problem_by_code(sc.error);
        if (!problem) continue;
        FactStore facts = scenario_facts(*kb, sc);
        const FactStore before = facts;
        const EngineResult normal = engine.run(*problem, before, Detail::findings_only);
        if (normal.owns_facts()) ++derived_some;
        ScriptMemo memo = engine.script_memo();
        for (ScriptMemo* m : {static_cast<ScriptMemo*>(nullptr), &memo, &memo}) {   // without, filling, reusing
            const std::vector<Finding> found = engine.what_if(*problem, facts, m);
            CHECK_MESSAGE(same_entries(facts, before), sc.id);
            REQUIRE_MESSAGE(found.size() == normal.findings.size(), sc.id);
            for (std::size_t i = 0; i < found.size(); ++i) {
                CHECK_MESSAGE(found[i].cause == normal.findings[i].cause, sc.id << " finding " << i);
                CHECK(found[i].lr == normal.findings[i].lr);
                CHECK(found[i].applied_lr == normal.findings[i].applied_lr);
                CHECK(found[i].counted == normal.findings[i].counted);
            }
        }
    }
    CHECK(derived_some > 10);   // the in-place derivations were exercised, not just read-only runs
}

TEST_CASE("questions with reused script outcomes equal questions without, bit for bit, and call Lua far less") {
    ShippedEngine shipped;
    const auto& kb = shipped.kb;
    auto& runtime = shipped.runtime;
    const Engine& engine = shipped.engine;
    RankOptions reuse, every_call;
    every_call.reuse_script_outcomes = false;
    std::size_t asked = 0, calls_reusing = 0, calls_without = 0;
    auto questions = [&](const Problem& problem, const FactStore& facts, const RankOptions& options,
                         std::size_t& calls) {
        runtime.begin_diagnosis();
        const EngineResult result = engine.run(problem, facts);
        const std::size_t at = runtime.calls;
        Ranking r = Ranker(engine, options).rank(problem, facts, result);
        calls += runtime.calls - at;
        return r.questions;
    };
    auto compare = [&](const Problem& problem, const FactStore& facts, const std::string& what) {
        const auto a = questions(problem, facts, reuse, calls_reusing);
        const auto b = questions(problem, facts, every_call, calls_without);
        REQUIRE_MESSAGE(a.size() == b.size(), what);
        for (std::size_t i = 0; i < a.size(); ++i) {
            CHECK_MESSAGE(a[i].fact == b[i].fact, what << " question " << i);
            CHECK(a[i].value == b[i].value);
            CHECK(a[i].entropy_gain == b[i].entropy_gain);
            CHECK(a[i].causes == b[i].causes);
        }
        asked += a.size();
    };
    for (const auto& sc : kb->scenarios)
        if (const Problem* problem = kb->find_problem_by_code(sc.error))
            compare(*problem, scenario_facts(*kb, sc), sc.id);
    for (const auto& [id, problem] : kb->problems) compare(problem, FactStore{}, id + " with no facts");
    CHECK(asked > 100);
    MESSAGE("script calls while choosing questions: " << calls_reusing << " reusing, " << calls_without << " without");
    CHECK(calls_reusing > 0);
    CHECK(calls_reusing * 4 < calls_without);
}
