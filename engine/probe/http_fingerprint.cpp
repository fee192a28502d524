#include "engine/probe/http_fingerprint.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace kbdiag::probe::http {

namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower(s[i]) != lower(prefix[i])) return false;
    return true;
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = lower(c);
    return out;
}

// Printable ASCII only (the evidence ends up in YAML and JSON), "&nbsp;" as a space, whitespace runs collapsed,
// trimmed, at most max_field_chars.
std::string clean_field(std::string_view raw) {
    std::string out;
    bool space = false;
    for (std::size_t i = 0; i < raw.size() && out.size() < max_field_chars; ++i) {
        char c = raw[i];
        if (starts_with_nocase(raw.substr(i), "&nbsp;")) {
            c = ' ';
            i += 5;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u == 0x7F) {
            space = !out.empty();
            continue;
        }
        if (space) {
            if (out.size() + 2 > max_field_chars) break;   // no room for the space and a character after it
            out.push_back(' ');
        }
        space = false;
        out.push_back(u > 0x7F ? '?' : c);
    }
    return out;
}

std::optional<int> status_code(std::string_view line) {
    // "HTTP/1.0 200 OK", "HTTP/1.1 302 Found"
    if (line.size() < 12 || !starts_with_nocase(line, "HTTP/1.") || line[8] != ' ') return std::nullopt;
    int code = 0;
    for (std::size_t i = 9; i < 12; ++i) {
        if (line[i] < '0' || line[i] > '9') return std::nullopt;
        code = code * 10 + (line[i] - '0');
    }
    return code;
}

std::string title_of(std::string_view text_lower, std::string_view text) {
    const auto open = text_lower.find("<title");
    if (open == std::string_view::npos) return {};
    const auto gt = text_lower.find('>', open);
    if (gt == std::string_view::npos) return {};
    const auto close = text_lower.find("</title", gt);
    const std::size_t end = close == std::string_view::npos ? text.size() : close;
    return clean_field(text.substr(gt + 1, end - gt - 1));
}

enum Places : unsigned { in_server = 1, in_title = 2, in_text = 4, anywhere = 7 };

struct Marker {
    std::string_view text;   // lower case
    const char* vendor;
    unsigned places;
    bool whole_word;         // short or common words: not inside another word
};

// Vendor names and product lines as they appear on the vendors' pages. Short or common words count only in
// the Server header or the title and only as whole words.
constexpr Marker markers[] = {
    {"synology", "synology", anywhere, false},
    {"diskstation", "synology", anywhere, false},
    {"rackstation", "synology", anywhere, false},
    {"qnap", "qnap", anywhere, false},
    {"quts", "qnap", anywhere, true},
    {"qts", "qnap", in_server | in_title, true},
    {"truenas", "truenas", anywhere, false},
    {"freenas", "truenas", anywhere, false},
    {"ixsystems", "truenas", anywhere, false},
    {"asustor", "asustor", anywhere, false},
    {"readynas", "netgear", anywhere, false},
    {"wd my cloud", "wd", anywhere, false},
    {"wdmycloud", "wd", anywhere, false},
    {"my cloud", "wd", in_title, true},
    {"linkstation", "buffalo", anywhere, false},
    {"terastation", "buffalo", anywhere, false},
    {"buffalo", "buffalo", in_server | in_title, true},
    {"microsoft-iis", "windows_server", in_server, false},
};

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool contains(std::string_view hay, std::string_view needle, bool whole_word) {
    for (auto at = hay.find(needle); at != std::string_view::npos; at = hay.find(needle, at + 1)) {
        if (!whole_word) return true;
        const bool left = at == 0 || !word_char(hay[at - 1]);
        const std::size_t after = at + needle.size();
        const bool right = after >= hay.size() || !word_char(hay[after]);
        if (left && right) return true;
    }
    return false;
}

const Marker* first_marker(std::string_view hay_lower, unsigned place) {
    for (const auto& m : markers)
        if ((m.places & place) && contains(hay_lower, m.text, m.whole_word)) return &m;
    return nullptr;
}

std::string vendor_display(std::string_view vendor) {
    if (vendor == "synology") return "Synology";
    if (vendor == "qnap") return "QNAP";
    if (vendor == "truenas") return "TrueNAS";
    if (vendor == "asustor") return "Asustor";
    if (vendor == "netgear") return "Netgear ReadyNAS";
    if (vendor == "wd") return "WD My Cloud";
    if (vendor == "buffalo") return "Buffalo";
    if (vendor == "windows_server") return "Windows (IIS)";
    return std::string(vendor);
}

std::string port_name(std::uint16_t port) {
    const std::string role = port_role(port);
    return role.empty() ? fmt::format("TCP {}", port) : fmt::format("TCP {} ({})", port, role);
}

// Tries each address in turn; the first that accepts wins.
std::unique_ptr<Connection> connect_first(const std::vector<Address>& addresses, std::uint16_t port,
                                          Clock::time_point deadline, std::string& error, bool& timed_out) {
    for (const auto& a : addresses) {
        Resolved r = resolve(a.text, port, deadline);   // numeric: never touches the resolver
        if (r.addresses.empty()) continue;
        NetError kind = NetError::none;
        auto c = connect_tcp(r.addresses.front(), deadline, kind, error);
        if (c) return c;
        timed_out = kind == NetError::timeout;
        if (Clock::now() >= deadline) break;
    }
    if (error.empty()) error = "no address to connect to";
    return nullptr;
}

std::string host_header(const std::string& host, std::uint16_t port) {
    const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return port == 80 ? name : fmt::format("{}:{}", name, port);
}

}  // namespace

