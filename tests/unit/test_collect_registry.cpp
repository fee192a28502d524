// FactSink, CollectorRegistry and run_collectors: time limits, exceptions, platforms, catalog validation, order.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>

#include "engine/collect/registry.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "test_collect_support.hpp"

using namespace kbdiag;
using namespace kbdiag::testing;
using namespace std::chrono_literals;

namespace {

// A collector made of a lambda, for tests.
class FakeCollector final : public Collector {
public:
    using Body = std::function<CollectorOutcome(const CollectOptions&, FactSink&)>;
    FakeCollector(std::string id, Body body, std::vector<Platform> platforms = {Platform::any})
        : id_(std::move(id)), body_(std::move(body)), platforms_(std::move(platforms)) {}
    std::string id() const override { return id_; }
    std::string description() const override { return "test collector " + id_; }
    std::vector<std::string> provides() const override { return {}; }
    std::vector<Platform> platforms() const override { return platforms_; }
    CollectorOutcome collect(const CollectOptions& o, FactSink& s) override { return body_(o, s); }

private:
    std::string id_;
    Body body_;
    std::vector<Platform> platforms_;
};

std::shared_ptr<Collector> fake(std::string id, FakeCollector::Body body, std::vector<Platform> p = {Platform::any}) {
    return std::make_shared<FakeCollector>(std::move(id), std::move(body), std::move(p));
}

const CollectorReport& report_of(const CollectionResult& r, const std::string& id) {
    for (const auto& rep : r.reports)
        if (rep.id == id) return rep;
    FAIL("no report for " << id);
    static CollectorReport none;
    return none;
}

bool has_code(const Diagnostics& d, const std::string& code, const std::string& text = {}) {
    for (const auto& item : d.items())
        if (item.code == code && item.message.find(text) != std::string::npos) return true;
    return false;
}

Platform other_platform() {
    return current_platform() == Platform::windows_os ? Platform::linux_os : Platform::windows_os;
}

}  // namespace

TEST_CASE("collector status and platform names round-trip") {
    for (auto s : {CollectorStatus::ok, CollectorStatus::partial, CollectorStatus::failed, CollectorStatus::skipped,
                   CollectorStatus::timeout})
        CHECK(collector_status_from_string(to_string(s)) == s);
    CHECK_FALSE(collector_status_from_string("OK").has_value());
    CHECK_FALSE(collector_status_from_string("").has_value());
    CHECK(std::string(to_string(Platform::linux_os)) == "linux");
    CHECK(std::string(to_string(Platform::windows_os)) == "windows");
#ifdef __linux__
    CHECK(current_platform() == Platform::linux_os);
#endif
}

TEST_CASE("FactSink: close() hands over what was written and ignores later writes") {
    FactSink sink;
    sink.set("host.name", std::string("pc42"), "from uname");
    sink.set_absent("lsa.lm_compatibility_level", "value not set");
    sink.set_failed("host.kernel", "permission denied");
    FactEntry imported{FactState::known, FactValue(std::int64_t{22631}), "import:x.yaml:windows.os", ""};
    sink.put("windows.build", imported);
    sink.report(Diagnostic{"CLI001", Severity::error, "bad", {}, {}});
    CHECK_FALSE(sink.closed());

    FactStore facts = sink.close("host.info");
    CHECK(sink.closed());
    REQUIRE(facts.size() == 4);
    CHECK(facts.find("host.name")->source == "host.info");
    CHECK(facts.find("host.name")->note == "from uname");
    CHECK(facts.find("lsa.lm_compatibility_level")->state == FactState::absent);
    CHECK(facts.find("host.kernel")->state == FactState::failed);
    CHECK(facts.find("windows.build")->source == "import:x.yaml:windows.os");   // kept, not overwritten

    sink.set("late.fact", true);
    sink.set_absent("late.absent");
    sink.set_failed("late.failed");
    sink.put("late.put", imported);
    sink.report(Diagnostic{"CLI001", Severity::error, "late", {}, {}});
    CHECK(sink.close("host.info").size() == 0);
    REQUIRE(sink.diagnostics().items().size() == 1);
    CHECK(sink.diagnostics().items()[0].message == "bad");
}

