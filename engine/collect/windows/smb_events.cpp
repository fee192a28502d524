// windows.smb_events, the platform-neutral part (smb_events.hpp): the failure events, parsing rendered event XML,
// and the facts. Compiled everywhere and unit-tested on synthetic event XML.
#include "engine/collect/windows/smb_events.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace kbdiag::win {

// ---- the events -------------------------------------------------------------------------------------

const std::vector<SmbEventKind>& smb_failure_events() {
    // Message texts: mrxsmb.sys message table, Windows 11 21H2 (10.0.22000.1) [E1]; an event id is the low 16 bits
    // of the message identifier (0xb0007929 -> 31017).
    static const std::vector<SmbEventKind> events = {
        {30800, "The server name cannot be resolved.",
         "the server's name could not be resolved (DNS or WINS)", nullptr},
        {30803, "Failed to establish a network connection.",
         "no network connection to the server (TCP/IP or transport; a firewall blocking TCP port 445 does this)",
         nullptr},
        {30804, "A network connection was disconnected.", "the connection to the server was dropped", nullptr},
        {30805, "The client lost its session to the server.",
         "the session to the server was lost (the server was reachable before and is not now)", nullptr},
        {30807, "The connection to the share was lost.", "the connection to the share was lost", nullptr},
        {30809, "A request timed out because there was no response from the server.",
         "the server answers over TCP but not over SMB", nullptr},
        {30816, "The server failed the negotiate request.",
         "the server supports none of the SMB dialects this client offers", nullptr},
        {31010, "The SMB client failed to connect to the share.", "connecting to the share failed", nullptr},
        {31013, "The signing validation failed.",
         "an SMB message from the server failed signing validation", nullptr},
        // [E2] KB 4046019: the user then sees the 1272 text ("...security policies block unauthenticated guest
        // access") or 0x80070035; 1272 (ERROR_SMB_GUEST_LOGON_BLOCKED) is the one that names the cause.
        {31017, "Rejected an insecure guest logon.",
         "the server offered only a guest logon and this client refused it (insecure guest logons are off)", "1272"},
        // [S16]: the user sees one of 64, 58, 0x80004005 or "requires the obsolete SMB1 protocol": no single code.
        {32000, "SMB1 negotiate response received from remote device when SMB1 cannot be negotiated by the local "
                "computer.",
         "the server only speaks SMB1 and this client has SMB1 disabled or uninstalled", nullptr},
    };
    return events;
}

const SmbEventKind* smb_event_kind(std::uint32_t id) {
    for (const auto& e : smb_failure_events())
        if (e.id == id) return &e;
    return nullptr;
}

std::string smb_event_query(std::chrono::hours lookback) {
    std::string ids;
    for (const auto& e : smb_failure_events()) ids += fmt::format("{}EventID={}", ids.empty() ? "" : " or ", e.id);
    const long long ms = std::chrono::duration_cast<std::chrono::milliseconds>(lookback).count();
    return fmt::format("*[System[({}) and TimeCreated[timediff(@SystemTime) <= {}]]]", ids, ms);
}

// ---- parsing the rendered XML ------------------------------------------------------------------------

namespace {

// Decodes &amp; &lt; &gt; &quot; &apos; and &#NN; / &#xNN; (as UTF-8). An unknown entity is kept as written.
std::string xml_text(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        std::size_t semi = s[i] == '&' ? s.find(';', i) : std::string_view::npos;
        if (semi == std::string_view::npos || semi - i > 10) {
            out += s[i];
            continue;
        }
        std::string_view ent = s.substr(i + 1, semi - i - 1);
        std::uint32_t cp = 0;
        bool numeric = ent.size() > 1 && ent[0] == '#';
        if (ent == "amp") cp = '&';
        else if (ent == "lt") cp = '<';
        else if (ent == "gt") cp = '>';
        else if (ent == "quot") cp = '"';
        else if (ent == "apos") cp = '\'';
        else if (numeric) {
            const bool hex = ent[1] == 'x' || ent[1] == 'X';
            std::string_view digits = ent.substr(hex ? 2 : 1);
            auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
            if (ec != std::errc{} || p != digits.data() + digits.size() || cp == 0 || cp > 0x10FFFF) cp = 0;
        }
        if (cp == 0) {
            out += s[i];
            continue;
        }
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        i = semi;
    }
    return out;
}

// One start tag: its attributes' text and, unless it closes itself, the text up to its end tag.
struct Element {
    std::string_view tag;    // from after the name to before '>' (attributes, maybe a trailing '/')
    std::string_view body;   // between '>' and '</name>'; empty for <name/>
    std::size_t end = 0;     // where to continue searching
};

