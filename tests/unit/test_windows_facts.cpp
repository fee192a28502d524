// The Windows collectors' fact logic (engine/collect/windows/windows_facts.cpp) on recorded API results:
// runs on every platform, so the Linux build checks what the Windows build does with real registry values,
// Credential Manager records, NetUseEnum and NetGetJoinInformation answers (including Wine's stubs).
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "engine/collect/windows/windows_facts.hpp"
#include "engine/kb/knowledge_base.hpp"

using namespace kbdiag;
using namespace kbdiag::win;

namespace {

FactStore run(const std::function<void(FactSink&, Tally&)>& f, Tally& t) {
    FactSink sink;
    f(sink, t);
    return sink.close("test");
}

const FactEntry& entry(const FactStore& s, const std::string& name) {
    const FactEntry* e = s.find(name);
    REQUIRE_MESSAGE(e != nullptr, name);
    return *e;
}

RecordedRegistry win11(const std::string& build, std::uint32_t ubr, const std::string& display,
                       const std::string& edition) {
    RecordedRegistry r;
    r.set(keys::current_version, "CurrentBuild", RegValue::sz(build))
        .set(keys::current_version, "CurrentBuildNumber", RegValue::sz(build))
        .set(keys::current_version, "UBR", RegValue::dword(ubr))
        .set(keys::current_version, "DisplayVersion", RegValue::sz(display))
        .set(keys::current_version, "ReleaseId", RegValue::sz("2009"))
        .set(keys::current_version, "EditionID", RegValue::sz(edition))
        .set(keys::current_version, "ProductName", RegValue::sz("Windows 10 Pro"))
        .set(keys::current_version, "InstallationType", RegValue::sz("Client"));
    return r;
}

std::shared_ptr<const KnowledgeBase> shipped_kb() {
    LoadOptions o;
    o.folders = {std::string(KBDIAG_SOURCE_KB)};
    LoadResult r = load_knowledge_base(o);
    REQUIRE(r.kb);
    return r.kb;
}

}  // namespace

TEST_CASE("windows.os: a Windows 11 24H2 Pro, recorded") {
    auto reg = win11("26100", 2605, "24H2", "Professional");
    Tally t;
    auto s = run([&](FactSink& k, Tally& tt) { os_facts({true, 10, 0, 26100}, reg, k, tt); }, t);
    CHECK(t.problems.empty());
    CHECK(t.outcome().status == CollectorStatus::ok);
    CHECK(entry(s, "windows.build").value.as_int() == 26100);
    CHECK(entry(s, "windows.ubr").value.as_int() == 2605);
    CHECK(entry(s, "windows.display_version").value.as_string() == "24H2");
    CHECK(entry(s, "windows.edition").value.as_string() == "Professional");
    // ProductName says Windows 10 on Windows 11: corrected from the build, and the note says why.
    CHECK(entry(s, "windows.product_name").value.as_string() == "Windows 11 Pro");
    CHECK(entry(s, "windows.product_name").note.find("22000") != std::string::npos);
    CHECK(entry(s, "windows.installation_type").value.as_string() == "client");
}

TEST_CASE("windows.os: Windows 10 22H2 keeps its name, and RtlGetVersion failing falls back to CurrentBuild") {
    auto reg = win11("19045", 5131, "22H2", "Enterprise");
    Tally t;
    auto s = run([&](FactSink& k, Tally& tt) { os_facts({false, 0, 0, 0}, reg, k, tt); }, t);
    CHECK(entry(s, "windows.build").value.as_int() == 19045);
    CHECK(entry(s, "windows.product_name").value.as_string() == "Windows 10 Pro");
}

TEST_CASE("windows.os: server installation type, ReleaseId fallback, a value of the wrong type") {
    RecordedRegistry reg;
    reg.set(keys::current_version, "CurrentBuild", RegValue::sz("17763"))
        .set(keys::current_version, "ReleaseId", RegValue::sz("1809"))
        .set(keys::current_version, "UBR", RegValue::sz("not a number"))
        .set(keys::current_version, "EditionID", RegValue::dword(7))
        .set(keys::current_version, "InstallationType", RegValue::sz("Server Core"));
    Tally t;
    auto s = run([&](FactSink& k, Tally& tt) { os_facts({true, 10, 0, 17763}, reg, k, tt); }, t);
    CHECK(entry(s, "windows.display_version").value.as_string() == "1809");
    CHECK(entry(s, "windows.installation_type").value.as_string() == "server");
    CHECK(entry(s, "windows.ubr").state == FactState::failed);
    CHECK(entry(s, "windows.edition").state == FactState::failed);
    CHECK(entry(s, "windows.edition").note.find("REG_DWORD") != std::string::npos);
    CHECK(entry(s, "windows.product_name").state == FactState::absent);
    CHECK(t.outcome().status == CollectorStatus::partial);   // recorded what it could, said why not the rest
}

