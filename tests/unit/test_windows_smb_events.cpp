// windows.smb_events (engine/collect/windows/smb_events.*): parsing rendered SMB client events and the facts made
// from them, on synthetic event XML written after the documented event layout (the Event/System/EventID,
// TimeCreated/@SystemTime, Channel and EventData/Data[@Name] of a published 31017 event [E3]). Runs natively and,
// in the Windows build, under Wine - where one more test runs the real collector against Wine's event log API.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "engine/collect/builtin.hpp"
#include "engine/collect/registry.hpp"
#include "engine/collect/windows/smb_events.hpp"
#include "engine/kb/knowledge_base.hpp"
#ifdef _WIN32
#include "engine/collect/windows/windows_collectors.hpp"
#include "engine/probe/auth_win32.hpp"   // running_under_wine()
#endif

using namespace kbdiag;
using namespace kbdiag::win;

namespace {

constexpr std::int64_t now = 1796032920;   // 2026-11-30T10:02:00Z

// An event as EvtRender(EvtRenderEventXml) writes it: one line, single-quoted attributes, the event namespace.
std::string event_xml(std::uint32_t id, const std::string& system_time, const std::string& channel,
                      const std::string& event_data) {
    return "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
           "<Provider Name='Microsoft-Windows-SMBClient' Guid='{988c59c5-0a1c-45b6-a555-0c62276e327d}'/>"
           "<EventID>" + std::to_string(id) + "</EventID><Version>0</Version><Level>2</Level><Task>0</Task>"
           "<Opcode>0</Opcode><Keywords>0x200000000000080</Keywords>"
           "<TimeCreated SystemTime='" + system_time + "'/><EventRecordID>104</EventRecordID><Correlation/>"
           "<Execution ProcessID='4' ThreadID='4660'/><Channel>" + channel + "</Channel>"
           "<Computer>pc42.example.org</Computer><Security UserID='S-1-5-18'/></System>"
           "<EventData>" + event_data + "</EventData></Event>";
}

std::string iso(std::int64_t epoch) { return format_iso8601(epoch); }

std::string guest_rejected(std::int64_t when, const std::string& server = "\\\\nas01") {
    return event_xml(31017, iso(when), "Microsoft-Windows-SmbClient/Security",
                     "<Data Name='UserNameLength'>4</Data><Data Name='UserName'>anna</Data>"
                     "<Data Name='ServerNameLength'>7</Data><Data Name='ServerName'>" + server + "</Data>");
}

std::string connect_failed(std::int64_t when) {
    return event_xml(30803, iso(when), "Microsoft-Windows-SMBClient/Connectivity",
                     "<Data Name='Reason'>1</Data><Data Name='Status'>3221225653</Data>"
                     "<Data Name='ServerName'>\\\\192.0.2.10</Data><Data Name='ConnectionType'>Wsk</Data>");
}

std::string smb1_only(std::int64_t when) {
    return event_xml(32000, iso(when), "Microsoft-Windows-SmbClient/Security",
                     "<Data Name='Dialect'>NT LM 0.12</Data><Data Name='ServerName'>\\\\oldnas</Data>");
}

ChannelRead security(std::vector<std::string> events, std::uint32_t error = 0) {
    return ChannelRead{smb_security_channel, error, error ? "EvtQuery" : "", std::move(events)};
}
ChannelRead connectivity(std::vector<std::string> events, std::uint32_t error = 0) {
    return ChannelRead{smb_connectivity_channel, error, error ? "EvtQuery" : "", std::move(events)};
}

struct Run {
    CollectorOutcome outcome;
    FactStore facts;
};

Run facts_of(const std::vector<ChannelRead>& reads, SmbEventsContext ctx = {}) {
    if (ctx.now == 0) ctx.now = now;
    FactSink sink;
    Run r;
    r.outcome = smb_event_facts(reads, ctx, sink);
    r.facts = sink.close("windows.smb_events");
    return r;
}

const FactEntry& entry(const FactStore& s, const std::string& name) {
    const FactEntry* e = s.find(name);
    REQUIRE_MESSAGE(e != nullptr, name);
    return *e;
}

std::shared_ptr<const KnowledgeBase> shipped_kb() {
    LoadOptions o;
    o.folders = {std::string(KBDIAG_SOURCE_KB)};
    LoadResult r = load_knowledge_base(o);
    REQUIRE(r.kb);
    return r.kb;
}

}  // namespace

