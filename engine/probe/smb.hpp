#pragma once
// SMB1/SMB2 and NTLMSSP messages for the server probe: request builders and response parsers.
// No I/O here: parsers take the bytes of one message (without the 4-byte NetBIOS session header) and
// return either a result or a one-line error. They never read outside the span, check every length and
// offset, and treat every byte as hostile.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/probe/wire.hpp"

namespace kbdiag::probe {

// A parse result: the value, or an error message.
template <class T>
struct Parsed {
    std::optional<T> value;
    std::string error;
    explicit operator bool() const { return value.has_value(); }
    const T& operator*() const { return *value; }
    const T* operator->() const { return &*value; }
};

// ---- NetBIOS session service framing (TCP 445 and 139) -----------------------------------------
constexpr std::size_t max_message_size = 1u << 17;   // probe replies are small; a bigger frame is hostile
// Prefixes a message with the 4-byte session header (type 0, 24-bit big-endian length).
Bytes frame(const Bytes& message);
// Length of the message announced by a 4-byte session header; nullopt with `error` when the header is not
// a session message or announces more than max_message_size. Keep-alives (type 0x85) give 0.
std::optional<std::size_t> frame_length(ByteSpan header, std::string& error);

// ---- SMB2 --------------------------------------------------------------------------------------
namespace smb2 {
constexpr std::uint16_t cmd_negotiate = 0;
constexpr std::uint16_t cmd_session_setup = 1;
constexpr std::uint32_t status_success = 0;
constexpr std::uint32_t status_more_processing_required = 0xC0000016;
constexpr std::uint32_t status_not_supported = 0xC00000BB;
constexpr std::uint32_t status_invalid_parameter = 0xC000000D;

constexpr std::uint16_t dialect_202 = 0x0202, dialect_210 = 0x0210, dialect_300 = 0x0300, dialect_302 = 0x0302,
                        dialect_311 = 0x0311, dialect_wildcard = 0x02FF;
inline const std::vector<std::uint16_t>& all_dialects() {
    static const std::vector<std::uint16_t> d{dialect_202, dialect_210, dialect_300, dialect_302, dialect_311};
    return d;
}
// "2.0.2", "2.1", "3.0", "3.0.2", "3.1.1"; "0x1234" for anything else.
std::string dialect_name(std::uint16_t dialect);

constexpr std::uint16_t security_signing_enabled = 0x0001;
constexpr std::uint16_t security_signing_required = 0x0002;
// Capability flag names (DFS, LEASING, LARGE_MTU, MULTI_CHANNEL, PERSISTENT_HANDLES, DIRECTORY_LEASING,
// ENCRYPTION, NOTIFICATIONS; unknown bits as 0x...).
std::vector<std::string> capability_names(std::uint32_t capabilities);

// NEGOTIATE offering `dialects` (3.1.1 adds the preauth-integrity and encryption negotiate contexts).
// `client_guid` and `salt` are 16 and 32 bytes of the caller's choice (any content works).
Bytes negotiate_request(const std::vector<std::uint16_t>& dialects, const std::uint8_t (&client_guid)[16],
                        const std::uint8_t (&salt)[32]);

struct Header {
    std::uint32_t status = 0;
    std::uint16_t command = 0;
    std::uint32_t flags = 0;
    std::uint64_t message_id = 0;
    std::uint64_t session_id = 0;
};
Parsed<Header> parse_header(ByteSpan message);

struct NegotiateResponse {
    Header header;
    std::uint16_t security_mode = 0;
    std::uint16_t dialect = 0;
    std::uint8_t server_guid[16] = {};
    std::uint32_t capabilities = 0;
    std::uint32_t max_transact = 0, max_read = 0, max_write = 0;
    std::uint64_t system_time = 0;    // FILETIME (100 ns since 1601), 0 when not given
    std::uint64_t start_time = 0;
    Bytes security_blob;              // the server's SPNEGO hint (may be empty)
    std::vector<std::uint16_t> ciphers;           // from an ENCRYPTION_CAPABILITIES context (3.1.1)
    std::vector<std::uint16_t> signing_algorithms;  // from a SIGNING_CAPABILITIES context (3.1.1)
    std::vector<std::uint16_t> context_types;     // every negotiate context the server sent
};
// A successful NEGOTIATE response. A non-success status is an error naming the status.
Parsed<NegotiateResponse> parse_negotiate_response(ByteSpan message);

// SESSION_SETUP carrying `security_blob` (e.g. a SPNEGO-wrapped NTLMSSP NEGOTIATE), MessageId 1.
Bytes session_setup_request(const Bytes& security_blob);

struct SessionSetupResponse {
    Header header;   // header.status: STATUS_MORE_PROCESSING_REQUIRED when a challenge follows
    std::uint16_t session_flags = 0;
    Bytes security_blob;
};
// Any SESSION_SETUP response with a well-formed body (or the 9-byte error body of a failure status).
Parsed<SessionSetupResponse> parse_session_setup_response(ByteSpan message);

std::string guid_string(const std::uint8_t (&guid)[16]);
}  // namespace smb2

// ---- SMB1 --------------------------------------------------------------------------------------
namespace smb1 {
// SMB_COM_NEGOTIATE offering only "NT LM 0.12".
Bytes negotiate_request();

struct NegotiateResponse {
    std::uint32_t status = 0;
    std::uint16_t dialect_index = 0xFFFF;   // 0 = "NT LM 0.12" accepted; 0xFFFF = none
    std::uint8_t security_mode = 0;         // 0x04 signatures enabled, 0x08 signatures required
    std::uint32_t capabilities = 0;
    std::uint64_t system_time = 0;
    bool accepted() const { return status == 0 && dialect_index == 0; }
    bool signing_enabled() const { return security_mode & 0x04; }
    bool signing_required() const { return security_mode & 0x08; }
};
// Parses an SMB1 NEGOTIATE response (any word count: a refusal has 1 word). An SMB2 reply is an error.
Parsed<NegotiateResponse> parse_negotiate_response(ByteSpan message);

// SMB_COM_SESSION_SETUP_ANDX (extended security form) carrying `security_blob`, MID 1, empty NativeOS/LanMan.
Bytes session_setup_request(const Bytes& security_blob);

struct SessionSetupResponse {
    std::uint32_t status = 0;   // STATUS_MORE_PROCESSING_REQUIRED when a challenge follows
    Bytes security_blob;
    std::string native_os;       // e.g. "Windows 6.1" (Samba), "Windows Server 2003 3790 Service Pack 2"
    std::string native_lanman;   // e.g. "Samba 4.17.12-Debian"
};
// An extended-security SESSION_SETUP_ANDX response (4 words); an error reply (0 words) has only `status`.
// NativeOS / NativeLanMan are read as Unicode or OEM as the reply's Flags2 SMB_FLAGS2_UNICODE says.
Parsed<SessionSetupResponse> parse_session_setup_response(ByteSpan message);
}  // namespace smb1

// ---- NTLMSSP and SPNEGO ------------------------------------------------------------------------
namespace ntlmssp {
constexpr std::uint32_t negotiate_version = 0x02000000;
// A NEGOTIATE_MESSAGE (type 1) asking for target info and the version.
Bytes negotiate_message();
// The NEGOTIATE message wrapped in a SPNEGO NegTokenInit (GSS-API, NTLMSSP mechanism only).
Bytes spnego_negotiate();

struct Version {
    std::uint8_t major = 0, minor = 0;
    std::uint16_t build = 0;
    std::uint8_t revision = 0;
    std::string text() const;   // "6.1.0"
};

struct Challenge {
    std::uint32_t flags = 0;
    std::string target_name;
    std::string netbios_computer, netbios_domain, dns_computer, dns_domain, dns_tree;
    std::optional<std::uint64_t> timestamp;   // FILETIME from MsvAvTimestamp
    std::optional<Version> version;           // only when NTLMSSP_NEGOTIATE_VERSION is set
};
// Parses a CHALLENGE_MESSAGE (type 2) that starts at the beginning of `message`.
Parsed<Challenge> parse_challenge(ByteSpan message);
// Finds the NTLMSSP message inside a security blob (raw or inside a SPNEGO NegTokenResp) and parses it.
Parsed<Challenge> parse_challenge_in_blob(ByteSpan blob);

// UTF-16LE to UTF-8 (unpaired surrogates become U+FFFD; an odd trailing byte is dropped).
std::string utf16le_to_utf8(ByteSpan s);
}  // namespace ntlmssp

// FILETIME (100 ns since 1601-01-01) to Unix seconds; nullopt for 0 or values outside 1970..9999.
std::optional<std::int64_t> filetime_to_unix(std::uint64_t filetime);

}  // namespace kbdiag::probe
