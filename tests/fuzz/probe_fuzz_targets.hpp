#pragma once
// The probe's response parsers as fuzz targets, one per parser family. fuzz_main.cpp turns each into a libFuzzer
// binary (preset `fuzz`); tests/unit/test_probe_fuzz.cpp runs them on the recorded replies in the unit tests.
// Besides "no crash, no sanitizer finding", each checks what its parser promises and traps when it does not.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/probe/http_fingerprint.hpp"
#include "engine/probe/smb.hpp"

namespace kbdiag::fuzz {

using probe::ByteSpan;

// A failed promise is a finding: abort so that libFuzzer keeps the input.
inline void require(bool promise) {
    if (!promise) __builtin_trap();
}

inline bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
        i += n;
    }
    return true;
}

// SMB2 NEGOTIATE response (header, dialect, GUID, 3.1.1 negotiate contexts) and the names made from it.
inline int smb2_negotiate(const std::uint8_t* data, std::size_t size) {
    ByteSpan s(data, size);
    (void)probe::smb2::parse_header(s);
    auto n = probe::smb2::parse_negotiate_response(s);
    if (n) {
        require(n->security_blob.size() <= size);
        (void)probe::smb2::dialect_name(n->dialect);
        (void)probe::smb2::capability_names(n->capabilities);
        require(probe::smb2::guid_string(n.value->server_guid).size() == 36);
        (void)probe::filetime_to_unix(n->system_time);
    } else {
        require(!n.error.empty());
    }
    return 0;
}

// SMB1 NEGOTIATE response (accepted "NT LM 0.12" or refused).
inline int smb1_negotiate(const std::uint8_t* data, std::size_t size) {
    auto n = probe::smb1::parse_negotiate_response(ByteSpan(data, size));
    if (n) (void)probe::filetime_to_unix(n->system_time);
    else require(!n.error.empty());
    return 0;
}

inline void check_challenge(const probe::Parsed<probe::ntlmssp::Challenge>& c) {
    if (!c) return;
    // The AV pairs are UTF-16 on the wire: what the facts get must be valid UTF-8.
    require(valid_utf8(c->netbios_computer) && valid_utf8(c->netbios_domain) && valid_utf8(c->dns_computer) &&
            valid_utf8(c->dns_domain) && valid_utf8(c->dns_tree));
    if (c->version) (void)c->version->text();
    if (c->timestamp) (void)probe::filetime_to_unix(*c->timestamp);
}

// SESSION_SETUP answers: SMB2 and SMB1 (NativeOS / NativeLanMan), the SPNEGO blob, the NTLMSSP CHALLENGE.
inline int session_setup(const std::uint8_t* data, std::size_t size) {
    ByteSpan s(data, size);
    if (auto ss = probe::smb2::parse_session_setup_response(s)) {
        require(ss->security_blob.size() <= size);
        check_challenge(probe::ntlmssp::parse_challenge_in_blob(ss->security_blob));
    }
    if (auto ss = probe::smb1::parse_session_setup_response(s)) {
        require(ss->security_blob.size() <= size);
        require(valid_utf8(ss->native_os) && valid_utf8(ss->native_lanman));
        check_challenge(probe::ntlmssp::parse_challenge_in_blob(ss->security_blob));
    }
    check_challenge(probe::ntlmssp::parse_challenge(s));
    check_challenge(probe::ntlmssp::parse_challenge_in_blob(s));
    require(valid_utf8(probe::ntlmssp::utf16le_to_utf8(s)));
    return 0;
}

// NetBIOS session framing as exchange() reads a stream: up to 8 keep-alives, then one message; the message
// framed again must announce its own length.
inline int netbios_framing(const std::uint8_t* data, std::size_t size) {
    ByteSpan stream(data, size);
    std::size_t at = 0;
    for (int keepalives = 0; keepalives < 8; ++keepalives) {
        auto header = probe::slice(stream, at, 4);
        if (!header) return 0;
        std::string error;
        auto length = probe::frame_length(*header, error);
        if (!length) {
            require(!error.empty());
            return 0;
        }
        require(*length <= probe::max_message_size);
        at += 4;
        if (*length == 0) continue;
        auto body = probe::slice(stream, at, *length);
        if (!body) return 0;
        probe::Bytes message(body->begin(), body->end());
        const probe::Bytes framed = probe::frame(message);
        std::string again_error;
        auto again = probe::frame_length(ByteSpan(framed.data(), 4), again_error);
        require(again && *again == message.size() && framed.size() == message.size() + 4);
        (void)probe::smb2::parse_header(message);
        return 0;
    }
    return 0;
}

// An admin web page's answer: status line, Server header, <title>, vendor markers, and the web verdict.
inline int http_answer(const std::uint8_t* data, std::size_t size) {
    namespace http = probe::http;
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    http::Answer a = http::parse_answer(raw);
    require(a.server.size() <= http::max_field_chars && a.title.size() <= http::max_field_chars);
    require(a.text.size() <= http::max_answer_bytes);
    for (char c : a.server + a.title) require(c >= 0x20 && c < 0x7F);   // evidence goes to YAML and JSON
    require(a.is_http || (a.server.empty() && a.title.empty() && a.text.empty()));
    http::PortReport port;
    port.port = 5000;
    port.open = true;
    port.answer = a;
    port.hint = http::find_vendor(a, port.port);
    if (port.hint) require(a.is_http && !port.hint->vendor.empty() && port.hint->confidence > 0);
    auto verdict = http::combine({port, port});
    require(verdict.vendor == (port.hint ? port.hint->vendor : std::string()));
    return 0;
}

}  // namespace kbdiag::fuzz