// ---------------------------------------------------------------------------------------------- parsing

TEST_CASE("smb events: a 31017 event as EvtRender writes it") {
    std::string error;
    auto e = parse_smb_event_xml(guest_rejected(now - 60, "\\172.31.30.112"), &error);
    REQUIRE_MESSAGE(e, error);
    CHECK(e->id == 31017);
    CHECK(e->time == now - 60);
    CHECK(e->server == "172.31.30.112");   // the published event's "\172.31.30.112", backslash dropped [E3]
    CHECK(e->channel == "Microsoft-Windows-SmbClient/Security");
}

TEST_CASE("smb events: double quotes, Qualifiers, fractions of a second, entities, pretty-printed XML") {
    const std::string xml =
        "<?xml version=\"1.0\"?>\n<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\n"
        "  <System>\n    <EventID Qualifiers=\"0\"> 30803 </EventID>\n"
        "    <TimeCreated SystemTime=\"2026-11-30T09:58:31.025306200Z\" />\n"
        "    <Channel>Microsoft-Windows-SMBClient/Connectivity</Channel>\n  </System>\n"
        "  <EventData>\n    <Data Name=\"ServerNameLength\">9</Data>\n"
        "    <Data Name=\"ServerName\">\\\\R&amp;D-n&#x41;s</Data>\n  </EventData>\n</Event>\n";
    std::string error;
    auto e = parse_smb_event_xml(xml, &error);
    REQUIRE_MESSAGE(e, error);
    CHECK(e->id == 30803);
    CHECK(e->time == now - 209);   // 09:58:31, the fraction dropped
    CHECK(e->server == "R&D-nAs");
}

TEST_CASE("smb events: no server name, or an empty one, leaves the server empty; other Data names never match") {
    auto none = parse_smb_event_xml(event_xml(30809, iso(now), "c", "<Data Name='Command'>5</Data>"));
    REQUIRE(none);
    CHECK(none->server.empty());
    auto empty =
        parse_smb_event_xml(event_xml(31017, iso(now), "c", "<Data Name='UserName'/><Data Name='ServerName'/>"));
    REQUIRE(empty);
    CHECK(empty->server.empty());
    // "ServerNameLength" and an attribute called "XName" are not ServerName / Name.
    auto decoy = parse_smb_event_xml(
        event_xml(31017, iso(now), "c", "<Data XName='ServerName'>evil</Data><Data Name='ServerNameLength'>4</Data>"));
    REQUIRE(decoy);
    CHECK(decoy->server.empty());
    // No EventData element at all.
    auto bare = parse_smb_event_xml("<Event><System><EventID>30800</EventID><TimeCreated SystemTime='" + iso(now) +
                                    "'/></System></Event>");
    REQUIRE(bare);
    CHECK(bare->id == 30800);
}

TEST_CASE("smb events: what is not an event is refused with the reason") {
    std::string error;
    CHECK_FALSE(parse_smb_event_xml("", &error));
    CHECK(error == "no <System> element");
    CHECK_FALSE(parse_smb_event_xml("<Event><System><Level>2</Level></System></Event>", &error));
    CHECK(error == "no <EventID> element");
    CHECK_FALSE(parse_smb_event_xml("<Event><System><EventIDx>1</EventIDx><EventID>3l017</EventID></System></Event>",
                                    &error));
    CHECK(error == "EventID '3l017' is not a number");
    CHECK_FALSE(parse_smb_event_xml("<Event><System><EventID>99999999999</EventID></System></Event>", &error));
    CHECK(error.find("is not a number") != std::string::npos);
    CHECK_FALSE(parse_smb_event_xml("<Event><System><EventID>31017</EventID><TimeCreated SystemTime='yesterday'/>"
                                    "</System></Event>",
                                    &error));
    CHECK(error == "no parsable TimeCreated/@SystemTime");
    CHECK_FALSE(parse_smb_event_xml("<!-- EvtRender failed: error 122 -->", &error));
}