TEST_CASE("FactSink: concurrent writers and a closer do not race") {
    auto sink = std::make_shared<FactSink>();
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t)
        writers.emplace_back([sink, t] {
            for (int i = 0; i < 2000; ++i) sink->set("f" + std::to_string(t) + "." + std::to_string(i % 50), i);
        });
    std::this_thread::sleep_for(1ms);
    FactStore first = sink->close("x");
    for (auto& w : writers) w.join();
    CHECK(first.size() <= 200);
    CHECK(sink->close("x").size() == 0);
}

TEST_CASE("run_collectors: a collector past its time limit times out; the others still run") {
    KnowledgeBase kb = collect_test_kb();
    auto finished = std::make_shared<std::atomic<bool>>(false);
    CollectorRegistry reg;
    reg.add(fake("quick.before", [](const CollectOptions&, FactSink& s) {
        s.set("host.name", std::string("before"));
        return CollectorOutcome{};
    }));
    reg.add(fake("sleeper", [finished](const CollectOptions&, FactSink& s) {
        s.set("host.kernel", std::string("written in time"));
        std::this_thread::sleep_for(900ms);
        s.set("host.arch", std::string("written too late"));
        finished->store(true);
        return CollectorOutcome{};
    }));
    reg.add(fake("quick.after", [](const CollectOptions&, FactSink& s) {
        s.set("host.os_release", std::string("after"));
        return CollectorOutcome{};
    }));
    CollectOptions options;
    options.time_limit = 200ms;

    auto t0 = std::chrono::steady_clock::now();
    CollectionResult r = run_collectors(reg, kb, options);
    auto elapsed = std::chrono::steady_clock::now() - t0;

    CHECK(elapsed < 700ms);   // the limit plus slack, well before the sleeper ends
    CHECK(elapsed >= 190ms);
    const auto& sleeper = report_of(r, "sleeper");
    CHECK(sleeper.status == CollectorStatus::timeout);
    CHECK(sleeper.duration_ms >= 190);
    CHECK(sleeper.message.find("200 ms") != std::string::npos);
    CHECK(report_of(r, "quick.before").status == CollectorStatus::ok);
    CHECK(report_of(r, "quick.after").status == CollectorStatus::ok);
    CHECK(r.facts.value("host.name")->as_string() == "before");
    CHECK(r.facts.value("host.os_release")->as_string() == "after");
    CHECK(r.facts.value("host.kernel")->as_string() == "written in time");
    CHECK_FALSE(r.facts.find("host.arch"));
    CHECK(has_code(r.diagnostics, codes::collector_timeout, "sleeper"));
    CHECK_FALSE(finished->load());

    // The detached thread finishes later against a closed sink, without touching freed memory.
    for (int i = 0; i < 100 && !finished->load(); ++i) std::this_thread::sleep_for(20ms);
    CHECK(finished->load());
}

TEST_CASE("run_collectors: exceptions become failed statuses with the message") {
    KnowledgeBase kb = collect_test_kb();
    CollectorRegistry reg;
    reg.add(fake("thrower", [](const CollectOptions&, FactSink& s) -> CollectorOutcome {
        s.set("host.name", std::string("set before the throw"));
        throw std::runtime_error("boom: registry key vanished");
    }));
    reg.add(fake("weird.thrower", [](const CollectOptions&, FactSink&) -> CollectorOutcome { throw 42; }));
    reg.add(fake("fine", [](const CollectOptions&, FactSink& s) {
        s.set("host.kernel", std::string("6.1"));
        return CollectorOutcome{};
    }));
    CollectionResult r = run_collectors(reg, kb, CollectOptions{});
    CHECK(report_of(r, "thrower").status == CollectorStatus::failed);
    CHECK(report_of(r, "thrower").message.find("boom: registry key vanished") != std::string::npos);
    CHECK(report_of(r, "weird.thrower").status == CollectorStatus::failed);
    CHECK(report_of(r, "weird.thrower").message == "unknown exception");
    CHECK(report_of(r, "fine").status == CollectorStatus::ok);
    CHECK(r.facts.value("host.kernel")->as_string() == "6.1");
    CHECK(has_code(r.diagnostics, codes::collector_failed, "thrower"));
}

