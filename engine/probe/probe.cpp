#include "engine/probe/probe.hpp"

#include <algorithm>
#include <cctype>
#include <future>
#include <iterator>
#include <random>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "engine/probe/windows_claim.hpp"

namespace kbdiag::probe {

namespace {

bool all_digits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool parse_port(const std::string& s, std::uint16_t& port, std::string& error) {
    if (!all_digits(s) || s.size() > 5) {
        error = fmt::format("'{}' is not a port number", s);
        return false;
    }
    const unsigned long v = std::stoul(s);
    if (v == 0 || v > 65535) {
        error = fmt::format("port {} is out of range (1-65535)", s);
        return false;
    }
    port = static_cast<std::uint16_t>(v);
    return true;
}

bool valid_host(const std::string& h) {
    if (h.empty() || h.size() > 255) return false;
    for (char c : h) {
        auto u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == ':' || c == '%' || u >= 0x80)) return false;
    }
    return h.front() != '-' && h.front() != '.';
}

void fill_random(std::uint8_t* p, std::size_t n) {
    std::random_device rd;
    for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(rd() & 0xff);
}

bool expired(Clock::time_point deadline) { return Clock::now() >= deadline; }

struct Connected {
    std::unique_ptr<Connection> connection;
    std::string address;
};

// Connects to the first address that answers; fills `check`.
Connected connect_any(const std::vector<Address>& addresses, std::uint16_t port, Clock::time_point deadline,
                      PortCheck& check) {
    check.tried = true;
    Connected out;
    for (const auto& a : addresses) {
        Address with_port = a;
        // The sockaddr came from resolve() for the SMB port; other ports re-resolve numerically.
        if (port != 0) {
            Resolved r = resolve(a.text, port, deadline);
            if (r.addresses.empty()) continue;
            with_port = r.addresses.front();
        }
        NetError kind = NetError::none;
        std::string error;
        auto c = connect_tcp(with_port, deadline, kind, error);
        if (c) {
            check.open = true;
            check.error = NetError::none;
            check.message.clear();
            out.connection = std::move(c);
            out.address = a.text;
            return out;
        }
        check.error = kind;
        check.message = fmt::format("{}: {}", a.text, error);
        if (expired(deadline)) break;
    }
    return out;
}

// One connection, one NEGOTIATE offering `dialects`.
struct NegotiateAttempt {
    NetError net = NetError::none;
    std::string error;
    std::optional<smb2::NegotiateResponse> response;
    bool refused = false;   // a clean "no": closed, SMB1 reply, error status
    PortCheck port;         // the TCP connect
    std::string address;    // the address that answered
    std::unique_ptr<Connection> connection;
};

NegotiateAttempt negotiate_once(const std::vector<Address>& addresses, std::uint16_t port,
                                const std::vector<std::uint16_t>& dialects, Clock::time_point deadline) {
    NegotiateAttempt a;
    auto c = connect_any(addresses, port, deadline, a.port);
    if (!c.connection) {
        a.net = a.port.error == NetError::none ? NetError::other : a.port.error;
        a.error = a.port.message.empty() ? "no address to connect to" : a.port.message;
        return a;
    }
    a.address = c.address;
    std::uint8_t guid[16];
    std::uint8_t salt[32];
    fill_random(guid, sizeof guid);
    fill_random(salt, sizeof salt);
    Bytes reply;
    a.net = exchange(*c.connection, smb2::negotiate_request(dialects, guid, salt), reply, deadline, a.error);
    if (a.net != NetError::none) {
        a.refused = a.net == NetError::closed;
        return a;
    }
    auto parsed = smb2::parse_negotiate_response(reply);
    if (!parsed) {
        a.error = parsed.error;
        auto h = smb2::parse_header(reply);
        a.refused = (h && h->status != smb2::status_success) || parsed.error == "the server answered with SMB1";
        return a;
    }
    a.response = *parsed.value;
    a.connection = std::move(c.connection);
    return a;
}

