// DiagnosisSession: problem choice, triage without an error, and many diagnoses from several threads.
#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/session/diagnosis_session.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;

namespace {

// The mini KB plus a second problem on Linux that shares the stale-credential cause.
const char* second_problem_yaml = R"yaml(
  - id: mount_denied
    title: Permission denied on mount
    codes: ["mount error(13)"]
    platform: linux
    causes:
      - {cause: stale, prior: 0.5}
    other: 0.5
    escalation: {title: Escalate, cost_minutes: 60, text: Call the admin.}
)yaml";

std::shared_ptr<const KnowledgeBase> load_kb(const test::TempKbDir& dir) {
    auto r = load_knowledge_base(LoadOptions{{dir.path()}, false});
    for (const auto& d : r.diagnostics.items()) MESSAGE(format_diagnostic(d));
    REQUIRE(r.kb);
    REQUIRE_FALSE(r.diagnostics.has_errors());
    return r.kb;
}

struct MiniSession {
    test::TempKbDir dir;
    std::unique_ptr<DiagnosisSession> session;
    MiniSession() {
        std::string yaml = test::mini_kb_yaml;
        const std::string anchor = "causes:\n  - id: stale";   // append the problem to the problems list
        yaml.insert(yaml.find(anchor), std::string(second_problem_yaml).substr(1));
        dir.write("kb.yaml", yaml);
        session = std::make_unique<DiagnosisSession>(load_kb(dir), nullptr);
    }
};

std::shared_ptr<const KnowledgeBase> shipped_kb() {
    LoadOptions lo;
    lo.folders = {KBDIAG_SOURCE_KB};
    lo.scenarios = false;
    auto r = load_knowledge_base(lo);
    REQUIRE(r.kb);
    REQUIRE_FALSE(r.diagnostics.has_errors());
    return r.kb;
}

}  // namespace

TEST_CASE("session: an error picks its problem; an unknown one throws; the error.code fact is used otherwise") {
    MiniSession m;
    DiagnosisRequest req;
    req.error = "963h";
    Report r = m.session->diagnose(req);
    CHECK_FALSE(r.is_triage);
    CHECK(r.problem_id == "bad_password");
    CHECK(r.error_as_typed == "963h");

    req.error = "0x999";
    CHECK_THROWS_AS(m.session->diagnose(req), UnknownErrorCode);

    req.error.clear();
    req.facts.set("error.code", FactValue{std::string("mount error(13)")}, "manual");
    r = m.session->diagnose(req);
    CHECK(r.problem_id == "mount_denied");
    REQUIRE_FALSE(r.notes.empty());
    CHECK(r.notes.back().find("mount error(13)") != std::string::npos);
}

TEST_CASE("session triage: with no error, the cause the facts point to comes first, with the errors it shows as") {
    MiniSession m;
    DiagnosisRequest req;
    req.facts.set("user.password_changed_recently", FactValue{true}, "manual");
    Report r = m.session->diagnose(req);
    REQUIRE(r.is_triage);
    CHECK(r.problem_id.empty());
    CHECK(r.ranking.causes.empty());
    CHECK(r.triage.problems_considered == 2);
    REQUIRE_FALSE(r.triage.entries.empty());
    const TriageEntry& top = r.triage.entries.front();
    CHECK(top.cause_id == "stale");
    CHECK(top.evidence_factor == doctest::Approx(8.0));
    // Every error the cause shows as, the one of the problem where it stands strongest first.
    REQUIRE(top.codes.size() == 2);
    CHECK(top.codes.front() == (top.problem_id == "mount_denied" ? "mount error(13)" : "0x00000963"));
    CHECK(std::set<std::string>(top.codes.begin(), top.codes.end()) ==
          std::set<std::string>{"0x00000963", "mount error(13)"});
    CHECK(top.first_fix == "Delete the saved credential");
    REQUIRE_FALSE(top.evidence.empty());
    CHECK(top.evidence.front() == "Password changed recently");
    // Only causes the evidence points to are listed when there are any.
    for (const auto& e : r.triage.entries) CHECK(e.evidence_factor > 1.0);
    // The report shows the fact that pointed, and the next steps name an error and the server probe.
    bool fact_shown = false;
    for (const auto& f : r.facts) fact_shown |= f.name == "user.password_changed_recently";
    CHECK(fact_shown);
    REQUIRE(r.triage.next_steps.size() == 2);
    CHECK(r.triage.next_steps[0].find("--error") != std::string::npos);
    CHECK(r.triage.next_steps[1].find("kbdiag collect --target") != std::string::npos);
}

TEST_CASE("session triage: the host's platform limits the problems; no pointing evidence still ranks causes") {
    MiniSession m;
    DiagnosisRequest req;
    req.facts.set("host.os", FactValue{std::string("windows")}, "host.info");
    req.facts.set("target.server", FactValue{std::string("nas01")}, "manual");
    Report r = m.session->diagnose(req);
    REQUIRE(r.is_triage);
    CHECK(r.triage.problems_considered == 1);   // bad_password fits any client; mount_denied is Linux's
    REQUIRE_FALSE(r.triage.entries.empty());
    for (const auto& e : r.triage.entries) {
        CHECK(e.evidence_factor == doctest::Approx(1.0));
        CHECK(e.codes == std::vector<std::string>{"0x00000963"});
    }
    bool said = false;
    for (const auto& n : r.notes) said |= n.find("Nothing on this machine points") != std::string::npos;
    CHECK(said);
    REQUIRE(r.triage.next_steps.size() == 2);
    CHECK(r.triage.next_steps[1].find("\\\\nas01\\SHARE") != std::string::npos);

    // The JSON carries the triage.
    const auto j = report_to_json(r);
    CHECK(j.at("is_triage") == true);
    CHECK(j.at("triage").at("entries").size() == r.triage.entries.size());
}

TEST_CASE("session: diagnoses from several threads equal the serial ones, with at most one Lua state a thread") {
    auto kb = shipped_kb();
    std::atomic<int> runtimes{0};
    DiagnosisSession session(kb, [&runtimes] {
        ++runtimes;
        return std::make_unique<LuaRuleRuntime>(RuntimeLimits{});
    });
    CHECK(runtimes == 1);   // the first one compiles the rules at construction
    CHECK_FALSE(session.load_diagnostics().has_errors());

    // A spread of inputs: several errors, with and without facts, and triage.
    std::vector<DiagnosisRequest> requests;
    const std::vector<std::string> errors = {"0x963", "1326", "53", "1272", "mount error(13)", ""};
    for (int i = 0; i < 24; ++i) {
        DiagnosisRequest r;
        r.error = errors[static_cast<std::size_t>(i) % errors.size()];
        r.questions = i % 4 == 0;
        if (i % 3 == 0) r.facts.set("windows.build", FactValue{std::int64_t{19045 + i}}, "manual");
        if (i % 2 == 0) r.facts.set("user.password_changed_recently", FactValue{i % 4 == 0}, "manual");
        requests.push_back(std::move(r));
    }
    std::vector<std::string> serial;
    for (const auto& r : requests) serial.push_back(render_json(session.diagnose(r)));

    constexpr int threads = 4;
    std::vector<std::string> parallel(requests.size());
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (std::size_t i = static_cast<std::size_t>(t); i < requests.size(); i += threads)
                parallel[i] = render_json(session.diagnose(requests[i]));
        });
    for (auto& th : pool) th.join();
    for (std::size_t i = 0; i < requests.size(); ++i) CHECK_MESSAGE(parallel[i] == serial[i], "request " << i);
    CHECK(runtimes <= threads);
}