// The next element called `name` at or after `from` (a tag "<name" followed by '>', '/' or white space).
std::optional<Element> next_element(std::string_view xml, std::string_view name, std::size_t from) {
    const std::string open = "<" + std::string(name);
    for (std::size_t at = xml.find(open, from); at != std::string_view::npos; at = xml.find(open, at + 1)) {
        std::size_t after = at + open.size();
        if (after >= xml.size()) return std::nullopt;
        char c = xml[after];
        if (c != '>' && c != '/' && !std::isspace(static_cast<unsigned char>(c))) continue;   // <EventIDx ...
        std::size_t close = xml.find('>', after);
        if (close == std::string_view::npos) return std::nullopt;
        Element e;
        e.tag = xml.substr(after, close - after);
        if (!e.tag.empty() && e.tag.back() == '/') {
            e.end = close + 1;
            return e;
        }
        const std::string end_tag = "</" + std::string(name) + ">";
        std::size_t end = xml.find(end_tag, close + 1);
        if (end == std::string_view::npos) return std::nullopt;
        e.body = xml.substr(close + 1, end - close - 1);
        e.end = end + end_tag.size();
        return e;
    }
    return std::nullopt;
}

// An attribute's decoded value inside a start tag (name="v" or name='v').
std::optional<std::string> attribute(std::string_view tag, std::string_view name) {
    for (std::size_t at = tag.find(name); at != std::string_view::npos; at = tag.find(name, at + 1)) {
        const bool starts_word = at == 0 || std::isspace(static_cast<unsigned char>(tag[at - 1]));
        std::size_t p = at + name.size();
        while (p < tag.size() && std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
        if (!starts_word || p >= tag.size() || tag[p] != '=') continue;
        ++p;
        while (p < tag.size() && std::isspace(static_cast<unsigned char>(tag[p]))) ++p;
        if (p >= tag.size() || (tag[p] != '"' && tag[p] != '\'')) return std::nullopt;
        std::size_t end = tag.find(tag[p], p + 1);
        if (end == std::string_view::npos) return std::nullopt;
        return xml_text(tag.substr(p + 1, end - p - 1));
    }
    return std::nullopt;
}

std::string trimmed(std::string s) {
    auto space = [](unsigned char c) { return std::isspace(c) != 0; };
    s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
    s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
    return s;
}

// EventData/Data[@Name=name], decoded and trimmed; nullopt when there is no such Data element.
std::optional<std::string> event_data(std::string_view xml, std::string_view name) {
    auto data_block = next_element(xml, "EventData", 0);
    if (!data_block) return std::nullopt;
    for (auto d = next_element(data_block->body, "Data", 0); d; d = next_element(data_block->body, "Data", d->end))
        if (attribute(d->tag, "Name") == std::string(name)) return trimmed(xml_text(d->body));
    return std::nullopt;
}

// Says why parsing stopped (when the caller asked) and yields "no event".
std::nullopt_t rejected(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return std::nullopt;
}

}  // namespace

std::optional<SmbEvent> parse_smb_event_xml(std::string_view xml, std::string* error) {
    auto system = next_element(xml, "System", 0);
    if (!system) return rejected(error, "no <System> element");
    auto id_element = next_element(system->body, "EventID", 0);
    if (!id_element) return rejected(error, "no <EventID> element");
    const std::string id_text = trimmed(xml_text(id_element->body));
    SmbEvent e;
    auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), e.id);
    if (ec != std::errc{} || p != id_text.data() + id_text.size() || id_text.empty())
        return rejected(error, fmt::format("EventID '{}' is not a number", id_text));
    auto created = next_element(system->body, "TimeCreated", 0);
    auto when = created ? attribute(created->tag, "SystemTime") : std::nullopt;
    auto time = when ? parse_iso8601(*when) : std::nullopt;
    if (!time) return rejected(error, "no parsable TimeCreated/@SystemTime");
    e.time = *time;
    if (auto channel = next_element(system->body, "Channel", 0)) e.channel = trimmed(xml_text(channel->body));
    if (auto server = event_data(xml, "ServerName")) {   // 31017 writes "\172.31.30.112" [E3]
        std::string s = *server;
        s.erase(0, s.find_first_not_of('\\'));
        e.server = s;
    }
    return e;
}

// ---- facts ------------------------------------------------------------------------------------------