// SESSION_SETUP_ANDX with the NTLMSSP NEGOTIATE on an SMB1 connection: NativeOS, NativeLanMan and, when
// SMB2 gave none, the CHALLENGE.
void smb1_session_setup(Connection& c, Clock::time_point deadline, ProbeResult& r) {
    r.smb1_session_step.tried = true;
    Bytes reply;
    std::string error;
    NetError e = exchange(c, smb1::session_setup_request(ntlmssp::spnego_negotiate()), reply, deadline, error);
    if (e != NetError::none) {
        r.smb1_session_step.error = error;
        r.smb1_session_step.timed_out = e == NetError::timeout;
        return;
    }
    auto ss = smb1::parse_session_setup_response(reply);
    if (!ss) {
        r.smb1_session_step.error = ss.error;
        return;
    }
    r.smb1_native_os = ss->native_os;
    r.smb1_native_lanman = ss->native_lanman;
    if (ss->status != smb2::status_more_processing_required) {
        r.smb1_session_step.error = fmt::format("SESSION_SETUP_ANDX answered status 0x{:08X}", ss->status);
        return;
    }
    r.smb1_session_step.done = true;
    if (!r.challenge) {
        if (auto ch = ntlmssp::parse_challenge_in_blob(ss->security_blob)) r.challenge = *ch.value;
    }
}

}  // namespace

std::optional<ServerSpec> parse_server_spec(const std::string& text_in, std::string& error) {
    std::string text = text_in;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.erase(text.begin());
    ServerSpec s;
    if (text.empty()) {
        error = "empty server name";
        return std::nullopt;
    }
    if (text.front() == '[') {
        auto close = text.find(']');
        if (close == std::string::npos) {
            error = "missing ']' after an IPv6 address";
            return std::nullopt;
        }
        s.host = text.substr(1, close - 1);
        std::string rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':' || !parse_port(rest.substr(1), s.port, error)) {
                if (error.empty()) error = "expected ':PORT' after ']'";
                return std::nullopt;
            }
            s.port_given = true;
        }
    } else if (std::count(text.begin(), text.end(), ':') == 1) {
        auto colon = text.find(':');
        s.host = text.substr(0, colon);
        if (!parse_port(text.substr(colon + 1), s.port, error)) return std::nullopt;
        s.port_given = true;
    } else {
        s.host = text;
    }
    if (!valid_host(s.host)) {
        error = fmt::format("'{}' is not a valid server name or address", s.host);
        return std::nullopt;
    }
    return s;
}

NetError exchange(Connection& c, const Bytes& message, Bytes& reply, Clock::time_point deadline, std::string& error) {
    const Bytes framed = frame(message);
    NetError e = c.send_all(framed, deadline, error);
    if (e != NetError::none) return e;
    for (int keepalives = 0; keepalives < 8; ++keepalives) {
        Bytes header;
        e = c.recv_exact(4, header, deadline, error);
        if (e != NetError::none) return e;
        auto length = frame_length(header, error);
        if (!length) return NetError::other;
        if (*length == 0) continue;   // keep-alive (or an empty message): wait for the real one
        e = c.recv_exact(*length, reply, deadline, error);
        return e;
    }
    error = "only keep-alives from the server";
    return NetError::other;
}