TEST_CASE("smb events: every prefix and every one-byte corruption of an event parses or is refused, never crashes") {
    const std::string xml = guest_rejected(now);
    const std::size_t system_end = xml.find("</System>") + std::string("</System>").size();
    for (std::size_t n = 0; n <= xml.size(); ++n) {
        CAPTURE(n);
        auto e = parse_smb_event_xml(xml.substr(0, n));
        CHECK(bool(e) == (n >= system_end));   // cut before </System>: refused; after: the event, maybe no server
        if (e) CHECK((e->id == 31017 && e->time == now));
    }
    for (std::size_t i = 0; i < xml.size(); ++i)
        for (char c : {'<', '>', '\'', '&', '\0'}) {
            std::string broken = xml;
            broken[i] = c;
            (void)parse_smb_event_xml(broken);
        }
}

// ---------------------------------------------------------------------------------------------- the query

TEST_CASE("smb events: the query asks for the failure events of the last 7 days, within EvtQuery's limits") {
    const std::string q = smb_event_query(std::chrono::hours(24 * 7));
    CHECK(q.rfind("*[System[(EventID=30800 or EventID=30803 or ", 0) == 0);
    CHECK(q.find("EventID=31017") != std::string::npos);
    CHECK(q.find("EventID=32000") != std::string::npos);
    CHECK(q.find("EventID=30806") == std::string::npos);   // re-established: not a failure
    CHECK(q.find("EventID=32002") == std::string::npos);   // SMB1 worked: not a failure
    CHECK(q.find("TimeCreated[timediff(@SystemTime) <= 604800000]") != std::string::npos);
    std::size_t expressions = 1;   // the time condition, plus one per event id
    for (std::size_t at = q.find("EventID="); at != std::string::npos; at = q.find("EventID=", at + 1)) ++expressions;
    CHECK(expressions <= 20);      // more would need a structured XML query [E4]
    for (const auto& kind : smb_failure_events()) CHECK(smb_event_kind(kind.id) == &kind);
    CHECK(smb_event_kind(30806) == nullptr);
}

// ---------------------------------------------------------------------------------------------- facts

TEST_CASE("smb events: a fresh 31017 names the error (1272), the server and the time") {
    Run r = facts_of({security({guest_rejected(now - 3600)}), connectivity({connect_failed(now - 7200)})});
    CHECK(r.outcome.status == CollectorStatus::ok);
    CHECK(r.outcome.message == "newest: event 31017");
    CHECK(entry(r.facts, "error.last_smb_event_id").value.as_int() == 31017);
    CHECK(entry(r.facts, "error.last_smb_event_time").value.as_int() == now - 3600);
    CHECK(entry(r.facts, "error.last_smb_event_server").value.as_string() == "nas01");
    const FactEntry& code = entry(r.facts, "error.code");
    CHECK(code.value.as_string() == "1272");
    CHECK(code.note.find("event 31017 \"Rejected an insecure guest logon.\" in "
                         "Microsoft-Windows-SMBClient/Security") != std::string::npos);
    CHECK(entry(r.facts, "events.insecure_guest_logon_rejected").value.as_bool() == true);
    CHECK(entry(r.facts, "events.server_requires_smb1").value.as_bool() == false);
    for (const auto& [name, e] : r.facts.entries()) {   // the user name in the event never leaves it
        CHECK(e.note.find("anna") == std::string::npos);
        if (e.value.is_string()) CHECK(e.value.as_string().find("anna") == std::string::npos);
    }
}

TEST_CASE("smb events: the newest event wins across channels; only 31017 sets error.code") {
    Run r = facts_of({security({guest_rejected(now - 7200)}), connectivity({connect_failed(now - 600)})});
    CHECK(entry(r.facts, "error.last_smb_event_id").value.as_int() == 30803);
    CHECK(entry(r.facts, "error.last_smb_event_server").value.as_string() == "192.0.2.10");
    CHECK(entry(r.facts, "error.last_smb_event_id").note.find("TCP port 445") != std::string::npos);
    CHECK(r.facts.find("error.code") == nullptr);   // which code a 30803 shows is not confirmed
    CHECK(entry(r.facts, "events.insecure_guest_logon_rejected").value.as_bool() == true);   // still in the window
}

TEST_CASE("smb events: a 31017 older than a day no longer names today's error") {
    Run r = facts_of({security({guest_rejected(now - 2 * 86400)}), connectivity({})});
    CHECK(entry(r.facts, "error.last_smb_event_id").value.as_int() == 31017);
    CHECK(r.facts.find("error.code") == nullptr);
    SmbEventsContext wide;
    wide.error_code_max_age = std::chrono::hours(72);
    Run w = facts_of({security({guest_rejected(now - 2 * 86400)}), connectivity({})}, wide);
    CHECK(entry(w.facts, "error.code").value.as_string() == "1272");
}