TEST_CASE("windows.lsa: LmCompatibilityLevel present, absent, denied") {
    {
        RecordedRegistry reg;
        reg.set(keys::lsa, "LmCompatibilityLevel", RegValue::dword(1))
            .set(keys::msv1_0, "NtlmMinClientSec", RegValue::dword(0x20080000))
            .set(keys::msv1_0, "BlockNtlmv1SSO", RegValue::dword(0))   // present, but not collected (not SMB)
            .set(keys::msv1_0, "RestrictSendingNTLMTraffic", RegValue::dword(2))
            .set(keys::msv1_0, "ClientAllowedNTLMServers", RegValue::multi_sz({"NAS01", "files*.corp.example"}));
        Tally t;
        auto s = run([&](FactSink& k, Tally& tt) { lsa_facts(reg, k, tt); }, t);
        CHECK(entry(s, "lsa.ntlm_outgoing_exceptions").value.as_list() ==
              std::vector<std::string>{"NAS01", "files*.corp.example"});
        CHECK(entry(s, "lsa.lm_compatibility_level").value.as_int() == 1);
        CHECK(entry(s, "lsa.ntlm_min_client_sec").value.as_int() == 0x20080000);
        CHECK(s.find("lsa.block_ntlmv1_sso") == nullptr);
        CHECK(entry(s, "lsa.restrict_sending_ntlm_traffic").value.as_int() == 2);   // Deny all
        CHECK(t.outcome().status == CollectorStatus::ok);
    }
    {
        RecordedRegistry reg;   // nothing set: absent is its own value, with the effective default in the note
        Tally t;
        auto s = run([&](FactSink& k, Tally& tt) { lsa_facts(reg, k, tt); }, t);
        CHECK(entry(s, "lsa.lm_compatibility_level").state == FactState::absent);
        CHECK(entry(s, "lsa.lm_compatibility_level").note.find("level 3") != std::string::npos);
        CHECK(entry(s, "lsa.restrict_sending_ntlm_traffic").state == FactState::absent);
        CHECK(entry(s, "lsa.restrict_sending_ntlm_traffic").note.find("Allow all") != std::string::npos);
        CHECK(entry(s, "lsa.ntlm_outgoing_exceptions").value.as_list().empty());   // not set: no exceptions
        CHECK(entry(s, "lsa.ntlm_outgoing_exceptions").note.find("no exceptions") != std::string::npos);
        CHECK(t.outcome().status == CollectorStatus::ok);
    }
    {
        RecordedRegistry reg;
        reg.set(keys::lsa, "LmCompatibilityLevel", RegValue::access_denied());
        Tally t;
        auto s = run([&](FactSink& k, Tally& tt) { lsa_facts(reg, k, tt); }, t);
        CHECK(entry(s, "lsa.lm_compatibility_level").state == FactState::failed);
        CHECK(t.outcome().status == CollectorStatus::partial);
    }
}

TEST_CASE("windows.smb_client: guest logons, policy, SMB1, NTLM blocking and its exceptions") {
    RecordedRegistry reg;
    reg.set(keys::workstation, "RequireSecuritySignature", RegValue::dword(1))
        .set(keys::workstation, "EnableSecuritySignature", RegValue::dword(1))
        .set(keys::workstation_policy, "AllowInsecureGuestAuth", RegValue::dword(0))
        .set(keys::mrxsmb10, "Start", RegValue::dword(4))
        .set(keys::workstation, "BlockNTLM", RegValue::dword(1))
        .set(keys::workstation, "BlockNTLMServerExceptionList",
             RegValue::multi_sz({"nas01", "nas02.corp.example;10.0.0.5"}))
        .set(keys::system_policies, "EnableLinkedConnections", RegValue::dword(1));
    Tally t;
    auto s = run([&](FactSink& k, Tally& tt) { smb_client_facts(reg, k, tt); }, t);
    CHECK(entry(s, "smb_client.require_signing").value.as_bool());
    CHECK(entry(s, "smb_client.enable_signing").value.as_bool());
    CHECK(entry(s, "smb_client.allow_insecure_guest_auth").state == FactState::absent);
    CHECK_FALSE(entry(s, "smb_client.allow_insecure_guest_auth_policy").value.as_bool());
    CHECK_FALSE(entry(s, "smb_client.smb1_installed").value.as_bool());
    CHECK(entry(s, "smb_client.block_ntlm").value.as_bool());
    CHECK(entry(s, "smb_client.block_ntlm_exceptions").value.as_list() ==
          std::vector<std::string>{"nas01", "nas02.corp.example", "10.0.0.5"});
    CHECK(entry(s, "system.enable_linked_connections").value.as_bool());
    CHECK(t.outcome().status == CollectorStatus::ok);
}