ProbeResult run_probe(const ProbeOptions& options) {
    ProbeResult r;
    const auto start = Clock::now();
    const auto deadline = start + options.budget;
    auto finish = [&]() -> ProbeResult {
        r.elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
        r.budget_exhausted = r.budget_exhausted || expired(deadline);
        r.vendor = guess_vendor(r);
        return std::move(r);
    };

    // 1. Name resolution.
    Resolved resolved = resolve(options.server.host, options.server.port, deadline);
    r.resolve_timed_out = resolved.timed_out;
    if (resolved.addresses.empty()) {
        r.resolve_error = resolved.error;
        return finish();
    }
    r.resolved = true;
    for (const auto& a : resolved.addresses) r.addresses.push_back(a.text);
    r.address = r.addresses.front();
    const auto& addresses = resolved.addresses;
    const std::uint16_t port = options.server.port;

    // 139 in parallel, with its own shorter deadline: a filtered 139 (no answer at all) must neither eat
    // the SMB steps' time nor hold the probe to its whole budget. Joined before returning.
    std::future<PortCheck> check_139;
    const bool do_139 = options.check_139 && port == 445;
    if (do_139) {
        const auto deadline_139 = std::min(deadline, start + std::chrono::milliseconds(1000));
        check_139 = std::async(std::launch::async, [addresses, deadline_139] {
            PortCheck check;
            connect_any(addresses, 139, deadline_139, check);   // the connection closes at once
            return check;
        });
    }

    // Admin web ports in parallel, 1 s at most: a vendor name there refines the SMB signals for NAS.
    std::vector<std::future<http::PortReport>> web;
    if (options.http_always || port == 445) {
        const auto deadline_http = std::min(deadline, start + std::chrono::milliseconds(1000));
        auto launch = [&](std::uint16_t p, bool tls) {
            web.push_back(std::async(std::launch::async, [addresses, p, tls, host = options.server.host,
                                                          deadline_http] {
                return http::check_port(addresses, p, tls, host, deadline_http);
            }));
        };
        for (auto p : options.http_ports) launch(p, false);
        for (auto p : options.tls_ports) launch(p, true);
    }

    // 2. SMB2 NEGOTIATE with every dialect, on the SMB port.
    r.negotiate_step.tried = true;
    NegotiateAttempt first = negotiate_once(addresses, port, smb2::all_dialects(), deadline);
    r.smb_port = first.port;
    if (!first.address.empty()) r.address = first.address;
    if (first.response) {
        r.negotiate = first.response;
        r.negotiate_step.done = true;
    } else {
        r.negotiate_step.error = first.error;
        r.negotiate_step.timed_out = first.net == NetError::timeout;
        r.smb2_refused = r.smb_port.open && first.refused;
        r.negotiate_step.done = r.smb2_refused || !r.smb_port.open;
    }

    // 3. SESSION_SETUP with NTLMSSP NEGOTIATE on the same connection.
    if (first.connection && !expired(deadline)) {
        r.session_step.tried = true;
        Bytes reply;
        std::string error;
        NetError e = exchange(*first.connection, smb2::session_setup_request(ntlmssp::spnego_negotiate()), reply,
                              deadline, error);
        if (e != NetError::none) {
            r.session_step.error = error;
            r.session_step.timed_out = e == NetError::timeout;
        } else if (auto ss = smb2::parse_session_setup_response(reply); !ss) {
            r.session_step.error = ss.error;
        } else if (ss->header.status != smb2::status_more_processing_required) {
            r.session_step.error = fmt::format("SESSION_SETUP answered status 0x{:08X}", ss->header.status);
        } else if (auto ch = ntlmssp::parse_challenge_in_blob(ss->security_blob); !ch) {
            r.session_step.error = ch.error;
        } else {
            r.challenge = *ch.value;
            r.session_step.done = true;
        }
    }
    first.connection.reset();

    // 4. SMB1 NEGOTIATE ("NT LM 0.12").
    if (options.try_smb1 && r.smb_port.open && !expired(deadline)) {
        r.smb1_step.tried = true;
        PortCheck check;
        auto c = connect_any(addresses, port, deadline, check);
        if (!c.connection) {
            r.smb1_step.error = check.message;
            r.smb1_step.timed_out = check.error == NetError::timeout;
        } else {
            Bytes reply;
            std::string error;
            NetError e = exchange(*c.connection, smb1::negotiate_request(), reply, deadline, error);
            if (e == NetError::closed) {
                smb1::NegotiateResponse refused;   // closing the connection is how SMB2-only servers say no
                r.smb1 = refused;
                r.smb1_step.done = true;
                r.smb1_step.error = error;
            } else if (e != NetError::none) {
                r.smb1_step.error = error;
                r.smb1_step.timed_out = e == NetError::timeout;
            } else if (auto p = smb1::parse_negotiate_response(reply); p) {
                r.smb1 = *p.value;
                r.smb1_step.done = true;
                if (r.smb1->accepted() && !expired(deadline)) smb1_session_setup(*c.connection, deadline, r);
            } else if (p.error == "the server answered with SMB2") {
                smb1::NegotiateResponse refused;
                r.smb1 = refused;
                r.smb1_step.done = true;
                r.smb1_step.error = p.error;
            } else {
                r.smb1_step.error = p.error;
            }
        }
    }

    // 5. Every dialect below the chosen one, one connection each.
    if (r.negotiate) {
        r.dialects.push_back(r.negotiate->dialect);
        if (options.enumerate_dialects) {
            r.dialect_step.tried = true;
            bool complete = true;
            for (auto d : smb2::all_dialects()) {
                if (d >= r.negotiate->dialect) continue;
                if (expired(deadline)) {
                    complete = false;
                    break;
                }
                NegotiateAttempt a = negotiate_once(addresses, port, {d}, deadline);
                if (a.response && a.response->dialect == d) {
                    r.dialects.push_back(d);
                } else if (!a.refused && !a.response) {
                    complete = false;   // timed out or garbled: unknown, not "unsupported"
                    r.dialect_step.error = fmt::format("{}: {}", smb2::dialect_name(d), a.error);
                    r.dialect_step.timed_out = r.dialect_step.timed_out || a.net == NetError::timeout;
                }
            }
            r.dialect_step.done = complete;
            std::sort(r.dialects.begin(), r.dialects.end());
        }
    }

    if (do_139) r.port_139 = check_139.get();
    for (auto& f : web) r.http.push_back(f.get());
    return finish();
}

