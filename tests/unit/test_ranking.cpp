#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "engine/infer/ranker.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;

namespace {

struct Fixture {
    test::TempKbDir dir;
    std::shared_ptr<const KnowledgeBase> kb;
    Fixture(const std::string& extra = {}) {
        dir.write("kb.yaml", std::string(test::mini_kb_yaml) + extra);
        auto r = load_knowledge_base(LoadOptions{{dir.path()}, false});
        for (const auto& d : r.diagnostics.items()) MESSAGE(format_diagnostic(d));
        REQUIRE(r.kb);
        REQUIRE_FALSE(r.diagnostics.has_errors());
        kb = r.kb;
    }
    const Problem& problem() const { return *kb->problem("bad_password"); }
};

double p_of(const Ranking& r, const std::string& id) {
    for (const auto& c : r.causes)
        if (c.id == id) return c.probability;
    FAIL("no cause " << id);
    return 0;
}

Ranking diagnose(const Fixture& f, const FactStore& facts, RankOptions options = {}) {
    Engine engine(f.kb, nullptr);
    Ranker ranker(engine, options);
    return ranker.rank(f.problem(), facts, engine.run(f.problem(), facts));
}

}  // namespace

TEST_CASE("with no evidence the posterior is the prior, other included") {
    Fixture f;
    auto r = diagnose(f, FactStore{});
    CHECK(p_of(r, "stale") == doctest::Approx(0.4));
    CHECK(p_of(r, "smb1") == doctest::Approx(0.2));
    CHECK(r.other_probability == doctest::Approx(0.2));
    CHECK(r.causes.front().id == "stale");
    // ties break by id: ntlmv1, other, smb1 all at 0.2
    CHECK(r.causes[1].id == "ntlmv1");
    CHECK(r.causes[2].id == "other");
}

TEST_CASE("likelihood ratios move the posterior exactly as Bayes says") {
    Fixture f;
    FactStore facts;
    facts.set("user.password_changed_recently", FactValue{true}, "manual");
    facts.set("server.smb1_only", FactValue{false}, "manual");
    auto r = diagnose(f, facts);
    // odds vs other: stale 2*8=16, smb1 1*0.05, ntlmv1 1, other 1
    double z = 16 + 0.05 + 1 + 1;
    CHECK(p_of(r, "stale") == doctest::Approx(16 / z));
    CHECK(p_of(r, "smb1") == doctest::Approx(0.05 / z));
    CHECK(r.other_probability == doctest::Approx(1 / z));
    double total = 0;
    for (const auto& c : r.causes) total += c.probability;
    CHECK(total == doctest::Approx(1.0));
    const auto& stale = r.causes.front();
    REQUIRE(stale.evidence.size() == 1);
    CHECK(stale.evidence[0].rule == "password_changed");
    CHECK(stale.evidence[0].facts.at(0).first == "user.password_changed_recently");
    CHECK(stale.evidence[0].facts.at(0).second == "true");
    CHECK(stale.evidence[0].where.line > 0);
}

TEST_CASE("unknown facts contribute nothing but leave a near miss") {
    Fixture f;
    Engine engine(f.kb, nullptr);
    const FactStore none;
    auto result = engine.run(f.problem(), none);
    for (const auto& finding : result.findings) CHECK(finding.cause != "smb1");
    auto miss = std::find_if(result.near_misses.begin(), result.near_misses.end(),
                             [](const NearMiss& m) { return m.rule == "smb1_server"; });
    REQUIRE(miss != result.near_misses.end());
    CHECK(miss->missing_facts == std::vector<std::string>{"server.smb1_only"});
}