TEST_CASE("windows.smb_client: defaults when nothing is set, and the policy's BlockNTLM wins") {
    RecordedRegistry reg;
    reg.set(keys::mrxsmb10, "Start", RegValue::dword(3))
        .set(keys::workstation, "BlockNTLM", RegValue::dword(1))
        .set(keys::workstation_policy, "BlockNTLM", RegValue::dword(0))
        .set(keys::workstation, "AllowInsecureGuestAuth", RegValue::binary());
    Tally t;
    auto s = run([&](FactSink& k, Tally& tt) { smb_client_facts(reg, k, tt); }, t);
    CHECK(entry(s, "smb_client.require_signing").state == FactState::absent);
    CHECK(entry(s, "smb_client.smb1_installed").value.as_bool());
    CHECK_FALSE(entry(s, "smb_client.block_ntlm").value.as_bool());
    CHECK(entry(s, "smb_client.block_ntlm_exceptions").value.as_list().empty());
    CHECK_FALSE(entry(s, "system.enable_linked_connections").value.as_bool());
    CHECK(entry(s, "smb_client.allow_insecure_guest_auth").state == FactState::failed);   // REG_BINARY
    CHECK(t.outcome().status == CollectorStatus::partial);
}

TEST_CASE("windows.credman: records without secrets, times, empty list, failure, thousands, non-ASCII") {
    std::vector<CredRecord> recs;
    // 2026-11-01T10:00:00Z as FILETIME
    const std::uint64_t ft = (1793527200ULL * 10000000ULL) + 116444736000000000ULL;
    recs.push_back({"Domain:target=nas01", 2, "NAS01\\anna", 2, ft});
    recs.push_back({"git:https://example.org", 1, "anna", 2, ft});
    recs.push_back({"nas-müller", 2, "müller", 1, 0});
    Tally t;
    auto s = run([&](FactSink& k, Tally& tt) { credman_facts(0, recs, k, tt); }, t);
    const auto& list = entry(s, "credman.entries").value.as_records();
    REQUIRE(list.size() == 3);
    CHECK(std::get<std::string>(list[0].at("target")) == "Domain:target=nas01");
    CHECK(std::get<std::string>(list[0].at("type")) == "domain_password");
    CHECK(std::get<std::string>(list[0].at("persist")) == "local_machine");
    CHECK(std::get<std::int64_t>(list[0].at("last_written")) == 1793527200);
    CHECK(std::get<std::string>(list[1].at("type")) == "generic");
    CHECK(std::get<std::string>(list[2].at("user")) == "müller");
    CHECK(list[2].count("last_written") == 0);
    for (const auto& r : list) CHECK(r.size() <= 5);   // target, type, user, persist, last_written: no secret field

    Tally t2;
    auto none = run([&](FactSink& k, Tally& tt) { credman_facts(1168, {}, k, tt); }, t2);
    CHECK(entry(none, "credman.entries").value.as_records().empty());
    CHECK(t2.outcome().status == CollectorStatus::ok);

    Tally t3;
    auto bad = run([&](FactSink& k, Tally& tt) { credman_facts(1312, {}, k, tt); }, t3);
    CHECK(entry(bad, "credman.entries").state == FactState::failed);
    CHECK(entry(bad, "credman.entries").note.find("1312") != std::string::npos);
    CHECK(t3.outcome().status == CollectorStatus::failed);

    std::vector<CredRecord> many(5000, CredRecord{"Domain:target=srv", 2, "u", 2, ft});
    Tally t4;
    auto big = run([&](FactSink& k, Tally& tt) { credman_facts(0, many, k, tt); }, t4);
    CHECK(entry(big, "credman.entries").value.as_records().size() == 5000);
}