namespace {

// What the probe saw that a server's claim to be Windows must agree with (windows_claim.hpp).
WindowsClaimEvidence windows_claim_evidence(const ProbeResult& r) {
    WindowsClaimEvidence e;
    e.version = *r.challenge->version;
    e.netbios_name = r.challenge->netbios_computer;
    if (r.negotiate) {
        e.dialect = r.negotiate->dialect;
        e.server_guid.emplace(std::begin(r.negotiate->server_guid), std::end(r.negotiate->server_guid));
    }
    return e;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A version that claims Windows but does not hold up: macOS when it is Apple's constant, else no guess.
void doubted_windows_claim(const ProbeResult& r, const std::vector<std::string>& doubts, VendorGuess& g) {
    const auto& v = *r.challenge->version;
    std::string why;
    for (const auto& d : doubts) why += (why.empty() ? "" : "; ") + d;
    g.evidence.push_back(fmt::format("NTLMSSP version {} claims Windows, but {}", v.text(), why));
    if (!is_apple_smbx_version(v)) return;
    g.vendor = "macos";
    g.confidence = 50;
    g.evidence.push_back("NTLMSSP version 6.1.7600 is what macOS file sharing (Apple's SMB server) sends: "
                         "probably a Mac");
    if (ends_with(r.challenge->dns_computer, ".local")) {
        g.confidence = 60;
        g.evidence.push_back(fmt::format("DNS name \"{}\" in .local (Bonjour), as a Mac names itself",
                                         r.challenge->dns_computer));
    }
}

// The NTLMSSP VERSION's verdict: Samba's constant, a Windows release whose claim holds, or a claim that does not
// (`windows_doubted`).
void guess_from_ntlmssp_version(const ProbeResult& r, VendorGuess& g, bool& windows_doubted) {
    if (!r.challenge) return;
    if (!r.challenge->version) {
        g.evidence.push_back("NTLMSSP CHALLENGE without a VERSION field");
        return;
    }
    const auto& v = *r.challenge->version;
    if (v.major == 6 && v.minor == 1 && v.build == 0) {
        g.vendor = "samba";
        g.confidence = 80;
        g.evidence.push_back("NTLMSSP version 6.1 build 0: the constant Samba sends (Windows reports its real build)");
        return;
    }
    if (v.build == 0 || v.major < 5) return;
    if (auto doubts = windows_claim_doubts(windows_claim_evidence(r)); !doubts.empty()) {
        windows_doubted = true;
        doubted_windows_claim(r, doubts, g);
        return;
    }
    g.vendor = "windows_server";
    // Server builds: 2016 14393, 2019 17763, 2022 20348, 2025 26100 (26100 is also Windows 11 24H2).
    const bool server_build = v.build == 14393 || v.build == 17763 || v.build == 20348 || v.build == 26100 ||
                              v.build == 9600 || v.build == 9200;
    g.confidence = server_build ? 75 : 60;
    g.evidence.push_back(fmt::format("NTLMSSP version {}: a real Windows build number", v.text()));
}

// Samba (4.17 observed) fills the SMB2 ServerGuid with its NetBIOS name in lower case, zero-padded.
void guess_from_server_guid(const ProbeResult& r, VendorGuess& g) {
    if (!r.negotiate || !r.challenge || r.challenge->netbios_computer.empty() ||
        r.challenge->netbios_computer.size() > 16)
        return;
    std::uint8_t expected[16] = {};
    for (std::size_t i = 0; i < r.challenge->netbios_computer.size(); ++i)
        expected[i] =
            static_cast<std::uint8_t>(std::tolower(static_cast<unsigned char>(r.challenge->netbios_computer[i])));
    if (!std::equal(expected, expected + 16, r.negotiate->server_guid)) return;
    g.evidence.push_back("the SMB2 server GUID spells the NetBIOS name, as Samba's does");
    if (g.vendor == "samba") {
        g.confidence = 90;
    } else if (g.vendor.empty()) {
        g.vendor = "samba";
        g.confidence = 70;
    }
}

// SMB1 NativeLanMan: "Samba ..." or "Windows ..." (Samba's NativeOS says "Windows 6.1" too: not that). A
// Windows NativeLanMan does not outweigh a Windows claim that failed its checks: it is the same claim.
void guess_from_native_lanman(const ProbeResult& r, bool windows_doubted, VendorGuess& g) {
    if (r.smb1_native_lanman.rfind("Samba", 0) == 0) {
        g.evidence.push_back(fmt::format("SMB1 NativeLanMan \"{}\"", r.smb1_native_lanman));
        if (g.vendor.empty() || g.vendor == "samba") {
            g.vendor = "samba";
            g.confidence = 95;
        }
    } else if (r.smb1_native_lanman.rfind("Windows", 0) == 0) {
        g.evidence.push_back(fmt::format("SMB1 NativeLanMan \"{}\" (NativeOS \"{}\")", r.smb1_native_lanman,
                                         r.smb1_native_os));
        if (windows_doubted) return;
        if (g.vendor.empty()) {
            g.vendor = "windows_server";
            g.confidence = 70;
        } else if (g.vendor == "windows_server") {
            g.confidence = std::min(90, g.confidence + 10);
        }
    }
}

// The SMB side of the vendor guess: the NTLMSSP VERSION, the SMB2 server GUID, SMB1 NativeLanMan.
VendorGuess smb_vendor(const ProbeResult& r) {
    VendorGuess g;
    bool windows_doubted = false;
    guess_from_ntlmssp_version(r, g, windows_doubted);
    guess_from_server_guid(r, g);
    guess_from_native_lanman(r, windows_doubted, g);
    return g;
}

// Folds the admin web pages' verdict into the SMB side's guess. NAS firmware runs Samba, so a NAS vendor's
// page refines "samba"; alone it is weaker; against a Windows SMB side the signals conflict.
void add_web_verdict(VendorGuess& g, const http::WebVerdict& web) {
    for (const auto& e : web.evidence) g.evidence.push_back(e);
    if (web.vendor.empty()) return;
    if (web.vendor == "windows_server") {   // IIS answering on the server's address
        if (g.vendor == "windows_server") g.confidence = std::min(90, g.confidence + 10);
        if (!g.vendor.empty()) return;
        g.vendor = web.vendor;
        g.confidence = web.confidence;
        return;
    }
    if (g.vendor == "samba") {
        g.confidence = std::min(95, web.confidence + 35);
    } else if (g.vendor.empty()) {
        g.confidence = web.confidence;
    } else {
        g.evidence.push_back(fmt::format("conflicting signals: the SMB side looked like {} ({}%)", g.vendor,
                                         g.confidence));
        g.confidence = std::max(10, web.confidence - 10);
    }
    g.vendor = web.vendor;
}

// A NativeOS of Windows before Vista: "Windows 5.1" (XP), "Windows Server 2003 3790 Service Pack 2", ...
bool pre_vista_native_os(const std::string& os) {
    for (const char* marker : {"Windows 5.", "Windows 2000", "Windows XP", "Windows Server 2003"})
        if (os.rfind(marker, 0) == 0) return true;
    return false;
}

// Why a Windows server speaks only SMB1: a release before Vista never had SMB2 (its NTLMSSP version or NativeOS
// says which); a later one has it turned off.
std::string windows_smb1_only_evidence(const ProbeResult& r) {
    constexpr const char* smb2_since = "SMB2 came with Windows Vista and Server 2008";
    const auto version = r.challenge ? r.challenge->version : std::nullopt;
    const auto release = version ? windows_release(*version) : std::nullopt;
    if (release && release->max_dialect == 0)
        return fmt::format("speaks only SMB1, as {} (NTLMSSP version {}) does: {}", release->name, version->text(),
                           smb2_since);
    if (release)
        return fmt::format("speaks only SMB1: {} (NTLMSSP version {}) has SMB2, turned off on this server",
                           release->name, version->text());
    if (pre_vista_native_os(r.smb1_native_os))
        return fmt::format("speaks only SMB1, as Windows before Vista (NativeOS \"{}\") does: {}", r.smb1_native_os,
                           smb2_since);
    return "speaks only SMB1: Windows before Vista and Server 2008, or a later one with SMB2 turned off";
}

// Why the server speaks only SMB1, from what it said about itself.
std::string smb1_only_evidence(const ProbeResult& r, const VendorGuess& g) {
    if (g.vendor == "windows_server") return windows_smb1_only_evidence(r);
    if (g.vendor == "samba")
        return "speaks only SMB1: Samba before 3.6, or set to `server max protocol = NT1` (the Samba 3.6 default)";
    return "speaks only SMB1: an old NAS firmware or Samba 3.x";   // nothing it said tells more
}

}  // namespace

VendorGuess guess_vendor(const ProbeResult& r) {
    VendorGuess g = smb_vendor(r);
    add_web_verdict(g, http::combine(r.http));
    if (r.smb1 && r.smb1->accepted() && !r.negotiate && r.smb2_refused) {
        if (g.vendor.empty()) {
            g.vendor = "other";
            g.confidence = 30;
        }
        g.evidence.push_back(smb1_only_evidence(r, g));
    }
    return g;
}

}  // namespace kbdiag::probe