TEST_CASE("derived facts feed later rules; collected facts are never overwritten") {
    Fixture f;
    FactStore facts;
    facts.set_absent("lsa.level", "windows.lsa");
    Engine engine(f.kb, nullptr);
    auto result = engine.run(f.problem(), facts);
    REQUIRE(result.facts().value("lsa.effective"));
    CHECK(result.facts().value("lsa.effective")->as_int() == 3);
    CHECK(result.facts().find("lsa.effective")->source == "derived:level_default");
    // The derivation went into the result's own copy, not into the caller's facts.
    CHECK(result.owns_facts());
    CHECK(&result.facts() != &facts);
    CHECK_FALSE(facts.find("lsa.effective"));
    auto r = diagnose(f, facts);
    CHECK(p_of(r, "ntlmv1") < 0.2);   // lr_false 0.2 applied
    facts.set("lsa.effective", FactValue{1}, "manual");
    auto kept = engine.run(f.problem(), facts);
    CHECK(kept.facts().value("lsa.effective")->as_int() == 1);
    // Nothing derived (the collected value stands): the result shares the caller's facts instead of a copy.
    CHECK_FALSE(kept.owns_facts());
    CHECK(&kept.facts() == &facts);
}

TEST_CASE("applies_to known false counts against the cause") {
    Fixture f;
    FactStore facts;
    facts.set("windows.build", FactValue{26100}, "windows.os");
    auto r = diagnose(f, facts);
    auto it = std::find_if(r.causes.begin(), r.causes.end(), [](auto& c) { return c.id == "ntlmv1"; });
    REQUIRE(it != r.causes.end());
    REQUIRE(it->evidence.size() == 1);
    CHECK(it->evidence[0].rule == "applies_to:ntlmv1");
    CHECK(it->evidence[0].note.find("before 24H2") != std::string::npos);
    CHECK(p_of(r, "ntlmv1") < 0.01);
}

TEST_CASE("clamping and groups keep one wrong finding from deciding alone") {
    Fixture f(R"(
  - id: huge
    when: {fact: windows.edition, eq: Pro}
    evidence: [{cause: smb1, lr: 100000}]
    group: g
  - id: also_in_group
    when: {fact: windows.edition, eq: Pro}
    evidence: [{cause: smb1, lr: 5}]
    group: g
  - id: certain
    definitive: true
    when: {fact: windows.edition, eq: Pro}
    evidence: [{cause: stale, lr: 100000}]
)");
    FactStore facts;
    facts.set("windows.edition", FactValue{"Pro"}, "manual");
    Engine engine(f.kb, nullptr);
    auto result = engine.run(f.problem(), facts);
    int counted_smb1 = 0;
    for (const auto& x : result.findings) {
        if (x.rule == "huge") {
            CHECK(x.clamped);
            CHECK(x.applied_lr == doctest::Approx(100));
        }
        if (x.rule == "certain") CHECK(x.applied_lr == doctest::Approx(100000));
        if (x.cause == "smb1" && x.counted) ++counted_smb1;
    }
    CHECK(counted_smb1 == 1);
    auto ranked = Ranker::posterior(*f.kb, f.problem(), result.findings);
    auto smb1 = std::find_if(ranked.begin(), ranked.end(), [](auto& c) { return c.id == "smb1"; });
    CHECK(smb1->log_odds_vs_other == doctest::Approx(std::log(0.2 / 0.2) + std::log(100.0)));
}

TEST_CASE("fix plan: efficiency order, re-normalisation after failure, escalation last") {
    Fixture f;
    FactStore facts;
    facts.set("server.smb1_only", FactValue{true}, "manual");
    facts.set("windows.build", FactValue{19045}, "windows.os");
    auto r = diagnose(f, facts);
    REQUIRE(r.plan.size() >= 3);
    CHECK(r.plan.back().id == "escalate");
    CHECK(r.plan.back().p_success == 1.0);
    // smb1 dominates: upgrade_nas (20 min, low) beats enable_smb1 (10 min x3 for high risk)
    CHECK(r.plan.front().id == "upgrade_nas");
    auto enable = std::find_if(r.plan.begin(), r.plan.end(), [](auto& p) { return p.id == "enable_smb1"; });
    REQUIRE(enable != r.plan.end());
    CHECK(enable->p_success < r.plan.front().p_success);   // smb1 was mostly ruled out by the failed upgrade
    // steps are chosen by Windows version
    auto del = std::find_if(r.plan.begin(), r.plan.end(), [](auto& p) { return p.id == "delete_cred"; });
    REQUIRE(del != r.plan.end());
    std::vector<std::string> texts;
    for (const auto& s : del->steps) texts.push_back(s.text);
    CHECK(std::find(texts.begin(), texts.end(), "Windows 10 wording") != texts.end());
    CHECK(std::find(texts.begin(), texts.end(), "Windows 11 wording") == texts.end());
    // expected cost is the sum of costs weighted by the chance of still failing
    double expected = 0, failing = 1;
    for (const auto& p : r.plan) {
        expected += failing * p.cost_minutes * risk_factor(p.risk);
        failing *= 1 - p.p_success;
    }
    CHECK(r.expected_cost_minutes == doctest::Approx(expected));
}

