#pragma once
// The NAS admin web ports as a vendor hint (issue 4, domain reference §5.4): a plain `GET / HTTP/1.0` on the
// plain-HTTP admin ports, at most max_answer_bytes read, and the vendor markers in the answer's Server header,
// <title> and text. For the TLS ports (5001, 8001, 443) only whether they accept a connection is noted: the
// probe has no TLS library. Hints only, each with its own confidence; guess_vendor (probe.cpp) combines them
// with the SMB signals. Every byte is untrusted: the parser looks at a bounded prefix and never throws.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/probe/net.hpp"

namespace kbdiag::probe::http {

constexpr std::size_t max_answer_bytes = 8192;   // enough for the header and the <title> of every NAS page seen
constexpr std::size_t max_field_chars = 120;     // Server header and <title> as kept in the evidence

// Synology DSM 5000 [S43], Asustor ADM 8000 [S48]; 80 and 8080: the web UI ports the reference lists for QNAP,
// TrueNAS, WD, ReadyNAS and Buffalo as UNCONFIRMED (the port says nothing: only a marker in the answer counts).
inline const std::vector<std::uint16_t>& default_plain_ports() {
    static const std::vector<std::uint16_t> p{5000, 8000, 80, 8080};
    return p;
}
// Synology DSM HTTPS 5001 [S43], Asustor ADM HTTPS 8001 [S48], 443: connect only.
inline const std::vector<std::uint16_t>& default_tls_ports() {
    static const std::vector<std::uint16_t> p{5001, 8001, 443};
    return p;
}
// "Synology DSM HTTPS" for the known admin ports, "" for others.
std::string port_role(std::uint16_t port);

// What the first bytes of an answer say.
struct Answer {
    bool is_http = false;   // starts with a status line "HTTP/1.x NNN"
    int status = 0;
    std::string server;     // the Server header: printable ASCII, whitespace collapsed, at most max_field_chars
    std::string title;      // the <title> text, cleaned the same way
    std::string text;       // everything after the header block, lower-cased, at most max_answer_bytes
};
Answer parse_answer(std::string_view bytes);

enum class Place { server_header, title, text };

struct Hint {
    std::string vendor;     // a server.vendor value (synology, qnap, truenas, asustor, netgear, wd, buffalo,
                            // windows_server)
    std::string marker;     // what matched, as spelled in the marker table ("DiskStation")
    Place place = Place::text;
    int confidence = 0;     // of this hint alone, percent
    std::string evidence;   // one sentence naming the port, the place and the text
};
// The most telling vendor marker of an answer read from `port` (Server header, then <title>, then the text);
// nullopt when there is none or the answer is not HTTP.
std::optional<Hint> find_vendor(const Answer& answer, std::uint16_t port);

// One admin port as the probe saw it.
struct PortReport {
    std::uint16_t port = 0;
    bool tls = false;        // connect only
    bool open = false;       // accepted a TCP connection by the deadline
    std::size_t bytes = 0;   // bytes read (plain ports), at most max_answer_bytes
    bool timed_out = false;  // the answer did not end (close) by the deadline
    std::string error;
    Answer answer;
    std::optional<Hint> hint;
};
// Connects to `port` on the first address that accepts; for a plain port sends `GET / HTTP/1.0` with `host`
// as the Host header and reads until the server closes, max_answer_bytes arrived or the deadline passed.
PortReport check_port(const std::vector<Address>& addresses, std::uint16_t port, bool tls, const std::string& host,
                      Clock::time_point deadline);

// The web side's verdict over every port: the strongest hint; a second port naming another vendor lowers it.
struct WebVerdict {
    std::string vendor;   // empty: no hint
    int confidence = 0;
    Place place = Place::text;
    std::vector<std::string> evidence;   // every hint, then every open TLS admin port
};
WebVerdict combine(const std::vector<PortReport>& ports);

}  // namespace kbdiag::probe::http