TEST_CASE("run_collectors: collectors for another platform are skipped without running") {
    KnowledgeBase kb = collect_test_kb();
    auto ran = std::make_shared<std::atomic<bool>>(false);
    CollectorRegistry reg;
    reg.add(fake("elsewhere",
                 [ran](const CollectOptions&, FactSink& s) {
                     ran->store(true);
                     s.set("host.name", std::string("should not appear"));
                     return CollectorOutcome{};
                 },
                 {other_platform()}));
    reg.add(fake("here", [](const CollectOptions&, FactSink&) { return CollectorOutcome{}; }, {current_platform()}));
    CollectionResult r = run_collectors(reg, kb, CollectOptions{});
    REQUIRE(r.reports.size() == 2);
    CHECK(r.reports[0].id == "elsewhere");   // registry order
    CHECK(r.reports[0].status == CollectorStatus::skipped);
    CHECK(r.reports[0].message == "not for this platform");
    CHECK(r.reports[1].status == CollectorStatus::ok);
    CHECK_FALSE(ran->load());
    CHECK_FALSE(r.facts.find("host.name"));
}

TEST_CASE("run_collectors: facts are checked against the catalog and coerced to its types") {
    KnowledgeBase kb = collect_test_kb();
    CollectorRegistry reg;
    reg.add(fake("sloppy", [](const CollectOptions&, FactSink& s) {
        s.set("no.such.fact", std::string("x"));
        s.set("host.os", std::string("Linux"));                      // enumeration: normalised to "linux"
        s.set("windows.build", std::string("22631"));                // integer given as text
        s.set("smb_client.require_signing", std::string("maybe"));   // not a boolean: dropped
        s.set("lsa.lm_compatibility_level", std::string("3"));
        s.set_absent("server.password_changed_at", "nobody knows");
        s.set("linux.cifs.mounts", std::vector<Record>{{{"server", std::string("nas")}, {"bogus", std::string("x")}}});
        return CollectorOutcome{};
    }));
    CollectionResult r = run_collectors(reg, kb, CollectOptions{});
    CHECK_FALSE(r.facts.find("no.such.fact"));
    CHECK(has_code(r.diagnostics, codes::collector_unknown_fact, "no.such.fact"));
    CHECK(r.facts.value("host.os")->as_string() == "linux");
    REQUIRE(r.facts.value("windows.build"));
    CHECK(r.facts.value("windows.build")->as_int() == 22631);
    CHECK(r.facts.value("lsa.lm_compatibility_level")->as_int() == 3);
    CHECK_FALSE(r.facts.find("smb_client.require_signing"));
    CHECK(has_code(r.diagnostics, codes::snap_bad_value, "smb_client.require_signing"));
    CHECK(r.facts.find("server.password_changed_at")->state == FactState::absent);
    CHECK(r.facts.find("server.password_changed_at")->source == "sloppy");
    CHECK_FALSE(r.facts.find("linux.cifs.mounts"));   // a record field the catalog does not declare
    CHECK(has_code(r.diagnostics, codes::snap_bad_value, "linux.cifs.mounts"));
    CHECK(report_of(r, "sloppy").status == CollectorStatus::ok);
}

TEST_CASE("run_collectors: later collectors override earlier ones; durations are measured") {
    KnowledgeBase kb = collect_test_kb();
    CollectorRegistry reg;
    reg.add(fake("first", [](const CollectOptions&, FactSink& s) {
        std::this_thread::sleep_for(60ms);   // finishes last, but merges first
        s.set("host.name", std::string("from first"));
        s.set("host.kernel", std::string("only first"));
        return CollectorOutcome{};
    }));
    reg.add(fake("second", [](const CollectOptions&, FactSink& s) {
        s.set("host.name", std::string("from second"));
        return CollectorOutcome{CollectorStatus::partial, "half"};
    }));
    CollectionResult r = run_collectors(reg, kb, CollectOptions{});
    CHECK(r.facts.value("host.name")->as_string() == "from second");
    CHECK(r.facts.find("host.name")->source == "second");
    CHECK(r.facts.value("host.kernel")->as_string() == "only first");
    CHECK(report_of(r, "first").duration_ms >= 50);
    CHECK(report_of(r, "second").status == CollectorStatus::partial);
    CHECK(report_of(r, "second").message == "half");
}

