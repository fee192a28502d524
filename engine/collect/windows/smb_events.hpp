#pragma once
// windows.smb_events: the last share-access failure as Windows' own SMB client logged it, so the error is known
// without anyone typing it. Split like the other Windows collectors:
//  - this header and smb_events.cpp: which events count, what each means, parsing one rendered event (the XML
//    EvtRender gives) and turning the events found into facts. Plain C++, unit-tested natively and under Wine on
//    synthetic event XML (tests/unit/test_windows_smb_events.cpp);
//  - win32_smb_events.cpp (Windows only): EvtQuery/EvtNext/EvtRender from wevtapi.dll, loaded at run time.
//
// Sources (knowledge/references-events.yaml): the event ids and their message texts are mrxsmb.sys's message
// table as published for Windows 8 to Windows 11 21H2 [E1]; event 31017 and the errors a user then sees come
// from Microsoft's KB 4046019 [E2] and [S11]; event 32000 and its errors from [S16]; the event XML layout
// (EventID, TimeCreated/@SystemTime, EventData/Data[@Name]) from a published 31017 event [E3].
// Only 31017 is mapped to an error code: it is the one event a source ties to one error (1272). The others say
// what went wrong (name resolution, TCP connection, SMB1-only server, ...) but no source names the code the user
// saw, so they set no error.code.
// Nothing secret is read: of the event data only the server name is kept (never the user name).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/collect/collector.hpp"
#include "engine/collect/windows/windows_facts.hpp"

namespace kbdiag::win {

inline constexpr const char* smb_security_channel = "Microsoft-Windows-SMBClient/Security";
inline constexpr const char* smb_connectivity_channel = "Microsoft-Windows-SMBClient/Connectivity";

// A share-access failure event the collector looks for.
struct SmbEventKind {
    std::uint32_t id = 0;
    const char* message;      // the event's own first line (mrxsmb.sys message table [E1])
    const char* meaning;      // what it tells a technician
    const char* error_code;   // the error the user saw, when a source ties the event to one; else nullptr
};

// The failure events, in id order. Deliberately left out: 30806/30808 (session or share connection
// re-established), 30810-30813 (transport interface added/deleted), 31018 (a registry value is not the default),
// 32002 (an SMB1 negotiate response was received: SMB1 worked) - none of them is a failure.
const std::vector<SmbEventKind>& smb_failure_events();
const SmbEventKind* smb_event_kind(std::uint32_t id);

// The XPath query for one channel: the failure events of the last `lookback` (EvtQuery's XPath 1.0 subset,
// under its 20-expression limit).
std::string smb_event_query(std::chrono::hours lookback);

// One event as read from the rendered XML.
struct SmbEvent {
    std::uint32_t id = 0;
    std::int64_t time = 0;    // TimeCreated/@SystemTime, seconds since 1970 UTC
    std::string server;       // EventData/Data[@Name='ServerName'] without leading backslashes; empty if none
    std::string channel;      // the channel it was read from
};

// Parses one event rendered with EvtRender(EvtRenderEventXml). nullopt (and `error` says why) when the XML has
// no numeric EventID or no parsable TimeCreated/@SystemTime. Attribute quotes may be ' or ", the five XML
// entities and numeric character references are decoded, namespaces and other elements are ignored.
std::optional<SmbEvent> parse_smb_event_xml(std::string_view xml, std::string* error = nullptr);

// What EvtQuery/EvtNext/EvtRender returned for one channel.
struct ChannelRead {
    std::string channel;
    std::uint32_t api_error = 0;      // 0: the query ran (maybe finding nothing); else the Win32 error
    std::string failed_call;          // which call failed ("EvtQuery", "EvtNext", ...)
    std::vector<std::string> events;  // rendered event XML, newest first
};

struct SmbEventsContext {
    std::int64_t now = 0;                                 // seconds since 1970 UTC
    std::chrono::hours lookback{24 * 7};                  // how far back the query looked
    std::chrono::hours error_code_max_age{24};            // an older event does not name today's error
    bool under_wine = false;
    bool wevtapi_missing = false;                         // wevtapi.dll or its functions could not be loaded
    std::string wevtapi_error;
};

// Facts from what the channels returned:
//  - error.last_smb_event_id / _time / _server: the newest failure event of either channel (absent, with the
//    lookback named, when there is none; _server absent when the event has no server name);
//  - error.code: the error the newest event stands for, when a source ties the event to one and it is at most
//    `error_code_max_age` old (a --error or --fact given by the user still wins: the manual collector runs last);
//  - events.insecure_guest_logon_rejected (31017) and events.server_requires_smb1 (32000): true when such an event
//    is in the window, false when the Security channel was read and has none.
// Status: ok; partial when one channel could not be read or an event did not parse; failed when nothing could be
// read (or wevtapi.dll could not be loaded); skipped under Wine, which has no SMB client and so no such event log
// whatever its event log API answers (the message says what it answered).
CollectorOutcome smb_event_facts(const std::vector<ChannelRead>& reads, const SmbEventsContext& ctx, FactSink& sink);

}  // namespace kbdiag::win