TEST_CASE("steps with an undecided condition are shown with it") {
    Fixture f;
    auto r = diagnose(f, FactStore{});
    auto del = std::find_if(r.plan.begin(), r.plan.end(), [](auto& p) { return p.id == "delete_cred"; });
    REQUIRE(del != r.plan.end());
    REQUIRE(del->steps.size() == 3);
    CHECK(del->steps[0].condition.empty());
    CHECK(del->steps[1].condition == "Windows 11");
    CHECK(del->steps[2].condition == "windows.build < 22000");
}

TEST_CASE("next questions: valuable unknowns first, nothing asked about what is known") {
    Fixture f;
    auto r = diagnose(f, FactStore{});
    REQUIRE_FALSE(r.questions.empty());
    for (std::size_t i = 1; i < r.questions.size(); ++i) CHECK(r.questions[i - 1].value >= r.questions[i].value);
    std::vector<std::string> asked;
    for (const auto& q : r.questions) asked.push_back(q.fact);
    CHECK(std::find(asked.begin(), asked.end(), "server.smb1_only") != asked.end());
    CHECK(std::find(asked.begin(), asked.end(), "user.password_changed_recently") != asked.end());
    FactStore all;
    all.set("server.smb1_only", FactValue{false}, "m");
    all.set("user.password_changed_recently", FactValue{true}, "m");
    all.set("lsa.level", FactValue{3}, "m");
    all.set("windows.build", FactValue{22631}, "m");
    auto done = diagnose(f, all);
    for (const auto& q : done.questions) {
        CHECK(q.fact != "server.smb1_only");
        CHECK(q.fact != "user.password_changed_recently");
    }
}

TEST_CASE("questions reach through derivations to facts a person can answer") {
    Fixture f;
    auto r = diagnose(f, FactStore{}, RankOptions{0.02, 10, true});
    std::vector<std::string> asked;
    for (const auto& q : r.questions) asked.push_back(q.fact);
    // lsa.effective is derived and has no question; lsa.level, which it is derived from, does.
    CHECK(std::find(asked.begin(), asked.end(), "lsa.effective") == asked.end());
    CHECK(std::find(asked.begin(), asked.end(), "lsa.level") != asked.end());
}

