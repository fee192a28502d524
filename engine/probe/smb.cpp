#include "engine/probe/smb.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace kbdiag::probe {

namespace {

template <class T>
Parsed<T> fail(std::string message) {
    Parsed<T> p;
    p.error = std::move(message);
    return p;
}

template <class T>
Parsed<T> ok(T value) {
    Parsed<T> p;
    p.value = std::move(value);
    return p;
}

constexpr std::uint8_t smb2_magic[4] = {0xFE, 'S', 'M', 'B'};
constexpr std::uint8_t smb1_magic[4] = {0xFF, 'S', 'M', 'B'};
constexpr std::size_t smb2_header_size = 64;

bool starts_with(ByteSpan s, const std::uint8_t (&magic)[4]) {
    return s.size() >= 4 && std::equal(magic, magic + 4, s.begin());
}

void smb2_header(Writer& w, std::uint16_t command, std::uint64_t message_id) {
    w.bytes(smb2_magic);
    w.u16(64);   // StructureSize
    w.u16(0);    // CreditCharge
    w.u32(0);    // Status
    w.u16(command);
    w.u16(31);   // CreditRequest
    w.u32(0);    // Flags
    w.u32(0);    // NextCommand
    w.u64(message_id);
    w.u32(0xFEFF);   // Reserved (ProcessId)
    w.u32(0);        // TreeId
    w.u64(0);        // SessionId
    w.zeros(16);     // Signature
}

std::string status_text(std::uint32_t status) {
    switch (status) {
        case smb2::status_not_supported: return "STATUS_NOT_SUPPORTED";
        case smb2::status_invalid_parameter: return "STATUS_INVALID_PARAMETER";
        case 0xC0000022: return "STATUS_ACCESS_DENIED";
        case 0xC000006D: return "STATUS_LOGON_FAILURE";
        case 0xC0000002: return "STATUS_NOT_IMPLEMENTED";
        case 0xC0000001: return "STATUS_UNSUCCESSFUL";
        default: return fmt::format("0x{:08X}", status);
    }
}

// DER length bytes.
void der_length(Bytes& out, std::size_t n) {
    if (n < 0x80) {
        out.push_back(static_cast<std::uint8_t>(n));
    } else if (n < 0x100) {
        out.push_back(0x81);
        out.push_back(static_cast<std::uint8_t>(n));
    } else {
        out.push_back(0x82);
        out.push_back(static_cast<std::uint8_t>((n >> 8) & 0xff));
        out.push_back(static_cast<std::uint8_t>(n & 0xff));
    }
}

Bytes der(std::uint8_t tag, const Bytes& content) {
    Bytes out{tag};
    der_length(out, content.size());
    out.insert(out.end(), content.begin(), content.end());
    return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace

// ---- framing -------------------------------------------------------------------------------------

Bytes frame(const Bytes& message) {
    Bytes out;
    out.reserve(message.size() + 4);
    const std::size_t n = std::min<std::size_t>(message.size(), 0xFFFFFF);
    out.push_back(0);
    out.push_back(static_cast<std::uint8_t>((n >> 16) & 0xff));
    out.push_back(static_cast<std::uint8_t>((n >> 8) & 0xff));
    out.push_back(static_cast<std::uint8_t>(n & 0xff));
    out.insert(out.end(), message.begin(), message.end());
    return out;
}

std::optional<std::size_t> frame_length(ByteSpan header, std::string& error) {
    if (header.size() < 4) {
        error = "short session header";
        return std::nullopt;
    }
    if (header[0] == 0x85) return 0;   // keep-alive
    if (header[0] != 0x00) {
        error = fmt::format("not a session message (type 0x{:02X})", header[0]);
        return std::nullopt;
    }
    const std::size_t n = (static_cast<std::size_t>(header[1]) << 16) | (static_cast<std::size_t>(header[2]) << 8) |
                          static_cast<std::size_t>(header[3]);
    if (n > max_message_size) {
        error = fmt::format("message of {} bytes announced (more than {})", n, max_message_size);
        return std::nullopt;
    }
    return n;
}

// ---- SMB2 ----------------------------------------------------------------------------------------

namespace smb2 {

std::string dialect_name(std::uint16_t d) {
    switch (d) {
        case dialect_202: return "2.0.2";
        case dialect_210: return "2.1";
        case dialect_300: return "3.0";
        case dialect_302: return "3.0.2";
        case dialect_311: return "3.1.1";
        case dialect_wildcard: return "2.???";
        default: return fmt::format("0x{:04X}", d);
    }
}

std::vector<std::string> capability_names(std::uint32_t caps) {
    static const std::pair<std::uint32_t, const char*> names[] = {
        {0x01, "DFS"},           {0x02, "LEASING"},           {0x04, "LARGE_MTU"},  {0x08, "MULTI_CHANNEL"},
        {0x10, "PERSISTENT_HANDLES"}, {0x20, "DIRECTORY_LEASING"}, {0x40, "ENCRYPTION"}, {0x80, "NOTIFICATIONS"}};
    std::vector<std::string> out;
    std::uint32_t known = 0;
    for (const auto& [bit, name] : names) {
        known |= bit;
        if (caps & bit) out.emplace_back(name);
    }
    if (caps & ~known) out.push_back(fmt::format("0x{:08X}", caps & ~known));
    return out;
}

Bytes negotiate_request(const std::vector<std::uint16_t>& dialects, const std::uint8_t (&client_guid)[16],
                        const std::uint8_t (&salt)[32]) {
    const bool with_contexts = std::find(dialects.begin(), dialects.end(), dialect_311) != dialects.end();
    Writer w;
    smb2_header(w, cmd_negotiate, 0);
    w.u16(36);                                          // StructureSize
    w.u16(static_cast<std::uint16_t>(dialects.size()));  // DialectCount
    w.u16(security_signing_enabled);                    // SecurityMode
    w.u16(0);                                           // Reserved
    w.u32(0x7F);                                        // Capabilities (all but notifications)
    w.bytes(client_guid);
    const std::size_t context_offset_at = w.size();
    w.u32(0);   // NegotiateContextOffset (or ClientStartTime)
    w.u16(0);   // NegotiateContextCount
    w.u16(0);   // Reserved2
    for (auto d : dialects) w.u16(d);
    if (with_contexts) {
        w.align(0, 8);
        w.put_u32_at(context_offset_at, static_cast<std::uint32_t>(w.size()));
        w.put_u16_at(context_offset_at + 4, 3);
        // SMB2_PREAUTH_INTEGRITY_CAPABILITIES: SHA-512 and a 32-byte salt.
        w.u16(1);
        w.u16(38);
        w.u32(0);
        w.u16(1);    // HashAlgorithmCount
        w.u16(32);   // SaltLength
        w.u16(1);    // SHA-512
        w.bytes(salt);
        w.align(0, 8);
        // SMB2_ENCRYPTION_CAPABILITIES: AES-128-GCM, AES-128-CCM, AES-256-GCM, AES-256-CCM.
        w.u16(2);
        w.u16(10);
        w.u32(0);
        w.u16(4);
        for (int c : {2, 1, 4, 3}) w.u16(static_cast<std::uint16_t>(c));
        w.align(0, 8);
        // SMB2_SIGNING_CAPABILITIES: AES-GMAC, AES-CMAC, HMAC-SHA256.
        w.u16(8);
        w.u16(8);
        w.u32(0);
        w.u16(3);
        for (int a : {2, 1, 0}) w.u16(static_cast<std::uint16_t>(a));
    }
    return w.take();
}

Parsed<Header> parse_header(ByteSpan m) {
    if (starts_with(m, smb1_magic)) return fail<Header>("the server answered with SMB1");
    if (!starts_with(m, smb2_magic)) return fail<Header>("not an SMB2 message");
    if (m.size() < smb2_header_size) return fail<Header>(fmt::format("SMB2 header cut short ({} bytes)", m.size()));
    if (*u16_at(m, 4) != 64) return fail<Header>("SMB2 header with a bad structure size");
    Header h;
    h.status = *u32_at(m, 8);
    h.command = *u16_at(m, 12);
    h.flags = *u32_at(m, 16);
    h.message_id = *u64_at(m, 24);
    h.session_id = *u64_at(m, 40);
    if (!(h.flags & 0x1)) return fail<Header>("SMB2 message is not a response");
    return ok(h);
}

Parsed<NegotiateResponse> parse_negotiate_response(ByteSpan m) {
    auto h = parse_header(m);
    if (!h) return fail<NegotiateResponse>(h.error);
    if (h->command != cmd_negotiate)
        return fail<NegotiateResponse>(fmt::format("expected a NEGOTIATE response, got command {}", h->command));
    if (h->status != status_success)
        return fail<NegotiateResponse>(fmt::format("NEGOTIATE refused: {}", status_text(h->status)));
    auto body = m.subspan(smb2_header_size);
    if (body.size() < 64) return fail<NegotiateResponse>("NEGOTIATE response body cut short");
    if (*u16_at(body, 0) != 65) return fail<NegotiateResponse>("NEGOTIATE response with a bad structure size");
    NegotiateResponse r;
    r.header = *h;
    r.security_mode = *u16_at(body, 2);
    r.dialect = *u16_at(body, 4);
    const std::uint16_t context_count = *u16_at(body, 6);
    std::copy_n(body.begin() + 8, 16, r.server_guid);
    r.capabilities = *u32_at(body, 24);
    r.max_transact = *u32_at(body, 28);
    r.max_read = *u32_at(body, 32);
    r.max_write = *u32_at(body, 36);
    r.system_time = *u64_at(body, 40);
    r.start_time = *u64_at(body, 48);
    const std::uint16_t blob_offset = *u16_at(body, 56);
    const std::uint16_t blob_length = *u16_at(body, 58);
    const std::uint32_t context_offset = *u32_at(body, 60);
    if (blob_length > 0) {
        auto blob = slice(m, blob_offset, blob_length);
        if (!blob) return fail<NegotiateResponse>("NEGOTIATE security buffer outside the message");
        r.security_blob.assign(blob->begin(), blob->end());
    }
    if (r.dialect == dialect_311 && context_count > 0) {
        if (context_count > 64) return fail<NegotiateResponse>("NEGOTIATE response with too many contexts");
        std::size_t off = context_offset;
        for (std::uint16_t i = 0; i < context_count; ++i) {
            off = (off + 7) & ~static_cast<std::size_t>(7);
            auto type = u16_at(m, off);
            auto length = u16_at(m, off + 2);
            if (!type || !length) return fail<NegotiateResponse>("negotiate context outside the message");
            auto data = slice(m, off + 8, *length);
            if (!data) return fail<NegotiateResponse>("negotiate context data outside the message");
            r.context_types.push_back(*type);
            if (*type == 2 || *type == 8) {   // encryption / signing capabilities: count + list of u16
                auto count = u16_at(*data, 0);
                if (!count || *count > 32 || !slice(*data, 2, std::size_t{*count} * 2))
                    return fail<NegotiateResponse>("malformed negotiate context list");
                auto& list = *type == 2 ? r.ciphers : r.signing_algorithms;
                for (std::uint16_t k = 0; k < *count; ++k) list.push_back(*u16_at(*data, 2 + std::size_t{k} * 2));
            }
            off += 8 + *length;
        }
    }
    return ok(std::move(r));
}

Bytes session_setup_request(const Bytes& security_blob) {
    Writer w;
    smb2_header(w, cmd_session_setup, 1);
    w.u16(25);   // StructureSize
    w.u8(0);     // Flags
    w.u8(static_cast<std::uint8_t>(security_signing_enabled));
    w.u32(1);    // Capabilities: DFS
    w.u32(0);    // Channel
    w.u16(static_cast<std::uint16_t>(smb2_header_size + 24));   // SecurityBufferOffset
    w.u16(static_cast<std::uint16_t>(security_blob.size()));
    w.u64(0);    // PreviousSessionId
    w.bytes(security_blob);
    return w.take();
}

Parsed<SessionSetupResponse> parse_session_setup_response(ByteSpan m) {
    auto h = parse_header(m);
    if (!h) return fail<SessionSetupResponse>(h.error);
    if (h->command != cmd_session_setup)
        return fail<SessionSetupResponse>(fmt::format("expected a SESSION_SETUP response, got command {}", h->command));
    SessionSetupResponse r;
    r.header = *h;
    auto body = m.subspan(smb2_header_size);
    if (body.size() < 8) return fail<SessionSetupResponse>("SESSION_SETUP response body cut short");
    const std::uint16_t size = *u16_at(body, 0);
    if (size != 9) return fail<SessionSetupResponse>("SESSION_SETUP response with a bad structure size");
    if (h->status != status_success && h->status != status_more_processing_required) return ok(std::move(r));
    r.session_flags = *u16_at(body, 2);
    const std::uint16_t blob_offset = *u16_at(body, 4);
    const std::uint16_t blob_length = *u16_at(body, 6);
    if (blob_length > 0) {
        auto blob = slice(m, blob_offset, blob_length);
        if (!blob) return fail<SessionSetupResponse>("SESSION_SETUP security buffer outside the message");
        r.security_blob.assign(blob->begin(), blob->end());
    }
    return ok(std::move(r));
}

std::string guid_string(const std::uint8_t (&g)[16]) {
    // The on-wire GUID layout: Data1 (LE u32), Data2 (LE u16), Data3 (LE u16), Data4 (8 bytes).
    ByteSpan s(g, 16);
    return fmt::format("{:08x}-{:04x}-{:04x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", *u32_at(s, 0),
                       *u16_at(s, 4), *u16_at(s, 6), g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

}  // namespace smb2

// ---- SMB1 ----------------------------------------------------------------------------------------

namespace smb1 {

Bytes negotiate_request() {
    Writer w;
    w.bytes(smb1_magic);
    w.u8(0x72);        // SMB_COM_NEGOTIATE
    w.u32(0);          // Status
    w.u8(0x18);        // Flags: canonicalized paths, case-insensitive
    w.u16(0xC843);     // Flags2: unicode, NT status, extended security, long names, EAs, signatures
    w.u16(0);          // PIDHigh
    w.zeros(8);        // SecuritySignature
    w.u16(0);          // Reserved
    w.u16(0xFFFF);     // TID
    w.u16(0xFEFF);     // PID
    w.u16(0);          // UID
    w.u16(0);          // MID
    w.u8(0);           // WordCount
    const std::string dialect = "NT LM 0.12";
    w.u16(static_cast<std::uint16_t>(dialect.size() + 2));   // ByteCount
    w.u8(0x02);
    w.text(dialect);
    w.u8(0);
    return w.take();
}

Parsed<NegotiateResponse> parse_negotiate_response(ByteSpan m) {
    if (starts_with(m, smb2_magic)) return fail<NegotiateResponse>("the server answered with SMB2");
    if (!starts_with(m, smb1_magic)) return fail<NegotiateResponse>("not an SMB1 message");
    if (m.size() < 33) return fail<NegotiateResponse>("SMB1 header cut short");
    if (m[4] != 0x72) return fail<NegotiateResponse>(fmt::format("expected a NEGOTIATE response, got 0x{:02X}", m[4]));
    NegotiateResponse r;
    r.status = *u32_at(m, 5);
    const std::uint8_t words = m[32];
    auto params = slice(m, 33, std::size_t{words} * 2);
    if (!params) return fail<NegotiateResponse>("SMB1 NEGOTIATE parameters cut short");
    if (words == 0) {
        if (r.status == 0) return fail<NegotiateResponse>("SMB1 NEGOTIATE response without parameters");
        return ok(r);   // an error reply
    }
    r.dialect_index = *u16_at(*params, 0);
    if (r.dialect_index == 0 && words != 17)
        return fail<NegotiateResponse>(fmt::format("NT LM 0.12 response with {} words (17 expected)", words));
    if (words >= 17) {
        r.security_mode = (*params)[2];
        r.capabilities = *u32_at(*params, 19);
        r.system_time = *u64_at(*params, 23);
    }
    return ok(r);
}

namespace {
constexpr std::uint16_t flags2_unicode = 0x8000;   // MS-CIFS 2.2.3.1 SMB_FLAGS2_UNICODE

// A NUL-terminated UTF-16LE string at `off` (or up to the end); advances `off` past the terminator.
std::string utf16z(ByteSpan s, std::size_t& off);
// A NUL-terminated OEM string at `off` (or up to the end); advances `off` past the terminator.
std::string oemz(ByteSpan s, std::size_t& off);
}  // namespace

Bytes session_setup_request(const Bytes& security_blob) {
    Writer w;
    w.bytes(smb1_magic);
    w.u8(0x73);        // SMB_COM_SESSION_SETUP_ANDX
    w.u32(0);
    w.u8(0x18);
    w.u16(0xC843);
    w.u16(0);
    w.zeros(8);
    w.u16(0);
    w.u16(0xFFFF);
    w.u16(0xFEFF);
    w.u16(0);
    w.u16(1);          // MID
    w.u8(12);          // WordCount
    w.u8(0xFF);        // no AndX command
    w.u8(0);
    w.u16(0);
    w.u16(61440);      // MaxBufferSize
    w.u16(50);         // MaxMpxCount
    w.u16(0);          // VcNumber
    w.u32(0);          // SessionKey
    w.u16(static_cast<std::uint16_t>(security_blob.size()));
    w.u32(0);          // Reserved
    w.u32(0x800000D4); // Capabilities: extended security, NT status, NT SMBs, large files, unicode
    const std::size_t byte_count_at = w.size();
    w.u16(0);
    w.bytes(security_blob);
    if (w.size() % 2) w.u8(0);   // unicode strings are aligned
    w.u16(0);          // NativeOS ""
    w.u16(0);          // NativeLanMan ""
    w.put_u16_at(byte_count_at, static_cast<std::uint16_t>(w.size() - byte_count_at - 2));
    return w.take();
}

Parsed<SessionSetupResponse> parse_session_setup_response(ByteSpan m) {
    if (starts_with(m, smb2_magic)) return fail<SessionSetupResponse>("the server answered with SMB2");
    if (!starts_with(m, smb1_magic)) return fail<SessionSetupResponse>("not an SMB1 message");
    if (m.size() < 35) return fail<SessionSetupResponse>("SMB1 message cut short");
    if (m[4] != 0x73)
        return fail<SessionSetupResponse>(fmt::format("expected a SESSION_SETUP_ANDX response, got 0x{:02X}", m[4]));
    SessionSetupResponse r;
    r.status = *u32_at(m, 5);
    const std::uint8_t words = m[32];
    if (words == 0) return ok(std::move(r));
    if (words != 4)
        return fail<SessionSetupResponse>(fmt::format("SESSION_SETUP_ANDX with {} words (4 expected)", words));
    auto params = slice(m, 33, 8);
    auto byte_count = u16_at(m, 41);
    if (!params || !byte_count) return fail<SessionSetupResponse>("SESSION_SETUP_ANDX parameters cut short");
    const std::uint16_t blob_length = *u16_at(*params, 6);
    auto data = slice(m, 43, *byte_count);
    if (!data) return fail<SessionSetupResponse>("SESSION_SETUP_ANDX data runs past the message");
    if (blob_length > data->size()) return fail<SessionSetupResponse>("security blob longer than the data");
    r.security_blob.assign(data->begin(), data->begin() + blob_length);
    // MS-SMB 2.2.4.6.2: NativeOS and NativeLanMan are Unicode, after a pad byte aligning them to 2 from the
    // header start, only when the reply's Flags2 has SMB_FLAGS2_UNICODE (MS-CIFS 2.2.3.1); otherwise OEM
    // strings right after the blob (Windows 10 and Server 2008 R2 answer so, though asked for Unicode).
    const bool unicode = *u16_at(m, 10) & flags2_unicode;
    std::size_t off = 43 + std::size_t{blob_length};
    const std::size_t end = 43 + data->size();
    if (unicode && off % 2) ++off;
    auto strings = slice(m, 0, end);
    auto next_string = [&] { return unicode ? utf16z(*strings, off) : oemz(*strings, off); };
    if (off < end) r.native_os = next_string();
    if (off < end) r.native_lanman = next_string();
    return ok(std::move(r));
}

}  // namespace smb1

// ---- NTLMSSP -------------------------------------------------------------------------------------

namespace ntlmssp {

namespace {
constexpr std::uint8_t signature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

// The text of a name AV pair. MS-NLMP 2.2.2.1 (AV_PAIR): the value is UTF-16LE "not null-terminated", yet
// Samba (3.6, 4.x, QNAP's build) sends an empty MsvAvDnsDomainName as one UTF-16 NUL: trailing NULs are
// dropped, so such a value is empty (and its fact left unset) rather than U+FFFD.
std::string av_pair_text(ByteSpan value) {
    std::size_t n = value.size() & ~std::size_t{1};
    while (n >= 2 && value[n - 2] == 0 && value[n - 1] == 0) n -= 2;
    return utf16le_to_utf8(value.first(n));
}
}

Bytes negotiate_message() {
    Writer w;
    w.bytes(signature);
    w.u32(1);             // NEGOTIATE_MESSAGE
    w.u32(0xE2088297);    // 56, KEY_EXCH, 128, VERSION, TARGET_INFO, ESS, ALWAYS_SIGN, NTLM, LM_KEY, SIGN,
                          // REQUEST_TARGET, OEM, UNICODE
    w.u16(0);             // DomainNameFields (empty)
    w.u16(0);
    w.u32(40);
    w.u16(0);             // WorkstationFields (empty)
    w.u16(0);
    w.u32(40);
    w.u8(10);             // Version: 10.0 build 19041, NTLM revision 15
    w.u8(0);
    w.u16(19041);
    w.zeros(3);
    w.u8(15);
    return w.take();
}

Bytes spnego_negotiate() {
    // GSS-API InitialContextToken { SPNEGO OID, NegTokenInit { mechTypes [NTLMSSP], mechToken } }
    const Bytes spnego_oid{0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
    const Bytes ntlm_oid{0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
    const Bytes mech_types = der(0xa0, der(0x30, ntlm_oid));
    const Bytes mech_token = der(0xa2, der(0x04, negotiate_message()));
    const Bytes neg_token_init = der(0xa0, der(0x30, concat({mech_types, mech_token})));
    return der(0x60, concat({spnego_oid, neg_token_init}));
}

std::string Version::text() const { return fmt::format("{}.{}.{}", major, minor, build); }

std::string utf16le_to_utf8(ByteSpan s) {
    std::string out;
    auto put = [&out](std::uint32_t cp) {
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
    };
    for (std::size_t i = 0; i + 1 < s.size(); i += 2) {
        std::uint32_t u = static_cast<std::uint32_t>(s[i]) | (static_cast<std::uint32_t>(s[i + 1]) << 8);
        if (u >= 0xD800 && u <= 0xDBFF) {
            if (i + 3 < s.size()) {
                std::uint32_t lo = static_cast<std::uint32_t>(s[i + 2]) | (static_cast<std::uint32_t>(s[i + 3]) << 8);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    put(0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                    i += 2;
                    continue;
                }
            }
            put(0xFFFD);
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            put(0xFFFD);
        } else if (u == 0) {
            put(0xFFFD);   // no NULs inside fact strings
        } else {
            put(u);
        }
    }
    return out;
}

Parsed<Challenge> parse_challenge(ByteSpan m) {
    if (m.size() < 8 || !std::equal(signature, signature + 8, m.begin()))
        return fail<Challenge>("no NTLMSSP signature");
    if (m.size() < 48) return fail<Challenge>(fmt::format("NTLMSSP CHALLENGE cut short ({} bytes)", m.size()));
    if (*u32_at(m, 8) != 2) return fail<Challenge>(fmt::format("NTLMSSP message type {} (2 expected)", *u32_at(m, 8)));
    Challenge c;
    c.flags = *u32_at(m, 20);
    const bool unicode = c.flags & 0x1;
    {
        const std::uint16_t len = *u16_at(m, 12);
        const std::uint32_t off = *u32_at(m, 16);
        if (len > 0) {
            auto name = slice(m, off, len);
            if (!name) return fail<Challenge>("NTLMSSP target name outside the message");
            c.target_name = unicode ? utf16le_to_utf8(*name) : std::string(name->begin(), name->end());
        }
    }
    {
        const std::uint16_t len = *u16_at(m, 40);
        const std::uint32_t off = *u32_at(m, 44);
        if (len > 0) {
            auto info = slice(m, off, len);
            if (!info) return fail<Challenge>("NTLMSSP target info outside the message");
            std::size_t pos = 0;
            bool eol = false;
            while (!eol) {
                auto id = u16_at(*info, pos);
                auto n = u16_at(*info, pos + 2);
                if (!id || !n) return fail<Challenge>("NTLMSSP target info ends without MsvAvEOL");
                auto value = slice(*info, pos + 4, *n);
                if (!value) return fail<Challenge>("NTLMSSP AV pair runs past the target info");
                switch (*id) {
                    case 0: eol = true; break;
                    case 1: c.netbios_computer = av_pair_text(*value); break;
                    case 2: c.netbios_domain = av_pair_text(*value); break;
                    case 3: c.dns_computer = av_pair_text(*value); break;
                    case 4: c.dns_domain = av_pair_text(*value); break;
                    case 5: c.dns_tree = av_pair_text(*value); break;
                    case 7:
                        if (*n != 8) return fail<Challenge>("NTLMSSP timestamp AV pair is not 8 bytes");
                        c.timestamp = *u64_at(*value, 0);
                        break;
                    default: break;
                }
                pos += 4 + std::size_t{*n};
            }
        }
    }
    if (c.flags & negotiate_version) {
        auto v = slice(m, 48, 8);
        if (!v) return fail<Challenge>("NTLMSSP VERSION field cut short");
        Version ver;
        ver.major = (*v)[0];
        ver.minor = (*v)[1];
        ver.build = *u16_at(*v, 2);
        ver.revision = (*v)[7];
        c.version = ver;
    }
    return ok(std::move(c));
}

Parsed<Challenge> parse_challenge_in_blob(ByteSpan blob) {
    // The CHALLENGE is the responseToken OCTET STRING of a NegTokenResp (or the whole blob when raw).
    // Its offsets are relative to its own start and checked against the blob's end.
    auto it = std::search(blob.begin(), blob.end(), signature, signature + 8);
    if (it == blob.end()) return fail<Challenge>("no NTLMSSP message in the security blob");
    return parse_challenge(blob.subspan(static_cast<std::size_t>(it - blob.begin())));
}

}  // namespace ntlmssp

namespace smb1 {
namespace {
std::string utf16z(ByteSpan s, std::size_t& off) {
    std::size_t end = off;
    while (end + 1 < s.size() && (s[end] != 0 || s[end + 1] != 0)) end += 2;
    std::string out =
        ntlmssp::utf16le_to_utf8(s.subspan(std::min(off, s.size()), std::min(end, s.size()) - std::min(off, s.size())));
    off = end + 2;
    return out;
}

std::string oemz(ByteSpan s, std::size_t& off) {
    std::string out;
    std::size_t i = off;
    for (; i < s.size() && s[i] != 0; ++i) {
        // The server's OEM code page is not on the wire: ASCII is the same in all of them, the rest is unknown.
        if (s[i] < 0x80) out += static_cast<char>(s[i]);
        else out += "\xEF\xBF\xBD";   // U+FFFD
    }
    off = i + 1;
    return out;
}
}  // namespace
}  // namespace smb1

std::optional<std::int64_t> filetime_to_unix(std::uint64_t ft) {
    constexpr std::uint64_t epoch_diff = 116444736000000000ULL;   // 1601 -> 1970 in 100 ns
    constexpr std::uint64_t year_9999 = 2650467743999999999ULL;
    if (ft < epoch_diff || ft > year_9999) return std::nullopt;
    return static_cast<std::int64_t>((ft - epoch_diff) / 10000000ULL);
}

}  // namespace kbdiag::probe