namespace {

// The Event Log API's own errors (winerror.h), then the common Win32 ones.
std::string eventlog_error_name(std::uint32_t code) {
    switch (code) {
        case 15000: return "error 15000 (ERROR_EVT_INVALID_CHANNEL_PATH)";
        case 15001: return "error 15001 (ERROR_EVT_INVALID_QUERY)";
        case 15007: return "error 15007 (ERROR_EVT_CHANNEL_NOT_FOUND)";
        default: return win32_error_name(code);
    }
}

std::string read_failure(const ChannelRead& r) {
    return fmt::format("{} on {}: {}", r.failed_call.empty() ? "EvtQuery" : r.failed_call, r.channel,
                       eventlog_error_name(r.api_error));
}

std::string describe(const SmbEvent& e) {
    const SmbEventKind* kind = smb_event_kind(e.id);
    return fmt::format("event {} \"{}\" in {} at {}{}: {}", e.id, kind ? kind->message : "?", e.channel,
                       format_iso8601(e.time), e.server.empty() ? "" : " for server " + e.server,
                       kind ? kind->meaning : "not a failure event kbdiag knows");
}

struct Found {
    std::vector<SmbEvent> events;        // every failure event that parsed, any channel
    std::vector<std::string> problems;   // channels that could not be read, events that did not parse
    bool security_read = false;          // the Security channel's query ran
    int channels_read = 0;
};

Found gather(const std::vector<ChannelRead>& reads) {
    Found f;
    for (const auto& r : reads) {
        if (r.api_error != 0) {
            f.problems.push_back(read_failure(r));
            continue;
        }
        ++f.channels_read;
        if (r.channel == smb_security_channel) f.security_read = true;
        for (const auto& xml : r.events) {
            std::string why;
            auto e = parse_smb_event_xml(xml, &why);
            if (!e) {
                f.problems.push_back(fmt::format("an event from {} could not be read: {}", r.channel, why));
                continue;
            }
            if (!smb_event_kind(e->id)) continue;   // the query asks for these only; anything else is ignored
            e->channel = r.channel;
            f.events.push_back(std::move(*e));
        }
    }
    // Newest first across channels; ties broken by id so the result is the same every run.
    std::stable_sort(f.events.begin(), f.events.end(), [](const SmbEvent& a, const SmbEvent& b) {
        return a.time != b.time ? a.time > b.time : a.id < b.id;
    });
    return f;
}

std::string lookback_text(std::chrono::hours h) {
    return h.count() % 24 == 0 ? fmt::format("{} days", h.count() / 24) : fmt::format("{} hours", h.count());
}

void newest_event_facts(const Found& f, const SmbEventsContext& ctx, FactSink& sink) {
    if (f.events.empty()) {
        const std::string none = fmt::format("no SMB client failure event in the last {}", lookback_text(ctx.lookback));
        sink.set_absent("error.last_smb_event_id", none);
        sink.set_absent("error.last_smb_event_time", none);
        sink.set_absent("error.last_smb_event_server", none);
        return;
    }
    const SmbEvent& e = f.events.front();
    const std::string what = describe(e);
    sink.set("error.last_smb_event_id", static_cast<std::int64_t>(e.id), what);
    sink.set("error.last_smb_event_time", e.time, what);
    if (e.server.empty())
        sink.set_absent("error.last_smb_event_server", fmt::format("event {} names no server", e.id));
    else
        sink.set("error.last_smb_event_server", e.server, what);
    const SmbEventKind* kind = smb_event_kind(e.id);
    const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(ctx.error_code_max_age).count();
    if (kind && kind->error_code && ctx.now - e.time <= max_age)
        sink.set("error.code", std::string(kind->error_code), "from " + what);
}

// A yes/no event fact: true when the event is in the window, false when its channel was read and it is not.
void event_seen_fact(const Found& f, const SmbEventsContext& ctx, std::uint32_t id, const char* fact, FactSink& sink) {
    auto it = std::find_if(f.events.begin(), f.events.end(), [&](const SmbEvent& e) { return e.id == id; });
    if (it != f.events.end())
        sink.set(fact, true, describe(*it));
    else if (f.security_read)
        sink.set(fact, false, fmt::format("no event {} in {} in the last {}", id, smb_security_channel,
                                          lookback_text(ctx.lookback)));
}

void fail_all(FactSink& sink, const std::string& why) {
    for (const char* fact : {"error.last_smb_event_id", "error.last_smb_event_time", "error.last_smb_event_server"})
        sink.set_failed(fact, why);
}

}  // namespace

CollectorOutcome smb_event_facts(const std::vector<ChannelRead>& reads, const SmbEventsContext& ctx, FactSink& sink) {
    if (ctx.wevtapi_missing) {
        if (ctx.under_wine) return {CollectorStatus::skipped, "under Wine: " + ctx.wevtapi_error};
        fail_all(sink, ctx.wevtapi_error);
        return {CollectorStatus::failed, ctx.wevtapi_error};
    }
    Found f = gather(reads);
    if (ctx.under_wine) {   // Wine has no SMB client: whatever its event log API says, these logs do not exist
        std::string what = f.problems.empty() ? std::string("the queries found nothing")
                                              : fmt::format("{}", fmt::join(f.problems, "; "));
        return {CollectorStatus::skipped, "under Wine there is no SMB client event log (" + what + ")"};
    }
    if (f.channels_read == 0) {
        const std::string why = f.problems.empty() ? std::string("no channel was queried")
                                                   : fmt::format("{}", fmt::join(f.problems, "; "));
        fail_all(sink, why);
        return {CollectorStatus::failed, why};
    }
    newest_event_facts(f, ctx, sink);
    event_seen_fact(f, ctx, 31017, "events.insecure_guest_logon_rejected", sink);
    event_seen_fact(f, ctx, 32000, "events.server_requires_smb1", sink);
    if (!f.problems.empty()) return {CollectorStatus::partial, fmt::format("{}", fmt::join(f.problems, "; "))};
    return {CollectorStatus::ok, f.events.empty() ? fmt::format("no failure event in the last {}",
                                                                 lookback_text(ctx.lookback))
                                                   : fmt::format("newest: event {}", f.events.front().id)};
}

}  // namespace kbdiag::win
