// The manual (--fact) and import (--import) collectors, alone and through run_collectors.
#include <doctest/doctest.h>

#include "engine/collect/builtin.hpp"
#include "engine/collect/registry.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "test_collect_support.hpp"

using namespace kbdiag;
using namespace kbdiag::testing;

namespace {

const Diagnostic* find_diag(const Diagnostics& d, const std::string& code, const std::string& text) {
    for (const auto& item : d.items())
        if (item.code == code && item.message.find(text) != std::string::npos) return &item;
    return nullptr;
}

CollectorRegistry only(std::shared_ptr<Collector> c) {
    CollectorRegistry r;
    r.add(std::move(c));
    return r;
}

}  // namespace

TEST_CASE("manual: --fact values are typed by the catalog") {
    KnowledgeBase kb = collect_test_kb();
    CollectOptions o;
    o.manual_facts = {{"lsa.lm_compatibility_level", "0x3"},
                      {"host.os", "Windows"},
                      {"smb_client.require_signing", "yes"},
                      {"smb_client.block_ntlm_exceptions", "nas01, nas02"},
                      {"server.password_changed_at", "2026-11-20T09:30:00Z"}};
    CollectionResult r = run_collectors(only(make_manual_collector()), kb, o);
    REQUIRE(r.reports.size() == 1);
    CHECK(r.reports[0].status == CollectorStatus::ok);
    CHECK(r.facts.value("lsa.lm_compatibility_level")->as_int() == 3);
    CHECK(r.facts.value("host.os")->as_string() == "windows");
    CHECK(r.facts.value("smb_client.require_signing")->as_bool());
    CHECK(r.facts.value("smb_client.block_ntlm_exceptions")->as_list() == std::vector<std::string>{"nas01", "nas02"});
    CHECK(r.facts.value("server.password_changed_at")->as_int() == 1795167000);
    CHECK(r.facts.find("host.os")->source == "manual");
    CHECK(r.diagnostics.empty());
}

TEST_CASE("manual: unknown names and bad values are named in CLI001 diagnostics") {
    KnowledgeBase kb = collect_test_kb();
    CollectOptions o;
    o.manual_facts = {{"host.nmae", "pc42"}, {"windows.build", "twenty-two"}, {"host.kernel", "6.1"}};
    CollectionResult r = run_collectors(only(make_manual_collector()), kb, o);
    CHECK(r.reports[0].status == CollectorStatus::partial);
    const Diagnostic* unknown = find_diag(r.diagnostics, codes::cli_bad_fact, "host.nmae");
    REQUIRE(unknown);
    CHECK(unknown->severity == Severity::error);
    CHECK(unknown->message.find("did you mean 'host.name'") != std::string::npos);
    const Diagnostic* bad = find_diag(r.diagnostics, codes::cli_bad_fact, "windows.build");
    REQUIRE(bad);
    CHECK(bad->message.find("twenty-two") != std::string::npos);
    CHECK(r.facts.value("host.kernel")->as_string() == "6.1");
    CHECK_FALSE(r.facts.find("windows.build"));

    o.manual_facts = {{"no.such", "x"}};
    CHECK(run_collectors(only(make_manual_collector()), kb, o).reports[0].status == CollectorStatus::failed);
    o.manual_facts.clear();
    CHECK(run_collectors(only(make_manual_collector()), kb, o).reports[0].status == CollectorStatus::skipped);
}

TEST_CASE("manual: runs last and overrides what collectors found") {
    KnowledgeBase kb = collect_test_kb();
    CollectOptions o;
    o.root = collect_data("tree");
    o.env["KBDIAG_TESTPARM"] = collect_data("fake-testparm-ok.sh");
    o.manual_facts = {{"samba_client.workgroup", "TYPED"}};
    CollectionResult r = run_collectors(builtin_collectors(), kb, o);
    CHECK(r.facts.value("samba_client.workgroup")->as_string() == "TYPED");
    CHECK(r.facts.find("samba_client.workgroup")->source == "manual");
    CHECK(r.facts.value("samba_client.min_protocol")->as_string() == "SMB2_02");
}

TEST_CASE("import: facts from another snapshot keep their origin; bad files are reported") {
    KnowledgeBase kb = collect_test_kb();
    TempDir dir;
    Snapshot other;
    other.created = 1764000000;
    other.facts.set("windows.build", std::int64_t{22631}, "windows.os");
    other.facts.set_absent("lsa.lm_compatibility_level", "windows.lsa", "value not set");
    std::string file = (dir.path / "pc42.yaml").string();
    REQUIRE(write_file_atomically(file, to_yaml(other, kb)) == "");

    CollectOptions o;
    o.import_files = {file};
    o.manual_facts = {{"windows.build", "19045"}};
    CollectorRegistry reg;
    reg.add(make_import_collector());
    reg.add(make_manual_collector());
    CollectionResult r = run_collectors(reg, kb, o);
    CHECK(r.reports[0].status == CollectorStatus::ok);
    const FactEntry* lm = r.facts.find("lsa.lm_compatibility_level");
    REQUIRE(lm);
    CHECK(lm->state == FactState::absent);
    CHECK(lm->source == "import:" + file + ":windows.lsa");
    CHECK(lm->note == "value not set");
    CHECK(r.facts.value("windows.build")->as_int() == 19045);   // manual wins over import

    o.manual_facts.clear();
    o.import_files = {file, (dir.path / "missing.yaml").string()};
    CollectionResult partial = run_collectors(reg, kb, o);
    CHECK(partial.reports[0].status == CollectorStatus::partial);
    CHECK(partial.facts.value("windows.build")->as_int() == 22631);
    CHECK(find_diag(partial.diagnostics, "SNAP005", "missing.yaml"));

    o.import_files = {(dir.path / "missing.yaml").string()};
    CHECK(run_collectors(reg, kb, o).reports[0].status == CollectorStatus::failed);
}