TEST_CASE("windows.net_use and windows.domain: real answers, and Wine's stubs reported as such") {
    std::vector<NetUseRecord> uses{{"Z:", "\\\\nas01\\public", "NAS01\\anna", 0, true},
                                   {"", "\\\\nas01\\IPC$", "", 2, true}};
    Tally t;
    auto s = run([&](FactSink& k, Tally& tt) { net_use_facts(0, uses, {}, k, tt); }, t);
    const auto& list = entry(s, "net.connections").value.as_records();
    REQUIRE(list.size() == 2);
    CHECK(std::get<std::string>(list[0].at("remote")) == "\\\\nas01\\public");
    CHECK(std::get<std::string>(list[0].at("status")) == "OK");
    CHECK(std::get<std::string>(list[1].at("status")) == "Disconnected");

    Tally tw;
    auto wine = run([&](FactSink& k, Tally& tt) { net_use_facts(50, {}, ApiContext{true}, k, tt); }, tw);
    CHECK(entry(wine, "net.connections").state == FactState::failed);
    CHECK(entry(wine, "net.connections").note.find("ERROR_NOT_SUPPORTED") != std::string::npos);
    CHECK(entry(wine, "net.connections").note.find("Wine") != std::string::npos);
    CHECK(tw.outcome().status == CollectorStatus::failed);

    Tally td;
    auto dom = run([&](FactSink& k, Tally& tt) { domain_facts({0, 3, "CORP"}, {}, k, tt); }, td);
    CHECK(entry(dom, "host.domain_joined").value.as_bool());
    CHECK(entry(dom, "host.domain").value.as_string() == "CORP");

    Tally tg;
    auto wg = run([&](FactSink& k, Tally& tt) { domain_facts({0, 2, "WORKGROUP"}, ApiContext{true}, k, tt); }, tg);
    CHECK_FALSE(entry(wg, "host.domain_joined").value.as_bool());
    CHECK(entry(wg, "host.domain").state == FactState::absent);
    CHECK(entry(wg, "host.domain").note.find("Wine") != std::string::npos);
}

TEST_CASE("every fact the Windows collectors produce is in the shipped catalog, with the right type") {
    auto kb = shipped_kb();
    auto reg = win11("22631", 4460, "23H2", "Enterprise");
    reg.set(keys::lsa, "LmCompatibilityLevel", RegValue::dword(5))
        .set(keys::msv1_0, "NtlmMinClientSec", RegValue::dword(0x20080000))
        .set(keys::msv1_0, "BlockNtlmv1SSO", RegValue::dword(1))
        .set(keys::msv1_0, "RestrictSendingNTLMTraffic", RegValue::dword(1))
        .set(keys::workstation, "RequireSecuritySignature", RegValue::dword(0))
        .set(keys::workstation, "EnableSecuritySignature", RegValue::dword(1))
        .set(keys::workstation, "AllowInsecureGuestAuth", RegValue::dword(1))
        .set(keys::workstation_policy, "AllowInsecureGuestAuth", RegValue::dword(1))
        .set(keys::mrxsmb10, "Start", RegValue::dword(4))
        .set(keys::workstation, "BlockNTLMServerExceptionList", RegValue::multi_sz({"nas01"}));
    const std::uint64_t ft = 133000000000000000ULL;
    FactSink sink;
    Tally t;
    os_facts({true, 10, 0, 22631}, reg, sink, t);
    lsa_facts(reg, sink, t);
    smb_client_facts(reg, sink, t);
    credman_facts(0, {{"Domain:target=nas01", 2, "anna", 2, ft}}, sink, t);
    net_use_facts(0, {{"Z:", "\\\\nas01\\x", "anna", 0, true}}, {}, sink, t);
    domain_facts({0, 3, "CORP"}, {}, sink, t);
    CHECK(t.problems.empty());
    FactStore s = sink.close("test");
    CHECK(s.size() == 22);
    for (const auto& [name, e] : s.entries()) {
        auto def = kb->facts.find(name);
        REQUIRE_MESSAGE(def != kb->facts.end(), name);
        if (e.state != FactState::known) continue;
        auto typed = coerce(e.value, def->second.type, def->second.values, def->second.fields);
        CHECK_MESSAGE(typed.value.has_value(), name, ": ", typed.error);
    }
}
