#pragma once
// The server probe: asks an SMB server what it negotiates, without credentials, under a total time budget.
// Steps (each skipped once the budget is spent): resolve the name; connect to the SMB port (445 or the one
// given) and, in parallel, to 139; SMB2 NEGOTIATE offering 2.0.2..3.1.1; SESSION_SETUP with an NTLMSSP
// NEGOTIATE token to read the CHALLENGE; an SMB1 "NT LM 0.12" NEGOTIATE; one NEGOTIATE per lower dialect
// to list every dialect the server accepts. Nothing here throws for network input.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/probe/http_fingerprint.hpp"
#include "engine/probe/net.hpp"
#include "engine/probe/smb.hpp"

namespace kbdiag::probe {

struct ServerSpec {
    std::string host;   // name, IPv4, or IPv6 (brackets removed)
    std::uint16_t port = 445;
    bool port_given = false;
};
// "host", "host:port", "[v6]", "[v6]:port", "v6" (more than one colon: no port). nullopt + error on garbage.
std::optional<ServerSpec> parse_server_spec(const std::string& text, std::string& error);

struct ProbeOptions {
    ServerSpec server;
    std::chrono::milliseconds budget{3000};
    bool check_139 = true;           // only when the SMB port is the default 445
    bool try_smb1 = true;
    bool enumerate_dialects = true;
    // NAS admin web ports checked in parallel (1 s at most) for a vendor name (http_fingerprint.hpp): `GET /` on
    // the plain ones, a connect only on the TLS ones. Empty: none. Used only when the SMB port is 445 unless
    // `http_always` (tests).
    std::vector<std::uint16_t> http_ports = http::default_plain_ports();
    std::vector<std::uint16_t> tls_ports = http::default_tls_ports();
    bool http_always = false;
};

struct PortCheck {
    bool tried = false;
    bool open = false;
    NetError error = NetError::none;
    std::string message;
};

struct StepResult {
    bool tried = false;
    bool done = false;        // a definitive answer (value or a clean refusal)
    bool timed_out = false;
    std::string error;
};

struct VendorGuess {
    std::string vendor;        // a server.vendor value (samba, windows_server, ...), empty when no guess
    int confidence = 0;        // percent
    std::vector<std::string> evidence;
};

struct ProbeResult {
    bool resolved = false;
    std::string resolve_error;
    bool resolve_timed_out = false;
    std::vector<std::string> addresses;
    std::string address;   // the one that answered on the SMB port (else the first resolved)
    PortCheck smb_port;
    PortCheck port_139;

    StepResult negotiate_step;
    std::optional<smb2::NegotiateResponse> negotiate;
    bool smb2_refused = false;   // the server answered but will not speak SMB2 (closed, SMB1 reply, error status)

    StepResult session_step;
    std::optional<ntlmssp::Challenge> challenge;

    StepResult smb1_step;
    std::optional<smb1::NegotiateResponse> smb1;
    StepResult smb1_session_step;   // SESSION_SETUP_ANDX after an accepted SMB1 NEGOTIATE
    std::string smb1_native_os, smb1_native_lanman;

    StepResult dialect_step;                 // done: every dialect below the chosen one was tried
    std::vector<std::uint16_t> dialects;     // accepted dialects, ascending

    std::vector<http::PortReport> http;    // the admin web ports, in the order of http_ports then tls_ports

    std::int64_t elapsed_ms = 0;
    bool budget_exhausted = false;
    VendorGuess vendor;
};

ProbeResult run_probe(const ProbeOptions& options);

// Combines the probe's signals into a vendor guess (pure: unit-testable).
VendorGuess guess_vendor(const ProbeResult& result);

// Sends one framed message and reads one framed reply (keep-alives skipped), by the deadline.
NetError exchange(Connection& c, const Bytes& message, Bytes& reply, Clock::time_point deadline, std::string& error);

}  // namespace kbdiag::probe