TEST_CASE("platform: a problem offers only the fixes and asks only the questions of its client platform") {
    test::TempKbDir dir;
    dir.write("kb.yaml", R"KB(facts:
  - {id: windows.lm_level, type: integer, platform: windows, question: "Which LM level?"}
  - {id: linux.sec_option, type: string, platform: linux, question: "Which sec= option?"}
  - {id: user.password_changed, type: boolean, question: "Password changed?"}
problems:
  - {id: win_error, title: Windows error, codes: ["1326"], platform: windows,)KB"
                         R"KB( causes: [{cause: bad_auth, prior: 0.6}], other: 0.4}
  - {id: linux_error, title: Linux error, codes: ["mount error(13)"], platform: linux,)KB"
                         R"KB( causes: [{cause: bad_auth, prior: 0.6}], other: 0.4}
causes:
  - id: bad_auth
    title: The server refuses the client's authentication
    fixes: [{fix: win_fix, success: 0.9}, {fix: linux_fix, success: 0.9}, {fix: server_fix, success: 0.5}]
fixes:
  - {id: win_fix, title: Change the LM level, platform: windows, steps: [Do it.]}
  - {id: linux_fix, title: Change sec=, platform: linux, steps: [Do it.]}
  - {id: server_fix, title: Fix the server, steps: [Do it.]}
rules:
  - {id: win_rule, when: {fact: windows.lm_level, lte: 2}, evidence: [{cause: bad_auth, lr: 10, lr_false: 0.2}]}
  - {id: linux_rule, when: {fact: linux.sec_option, eq: ntlm}, evidence: [{cause: bad_auth, lr: 10, lr_false: 0.2}]}
  - {id: any_rule, when: {fact: user.password_changed, eq: true}, evidence: [{cause: bad_auth, lr: 3, lr_false: 0.5}]}
)KB");
    auto loaded = load_knowledge_base(LoadOptions{{dir.path()}, false});
    for (const auto& d : loaded.diagnostics.items()) MESSAGE(format_diagnostic(d));
    REQUIRE(loaded.kb);
    REQUIRE_FALSE(loaded.diagnostics.has_errors());
    Engine engine(loaded.kb, nullptr);
    Ranker ranker(engine, RankOptions{0.0, 10, true});
    // The fixes the plan offers and the facts the questions ask about, for one problem.
    struct Offered {
        std::set<std::string> fixes, questions;
    };
    auto offered = [&](const char* problem_id) {
        const Problem& problem = *loaded.kb->problem(problem_id);
        const FactStore none;
        const Ranking r = ranker.rank(problem, none, engine.run(problem, none));
        Offered o;
        for (const auto& f : r.plan) o.fixes.insert(f.id);
        for (const auto& q : r.questions) o.questions.insert(q.fact);
        return o;
    };
    const Offered win = offered("win_error");
    CHECK(win.fixes.count("win_fix"));
    CHECK_FALSE(win.fixes.count("linux_fix"));
    CHECK(win.fixes.count("server_fix"));
    CHECK(win.questions.count("windows.lm_level"));
    CHECK_FALSE(win.questions.count("linux.sec_option"));
    CHECK(win.questions.count("user.password_changed"));

    const Offered lin = offered("linux_error");
    CHECK(lin.fixes.count("linux_fix"));
    CHECK_FALSE(lin.fixes.count("win_fix"));
    CHECK(lin.questions.count("linux.sec_option"));
    CHECK_FALSE(lin.questions.count("windows.lm_level"));
}

TEST_CASE("platform: a value other than any, windows or linux is a lint error at its line") {
    test::TempKbDir dir;
    dir.write("kb.yaml", test::mini_kb_yaml);
    dir.write("bad.yaml", "fixes:\n  - id: macos_fix\n    platform: macos\n    title: X\n    steps: [Do it.]\n");
    auto loaded = load_knowledge_base(LoadOptions{{dir.path()}, false});
    bool found = false;
    for (const auto& d : loaded.diagnostics.items())
        if (d.code == "KB011" && d.primary().line == 3 && d.message.find("macos") != std::string::npos) found = true;
    CHECK(found);
}

