#pragma once
// Builders of synthetic server replies for the probe tests (SMB2 NEGOTIATE / SESSION_SETUP responses,
// NTLMSSP CHALLENGE messages, SMB1 NEGOTIATE responses).
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "engine/probe/smb.hpp"

namespace kbdiag::testing {

using probe::Bytes;
using probe::Writer;

inline void put_smb2_header(Writer& w, std::uint16_t command, std::uint32_t status, std::uint64_t message_id = 0) {
    const std::uint8_t magic[4] = {0xFE, 'S', 'M', 'B'};
    w.bytes(magic);
    w.u16(64);
    w.u16(1);
    w.u32(status);
    w.u16(command);
    w.u16(1);
    w.u32(1);   // response
    w.u32(0);
    w.u64(message_id);
    w.u32(0);
    w.u32(0);
    w.u64(command == 1 ? 0x1122334455667788ULL : 0);
    w.zeros(16);
}

// Built byte by byte: g++ 12 -O2 warns falsely (array-bounds, maybe-uninitialized) on small
// initializer-list vectors that are later copied.
inline Bytes bytes_of(std::initializer_list<int> values) {
    Bytes out;
    out.reserve(values.size());
    for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
    return out;
}

inline Bytes default_blob() { return bytes_of({0x60, 0x03, 0x06, 0x01, 0x00}); }

struct NegotiateSpec {
    std::uint16_t dialect = 0x0311;
    std::uint16_t security_mode = 1;
    std::uint32_t capabilities = 0x2F;
    std::uint64_t system_time = 134083080000000000ULL;   // 2025-11-24 (FILETIME)
    Bytes blob = default_blob();
    std::vector<std::pair<std::uint16_t, Bytes>> contexts;   // only written for 3.1.1
    std::uint32_t status = 0;
};

inline Bytes negotiate_response(const NegotiateSpec& s) {
    Writer w;
    put_smb2_header(w, 0, s.status);
    w.u16(65);
    w.u16(s.security_mode);
    w.u16(s.dialect);
    const std::size_t count_at = w.size();
    w.u16(0);
    for (std::uint8_t i = 0; i < 16; ++i) w.u8(static_cast<std::uint8_t>(0xA0 + i));
    w.u32(s.capabilities);
    w.u32(8388608);
    w.u32(8388608);
    w.u32(8388608);
    w.u64(s.system_time);
    w.u64(0);
    w.u16(128);   // blob offset: 64 + 64
    w.u16(static_cast<std::uint16_t>(s.blob.size()));
    const std::size_t context_offset_at = w.size();
    w.u32(0);
    w.bytes(s.blob);
    if (s.dialect == 0x0311 && !s.contexts.empty()) {
        w.align(0, 8);
        w.put_u32_at(context_offset_at, static_cast<std::uint32_t>(w.size()));
        w.put_u16_at(count_at, static_cast<std::uint16_t>(s.contexts.size()));
        for (std::size_t i = 0; i < s.contexts.size(); ++i) {
            if (i) w.align(0, 8);
            w.u16(s.contexts[i].first);
            w.u16(static_cast<std::uint16_t>(s.contexts[i].second.size()));
            w.u32(0);
            w.bytes(s.contexts[i].second);
        }
    }
    return w.take();
}

inline void put_utf16(Writer& w, const std::string& ascii) {
    for (char c : ascii) w.u16(static_cast<std::uint16_t>(static_cast<unsigned char>(c)));
}

inline Bytes av_pairs(const std::vector<std::pair<std::uint16_t, std::string>>& pairs, bool with_timestamp = true,
                      bool with_eol = true) {
    Writer w;
    for (const auto& [id, text] : pairs) {
        w.u16(id);
        w.u16(static_cast<std::uint16_t>(text.size() * 2));
        put_utf16(w, text);
    }
    if (with_timestamp) {
        w.u16(7);
        w.u16(8);
        w.u64(134083080000000000ULL);
    }
    if (with_eol) {
        w.u16(0);
        w.u16(0);
    }
    return w.take();
}

// A CHALLENGE_MESSAGE like Samba's: target name, target info, VERSION 6.1.0 rev 15.
inline Bytes challenge_message(const Bytes& target_info, std::uint8_t major = 6, std::uint8_t minor = 1,
                               std::uint16_t build = 0, bool with_version = true) {
    const std::string target = "KB-DEFAULT";
    Writer w;
    const std::uint8_t sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
    w.bytes(sig);
    w.u32(2);
    const std::uint32_t payload = 56;
    w.u16(static_cast<std::uint16_t>(target.size() * 2));
    w.u16(static_cast<std::uint16_t>(target.size() * 2));
    w.u32(payload);
    w.u32(0x608A8215u | (with_version ? 0x02000000u : 0u));
    for (int i = 0; i < 8; ++i) w.u8(static_cast<std::uint8_t>(0x11 * (i + 1)));
    w.zeros(8);
    w.u16(static_cast<std::uint16_t>(target_info.size()));
    w.u16(static_cast<std::uint16_t>(target_info.size()));
    w.u32(payload + static_cast<std::uint32_t>(target.size() * 2));
    w.u8(major);
    w.u8(minor);
    w.u16(build);
    w.zeros(3);
    w.u8(15);
    put_utf16(w, target);
    w.bytes(target_info);
    return w.take();
}

inline Bytes samba_like_target_info() {
    return av_pairs({{2, "KBTEST"}, {1, "KB-DEFAULT"}, {4, "kbtest.lan"}, {3, "kb-default.kbtest.lan"}});
}

// A SPNEGO NegTokenResp-ish wrapper (the parser looks for the NTLMSSP signature inside).
inline Bytes spnego_wrap(const Bytes& token) {
    Bytes out = bytes_of({0xa1, 0x82, 0x01, 0x00, 0x30, 0x82, 0x00, 0xfc, 0xa0, 0x03, 0x0a, 0x01, 0x01, 0xa2, 0x82,
                          0x00, 0x00, 0x04, 0x82, 0x00, 0x00});
    for (auto b : token) out.push_back(b);
    return out;
}

inline Bytes session_setup_response(std::uint32_t status, const Bytes& blob) {
    Writer w;
    put_smb2_header(w, 1, status, 1);
    w.u16(9);
    w.u16(0);
    w.u16(72);
    w.u16(static_cast<std::uint16_t>(blob.size()));
    w.bytes(blob);
    return w.take();
}

// SMB1 NEGOTIATE response: accepted (17 words, "NT LM 0.12") or refused (1 word, 0xFFFF).
inline Bytes smb1_negotiate_response(bool accepted, std::uint8_t security_mode = 0x03) {
    Writer w;
    const std::uint8_t magic[4] = {0xFF, 'S', 'M', 'B'};
    w.bytes(magic);
    w.u8(0x72);
    w.u32(0);
    w.u8(0x98);
    w.u16(0xC853);
    w.zeros(12);
    w.u16(0xFFFF);
    w.u16(0xFEFF);
    w.u16(0);
    w.u16(0);
    if (!accepted) {
        w.u8(1);
        w.u16(0xFFFF);
        w.u16(0);
        return w.take();
    }
    w.u8(17);
    w.u16(0);               // dialect index
    w.u8(security_mode);
    w.u16(50);
    w.u16(1);
    w.u32(16644);
    w.u32(65536);
    w.u32(0);
    w.u32(0x8000E3FD);      // capabilities incl. extended security
    w.u64(134083080000000000ULL);
    w.u16(0);
    w.u8(0);
    w.u16(16);
    w.zeros(16);            // server GUID, no blob
    return w.take();
}

// SMB1 SESSION_SETUP_ANDX response (extended security): 4 words, blob, then NativeOS / NativeLanMan - Unicode
// after a pad byte when `unicode` (Flags2 SMB_FLAGS2_UNICODE), else OEM bytes right after the blob (MS-SMB
// 2.2.4.6.2). OEM strings are written byte for byte.
inline Bytes smb1_session_setup_response(const Bytes& blob, const std::string& os, const std::string& lanman,
                                         std::uint32_t status = 0xC0000016, bool unicode = true) {
    Writer w;
    const std::uint8_t magic[4] = {0xFF, 'S', 'M', 'B'};
    w.bytes(magic);
    w.u8(0x73);
    w.u32(status);
    w.u8(0x98);
    w.u16(unicode ? 0xC807 : 0x4807);
    w.zeros(12);
    w.u16(0);
    w.u16(0xFEFF);
    w.u16(100);
    w.u16(1);
    w.u8(4);
    w.u8(0xFF);
    w.u8(0);
    w.u16(0);
    w.u16(0);
    w.u16(static_cast<std::uint16_t>(blob.size()));
    const std::size_t count_at = w.size();
    w.u16(0);
    w.bytes(blob);
    if (unicode) {
        if (w.size() % 2) w.u8(0);
        put_utf16(w, os);
        w.u16(0);
        put_utf16(w, lanman);
        w.u16(0);
    } else {
        w.text(os);
        w.u8(0);
        w.text(lanman);
        w.u8(0);
    }
    w.put_u16_at(count_at, static_cast<std::uint16_t>(w.size() - count_at - 2));
    return w.take();
}

}  // namespace kbdiag::testing