TEST_CASE("smb events: 32000 says the server needs SMB1, with no single error code") {
    Run r = facts_of({security({smb1_only(now - 30)}), connectivity({})});
    CHECK(entry(r.facts, "error.last_smb_event_id").value.as_int() == 32000);
    CHECK(entry(r.facts, "error.last_smb_event_server").value.as_string() == "oldnas");
    CHECK(entry(r.facts, "events.server_requires_smb1").value.as_bool() == true);
    CHECK(entry(r.facts, "events.insecure_guest_logon_rejected").value.as_bool() == false);
    CHECK(r.facts.find("error.code") == nullptr);
}

TEST_CASE("smb events: logs read and empty: the facts are absent or false, and say how far back was looked") {
    Run r = facts_of({security({}), connectivity({})});
    CHECK(r.outcome.status == CollectorStatus::ok);
    CHECK(r.outcome.message == "no failure event in the last 7 days");
    CHECK(entry(r.facts, "error.last_smb_event_id").state == FactState::absent);
    CHECK(entry(r.facts, "error.last_smb_event_id").note == "no SMB client failure event in the last 7 days");
    CHECK(entry(r.facts, "error.last_smb_event_server").state == FactState::absent);
    CHECK(entry(r.facts, "events.insecure_guest_logon_rejected").value.as_bool() == false);
    CHECK(r.facts.find("error.code") == nullptr);
}

TEST_CASE("smb events: one channel missing: partial, and the Security facts stay unknown without that channel") {
    Run r = facts_of({security({}, 15007), connectivity({connect_failed(now - 60)})});
    CHECK(r.outcome.status == CollectorStatus::partial);
    CHECK(r.outcome.message ==
          "EvtQuery on Microsoft-Windows-SMBClient/Security: error 15007 (ERROR_EVT_CHANNEL_NOT_FOUND)");
    CHECK(entry(r.facts, "error.last_smb_event_id").value.as_int() == 30803);
    CHECK(r.facts.find("events.insecure_guest_logon_rejected") == nullptr);
    CHECK(r.facts.find("events.server_requires_smb1") == nullptr);
}

TEST_CASE("smb events: an event that does not parse is reported, the others still count") {
    Run r = facts_of({security({"<Event><System><EventID>31017</EventID></System></Event>", smb1_only(now - 5)}),
                      connectivity({})});
    CHECK(r.outcome.status == CollectorStatus::partial);
    CHECK(r.outcome.message == "an event from Microsoft-Windows-SMBClient/Security could not be read: no parsable "
                               "TimeCreated/@SystemTime");
    CHECK(entry(r.facts, "error.last_smb_event_id").value.as_int() == 32000);
}

TEST_CASE("smb events: nothing readable: failed, the facts failed with the reason") {
    Run r = facts_of({security({}, 5), connectivity({}, 5)});
    CHECK(r.outcome.status == CollectorStatus::failed);
    CHECK(r.outcome.message.find("EvtQuery on Microsoft-Windows-SMBClient/Security: error 5 (ERROR_ACCESS_DENIED)") !=
          std::string::npos);
    CHECK(entry(r.facts, "error.last_smb_event_id").state == FactState::failed);
    CHECK(r.facts.find("error.code") == nullptr);
    SmbEventsContext missing;
    missing.wevtapi_missing = true;
    missing.wevtapi_error = "cannot load wevtapi.dll (error 126)";
    Run m = facts_of({}, missing);
    CHECK(m.outcome.status == CollectorStatus::failed);
    CHECK(entry(m.facts, "error.last_smb_event_time").note == "cannot load wevtapi.dll (error 126)");
}

TEST_CASE("smb events: under Wine the collector is skipped and says what the API answered") {
    SmbEventsContext wine;
    wine.under_wine = true;
    Run failed = facts_of({security({}, 120), connectivity({}, 120)}, wine);
    CHECK(failed.outcome.status == CollectorStatus::skipped);
    CHECK(failed.outcome.message.find("under Wine there is no SMB client event log (EvtQuery on "
                                      "Microsoft-Windows-SMBClient/Security: error 120 (ERROR_CALL_NOT_IMPLEMENTED)") !=
          std::string::npos);
    CHECK(failed.facts.size() == 0);
    Run quiet = facts_of({security({}), connectivity({})}, wine);   // even an answer with no events proves nothing
    CHECK(quiet.outcome.status == CollectorStatus::skipped);
    CHECK(quiet.outcome.message == "under Wine there is no SMB client event log (the queries found nothing)");
    CHECK(quiet.facts.size() == 0);
    wine.wevtapi_missing = true;
    wine.wevtapi_error = "wevtapi.dll lacks EvtQuery, EvtNext, EvtRender or EvtClose";
    Run missing = facts_of({}, wine);
    CHECK(missing.outcome.status == CollectorStatus::skipped);
    CHECK(missing.outcome.message == "under Wine: wevtapi.dll lacks EvtQuery, EvtNext, EvtRender or EvtClose");
}