std::string port_role(std::uint16_t port) {
    switch (port) {
        case 5000: return "Synology DSM HTTP";
        case 5001: return "Synology DSM HTTPS";
        case 8000: return "Asustor ADM HTTP";
        case 8001: return "Asustor ADM HTTPS";
        default: return {};
    }
}

Answer parse_answer(std::string_view bytes) {
    Answer a;
    const std::string_view s = bytes.substr(0, std::min(bytes.size(), max_answer_bytes));
    const auto first_eol = s.find('\n');
    const std::string_view status_line = s.substr(0, first_eol);
    auto code = status_code(status_line);
    if (!code) return a;
    a.is_http = true;
    a.status = *code;
    if (first_eol == std::string_view::npos) return a;

    // The header block ends at the first empty line; an answer cut short has no text.
    std::size_t pos = first_eol + 1;
    std::size_t text_at = s.size();
    while (pos < s.size()) {
        auto eol = s.find('\n', pos);
        std::string_view line = s.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) {
            text_at = eol == std::string_view::npos ? s.size() : eol + 1;
            break;
        }
        if (starts_with_nocase(line, "server:") && a.server.empty()) a.server = clean_field(line.substr(7));
        if (eol == std::string_view::npos) break;
        pos = eol + 1;
    }
    const std::string_view text = s.substr(text_at);
    a.text = lowered(text);
    a.title = title_of(a.text, text);
    return a;
}

std::optional<Hint> find_vendor(const Answer& answer, std::uint16_t port) {
    if (!answer.is_http) return std::nullopt;
    struct Where {
        Place place;
        unsigned mask;
        std::string hay;
        int confidence;
    };
    // A name in the Server header or the title is the page saying what it is; in the text it may be a link,
    // a compatibility note or a product list, so it counts less.
    const Where places[] = {{Place::server_header, in_server, lowered(answer.server), 50},
                            {Place::title, in_title, lowered(answer.title), 50},
                            {Place::text, in_text, answer.text, 35}};
    for (const auto& w : places) {
        const Marker* m = first_marker(w.hay, w.mask);
        if (!m) continue;
        Hint h;
        h.vendor = m->vendor;
        h.marker = std::string(m->text);
        h.place = w.place;
        // IIS on the server's address says "a Windows machine", not which role it has: weaker than a NAS page.
        h.confidence = h.vendor == "windows_server" ? 30 : w.confidence;
        const std::string who = vendor_display(h.vendor);
        switch (w.place) {
            case Place::server_header:
                h.evidence = fmt::format("{}: Server header \"{}\" names {}", port_name(port), answer.server, who);
                break;
            case Place::title:
                h.evidence = fmt::format("{}: page title \"{}\" names {}", port_name(port), answer.title, who);
                break;
            case Place::text:
                h.evidence = fmt::format("{}: the page mentions \"{}\" ({}; a weak hint: a link or note would too)",
                                         port_name(port), m->text, who);
                break;
        }
        return h;
    }
    return std::nullopt;
}

PortReport check_port(const std::vector<Address>& addresses, std::uint16_t port, bool tls, const std::string& host,
                      Clock::time_point deadline) {
    PortReport r;
    r.port = port;
    r.tls = tls;
    auto c = connect_first(addresses, port, deadline, r.error, r.timed_out);
    if (!c) return r;
    r.open = true;
    r.error.clear();
    if (tls) return r;   // no TLS library: that it accepts a connection is all we learn
    const std::string request = fmt::format("GET / HTTP/1.0\r\nHost: {}\r\nUser-Agent: kbdiag-probe\r\n"
                                            "Accept: text/html\r\nConnection: close\r\n\r\n",
                                            host_header(host, port));
    if (c->send_all(ByteSpan(reinterpret_cast<const std::uint8_t*>(request.data()), request.size()), deadline,
                    r.error) != NetError::none)
        return r;
    std::string raw;
    Bytes chunk;
    // Byte by byte (from the kernel's buffer, so cheap): recv_exact() keeps nothing of a short read, and a
    // page usually ends with the server closing the connection.
    NetError e = NetError::none;
    while (raw.size() < max_answer_bytes && (e = c->recv_exact(1, chunk, deadline, r.error)) == NetError::none)
        raw.push_back(static_cast<char>(chunk[0]));
    if (e == NetError::closed || raw.size() >= max_answer_bytes) r.error.clear();
    r.timed_out = e == NetError::timeout;
    r.bytes = raw.size();
    r.answer = parse_answer(raw);
    r.hint = find_vendor(r.answer, port);
    return r;
}

WebVerdict combine(const std::vector<PortReport>& ports) {
    WebVerdict v;
    const Hint* best = nullptr;
    for (const auto& p : ports) {
        if (!p.hint) continue;
        v.evidence.push_back(p.hint->evidence);
        if (!best || p.hint->confidence > best->confidence) best = &*p.hint;
    }
    if (best) {
        v.vendor = best->vendor;
        v.confidence = best->confidence;
        v.place = best->place;
        const bool disagree = std::any_of(ports.begin(), ports.end(),
                                          [&](const PortReport& p) { return p.hint && p.hint->vendor != v.vendor; });
        if (disagree) {
            v.confidence = std::max(10, v.confidence - 15);
            v.evidence.push_back(
                fmt::format("the admin pages name different vendors: {} kept", vendor_display(v.vendor)));
        }
    }
    for (const auto& p : ports)
        if (p.tls && p.open) v.evidence.push_back(fmt::format("{} accepts connections", port_name(p.port)));
    return v;
}

}  // namespace kbdiag::probe::http