namespace {

// One step of the greedy fix plan as reference_plan() chooses it.
struct ReferencePick {
    std::string id;
    double p_success;
    double efficiency;
    std::vector<std::string> causes;
};

// The greedy fix plan written out plainly, maps by id throughout (plan() before it used the PlanCostModel): what
// the model's choices are checked against, so a change to the shared loop cannot pass unnoticed.
std::vector<ReferencePick> reference_plan(const KnowledgeBase& kb, const Problem& problem,
                                          const std::vector<RankedCause>& causes, double min_fix) {
    std::map<std::string, double> p;
    for (const auto& c : causes) p[c.id] = c.probability;
    std::map<std::string, std::map<std::string, double>> success;   // fix -> cause -> P(works | cause)
    for (const auto& link : problem.causes)
        if (const Cause* c = kb.cause(link.cause))
            for (const auto& fl : c->fixes)
                if (const Fix* f = kb.fix(fl.fix); f && serves(f->platform, problem.platform)) {
                    success[fl.fix][c->id] = fl.success;
                    p[c->id] += 0;   // a cause the ranking lacks counts at probability 0
                }
    std::vector<ReferencePick> out;
    while (!success.empty()) {
        std::string best;
        double best_eff = -1, best_p = 0;
        for (const auto& [id, by_cause] : success) {
            double pw = 0;
            for (const auto& [cause, s] : by_cause) pw += p[cause] * s;
            const Fix* f = kb.fix(id);
            const double eff = pw / (f->cost_minutes * risk_factor(f->risk));
            if (eff > best_eff) {
                best_eff = eff;
                best = id;
                best_p = pw;
            }
        }
        if (best_p < min_fix) break;
        ReferencePick pick{best, best_p, best_eff, {}};
        std::vector<std::pair<double, std::string>> addressed;
        for (const auto& [cause, s] : success[best]) addressed.emplace_back(-p[cause], cause);
        std::sort(addressed.begin(), addressed.end());
        for (const auto& [neg_p, cause] : addressed) pick.causes.push_back(cause);
        double total = 0;
        for (auto& [cause, prob] : p) {
            if (auto it = success[best].find(cause); it != success[best].end()) prob *= 1.0 - it->second;
            total += prob;
        }
        if (total > 0)
            for (auto& [cause, prob] : p) prob /= total;
        success.erase(best);
        out.push_back(std::move(pick));
    }
    return out;
}

}  // namespace

TEST_CASE("plan() and the value of information's plan cost follow the plain greedy plan, bit for bit, on every "
          "shipped problem") {
    LoadOptions o;
    o.folders = {std::string(KBDIAG_SOURCE_KB)};
    const auto loaded = load_knowledge_base(o);
    REQUIRE(loaded.kb);
    Engine engine(loaded.kb, nullptr);
    for (const double min_fix : {0.02, 0.0, 0.3}) {
        RankOptions options;
        options.min_fix_probability = min_fix;
        options.plan_steps = false;
        Ranker ranker(engine, options);
        std::uint64_t seed = 12345;
        auto uniform = [&seed] {   // a fixed sequence: the test is the same every run
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<double>(seed >> 11) / 9007199254740992.0;
        };
        for (const auto& [id, problem] : loaded.kb->problems) {
            std::vector<RankedCause> causes;
            for (const auto& link : problem.causes) causes.push_back(RankedCause{link.cause, "", 0, 0, 0, {}});
            causes.push_back(RankedCause{"other", "", 0, 0, 0, {}});
            const PlanCostModel model(*loaded.kb, problem, causes, min_fix);
            for (int trial = 0; trial < 50; ++trial) {
                double total = 0;
                for (auto& c : causes) total += c.probability = trial == 0 ? 1.0 : uniform() * uniform();
                for (auto& c : causes) c.probability /= total;
                const auto planned = ranker.plan(problem, causes, FactStore{});
                const auto reference = reference_plan(*loaded.kb, problem, causes, min_fix);
                REQUIRE(planned.size() == reference.size() + 1);
                for (std::size_t k = 0; k < reference.size(); ++k) {
                    CHECK_MESSAGE(planned[k].id == reference[k].id, id << " trial " << trial << " step " << k);
                    CHECK(planned[k].p_success == reference[k].p_success);
                    CHECK(planned[k].efficiency == reference[k].efficiency);
                    CHECK(planned[k].causes == reference[k].causes);
                }
                CHECK(planned.back().id == "escalate");
                // The model's own sum over its choices against the plan's, from the PlannedFix fields.
                CHECK_MESSAGE(model.expected_cost(causes) == Ranker::expected_cost(planned), id << " trial " << trial);
            }
            std::vector<RankedCause> foreign = causes;
            foreign.push_back(RankedCause{"not_a_cause_of_it", "", 0, 0, 0, {}});
            CHECK_THROWS_AS(model.expected_cost(foreign), std::invalid_argument);
        }
    }
}