TEST_CASE("registry: the builtin list, in run order; duplicates refused") {
    CollectorRegistry reg = builtin_collectors();
    // The collectors of this unit, in this relative order (other units may add theirs in between);
    // manual is last so what a person says overrides everything collected.
    const std::vector<std::string> ours{"host.info", "target", "linux.cifs", "linux.samba_client", "import", "manual"};
    std::vector<std::string> ids, seen;
    for (const auto& c : reg.all()) {
        ids.push_back(c->id());
        if (std::find(ours.begin(), ours.end(), c->id()) != ours.end()) seen.push_back(c->id());
    }
    CHECK(seen == ours);
    REQUIRE_FALSE(ids.empty());
    CHECK(ids.back() == "manual");
    REQUIRE(reg.find("linux.cifs"));
    CHECK(reg.find("linux.cifs")->platforms() == std::vector<Platform>{Platform::linux_os});
    CHECK(reg.find("nope") == nullptr);
    KnowledgeBase kb = collect_test_kb();
    for (const auto& id : ours)
        for (const auto& f : reg.find(id)->provides()) CHECK_MESSAGE(kb.facts.count(f), id << " provides " << f);
    CHECK_THROWS_AS(reg.add(fake("manual", [](const CollectOptions&, FactSink&) { return CollectorOutcome{}; })),
                    std::invalid_argument);
}

TEST_CASE("run_collectors: each report is handed on as the collector finishes, in the order they finish") {
    // "slow" comes first in the registry but can only finish after the runner has reported "fast": it waits for
    // the callback's signal. A runner that waited for collectors in registry order would report nothing until
    // "slow" ran out of time, so "slow" would end as a timeout and the order would be wrong.
    KnowledgeBase kb = collect_test_kb();
    auto fast_reported = std::make_shared<std::atomic<bool>>(false);
    CollectorRegistry reg;
    reg.add(fake("slow", [fast_reported](const CollectOptions&, FactSink& s) {
        for (int i = 0; i < 500 && !fast_reported->load(); ++i) std::this_thread::sleep_for(10ms);
        s.set("host.name", std::string(fast_reported->load() ? "slow saw fast reported" : "slow gave up"));
        return CollectorOutcome{};
    }));
    reg.add(fake("fast", [](const CollectOptions&, FactSink& s) {
        s.set("host.name", std::string("fast"));
        return CollectorOutcome{};
    }));
    reg.add(fake("elsewhere", [](const CollectOptions&, FactSink&) { return CollectorOutcome{}; },
                 {other_platform()}));
    CollectOptions options;
    options.time_limit = 8s;   // far above what "slow" needs once "fast" is reported

    std::vector<std::string> seen;
    CollectionResult r = run_collectors(reg, kb, options, [&](const CollectorReport& rep) {
        seen.push_back(rep.id + ":" + to_string(rep.status));
        if (rep.id == "fast") fast_reported->store(true);
    });

    CHECK(seen == std::vector<std::string>{"elsewhere:skipped", "fast:ok", "slow:ok"});
    REQUIRE(r.reports.size() == 3);   // the result keeps registry order
    CHECK(r.reports[0].id == "slow");
    CHECK(r.reports[1].id == "fast");
    CHECK(r.reports[2].id == "elsewhere");
    // Facts still merge in registry order: "fast" (later in the registry) overrides "slow".
    CHECK(r.facts.value("host.name")->as_string() == "fast");
}

TEST_CASE("run_collectors: a time-out is handed on when the limit passes, before slower ones finish") {
    KnowledgeBase kb = collect_test_kb();
    auto release = std::make_shared<std::atomic<bool>>(false);
    CollectorRegistry reg;
    reg.add(fake("stuck", [release](const CollectOptions&, FactSink&) {
        for (int i = 0; i < 300 && !release->load(); ++i) std::this_thread::sleep_for(10ms);
        return CollectorOutcome{};
    }));
    reg.add(fake("quick", [](const CollectOptions&, FactSink&) { return CollectorOutcome{}; }));
    CollectOptions options;
    options.time_limit = 150ms;
    std::vector<std::string> seen;
    CollectionResult r = run_collectors(reg, kb, options, [&](const CollectorReport& rep) {
        seen.push_back(rep.id + ":" + to_string(rep.status));
    });
    release->store(true);   // let the detached thread end
    CHECK(seen == std::vector<std::string>{"quick:ok", "stuck:timeout"});
    CHECK(report_of(r, "stuck").status == CollectorStatus::timeout);
    CHECK(has_code(r.diagnostics, codes::collector_timeout, "stuck"));
}