// ---------------------------------------------------------------------------------------------- with the catalog

TEST_CASE("smb events: every fact it writes is in the shipped catalog, and 1272 picks the guest problem") {
    auto kb = shipped_kb();
    Run r = facts_of({security({guest_rejected(now - 60), smb1_only(now - 120)}), connectivity({})});
    for (const auto& [name, e] : r.facts.entries()) {
        CAPTURE(name);
        auto def = kb->facts.find(name);
        REQUIRE(def != kb->facts.end());
        CHECK(std::find(def->second.provided_by.begin(), def->second.provided_by.end(), "windows.smb_events") !=
              def->second.provided_by.end());
        if (e.state == FactState::known)
            CHECK(coerce(e.value, def->second.type, def->second.values, def->second.fields).value);
    }
    const Problem* p = kb->find_problem_by_code(entry(r.facts, "error.code").value.as_string());
    REQUIRE(p);
    CHECK(p->id == "guest_logon_blocked");
}

namespace {

// A stand-in for windows.smb_events on any platform: the real fact logic on a recorded fresh 31017.
class RecordedSmbEvents final : public Collector {
public:
    std::string id() const override { return "windows.smb_events"; }
    std::string description() const override { return "recorded SMB client events"; }
    std::vector<std::string> provides() const override { return {}; }
    std::vector<Platform> platforms() const override { return {Platform::any}; }
    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        SmbEventsContext ctx;
        ctx.now = now;
        return smb_event_facts({security({guest_rejected(now - 60)}), connectivity({})}, ctx, sink);
    }
};

}  // namespace

TEST_CASE("smb events: collect --error (a manual fact) wins over the event log's error.code") {
    auto kb = shipped_kb();
    CollectorRegistry reg;
    reg.add(std::make_shared<RecordedSmbEvents>());
    reg.add(make_manual_collector());
    CollectionResult from_log = run_collectors(reg, *kb, CollectOptions{});
    CHECK(from_log.facts.value("error.code")->as_string() == "1272");
    CHECK(from_log.facts.find("error.code")->source == "windows.smb_events");
    CollectOptions typed;
    typed.manual_facts["error.code"] = "0x963";
    CollectionResult from_user = run_collectors(reg, *kb, typed);
    CHECK(from_user.facts.value("error.code")->as_string() == "0x963");
    CHECK(from_user.facts.value("error.last_smb_event_id")->as_int() == 31017);   // the event is still recorded
}

#ifdef _WIN32
// The real collector against the event log API of the system it runs on. Under Wine (where ctest runs the Windows
// build) there is no SMB client: it must come back at once as skipped, saying what the API answered, with no facts.
// On real Windows it reads the two channels: whatever it finds, it must end with a status and never crash.
TEST_CASE("smb events: the real collector under Wine is skipped with a clear message, on Windows it reads the logs") {
    auto c = make_windows_smb_events_collector();
    FactSink sink;
    const auto t0 = std::chrono::steady_clock::now();
    CollectorOutcome out = c->collect(CollectOptions{}, sink);
    const auto took = std::chrono::steady_clock::now() - t0;
    FactStore facts = sink.close("windows.smb_events");
    MESSAGE("windows.smb_events: " << std::string(to_string(out.status)) << ": " << out.message);
    CHECK(took < std::chrono::seconds(10));
    if (probe::running_under_wine()) {
        CHECK(out.status == CollectorStatus::skipped);
        CHECK(out.message.rfind("under Wine", 0) == 0);
        CHECK(facts.size() == 0);
    } else {
        CHECK(out.status != CollectorStatus::timeout);
        if (out.status == CollectorStatus::ok) CHECK(facts.find("error.last_smb_event_id") != nullptr);
    }
}
#endif
