// The probe's protocol code on synthetic and hostile bytes: request builders, SMB2/SMB1/NTLMSSP parsers,
// framing, server specs, the vendor guess, and the facts the collector writes.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "engine/probe/probe.hpp"
#include "engine/probe/probe_collector.hpp"
#include "engine/probe/smb.hpp"
#include "test_probe_support.hpp"

using namespace kbdiag;
using namespace kbdiag::probe;
using namespace kbdiag::testing;

namespace {

// Every parser on one input; returns how many accepted it (the point is that none crashes or over-reads).
int parse_all(ByteSpan s) {
    int ok = 0;
    ok += smb2::parse_header(s) ? 1 : 0;
    ok += smb2::parse_negotiate_response(s) ? 1 : 0;
    ok += smb2::parse_session_setup_response(s) ? 1 : 0;
    ok += smb1::parse_negotiate_response(s) ? 1 : 0;
    ok += smb1::parse_session_setup_response(s) ? 1 : 0;
    ok += ntlmssp::parse_challenge(s) ? 1 : 0;
    ok += ntlmssp::parse_challenge_in_blob(s) ? 1 : 0;
    std::string error;
    ok += frame_length(s, error) ? 1 : 0;
    (void)ntlmssp::utf16le_to_utf8(s);
    return ok;
}

// Each strict prefix of `full` in its own exact-size heap buffer (so a sanitizer sees any over-read).
template <class Parser>
void every_prefix_fails(const Bytes& full, Parser parse) {
    for (std::size_t n = 0; n < full.size(); ++n) {
        Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        auto r = parse(ByteSpan(prefix));
        if (r) continue;   // a shorter message may be valid on its own (e.g. without optional parts)
        CHECK_FALSE(r.error.empty());
    }
}

}  // namespace

TEST_CASE("probe: SMB2 NEGOTIATE request offers every dialect with 3.1.1 contexts") {
    std::uint8_t guid[16] = {};
    std::uint8_t salt[32] = {};
    Bytes m = smb2::negotiate_request(smb2::all_dialects(), guid, salt);
    REQUIRE(m.size() > 100);
    CHECK(m[0] == 0xFE);
    CHECK(m[1] == 'S');
    CHECK(*u16_at(m, 12) == 0);        // NEGOTIATE
    CHECK(*u16_at(m, 64) == 36);       // StructureSize
    CHECK(*u16_at(m, 66) == 5);        // DialectCount
    CHECK(*u16_at(m, 68) == 1);        // signing enabled
    for (std::size_t i = 0; i < 5; ++i) CHECK(*u16_at(m, 100 + 2 * i) == smb2::all_dialects()[i]);
    const std::uint32_t ctx = *u32_at(m, 64 + 28);
    CHECK(ctx % 8 == 0);
    CHECK(*u16_at(m, 64 + 32) == 3);   // contexts
    CHECK(*u16_at(m, ctx) == 1);       // PREAUTH_INTEGRITY first
    CHECK(*u16_at(m, ctx + 2) == 38);

    Bytes only202 = smb2::negotiate_request({smb2::dialect_202}, guid, salt);
    CHECK(only202.size() == 64 + 36 + 2);
    CHECK(*u32_at(only202, 64 + 28) == 0);
}

TEST_CASE("probe: SMB2 NEGOTIATE response is parsed") {
    NegotiateSpec spec;
    spec.security_mode = 3;
    spec.contexts = {{1, Bytes(38, 0)}, {2, bytes_of({1, 0, 2, 0})}};
    Bytes m = negotiate_response(spec);
    auto r = smb2::parse_negotiate_response(m);
    REQUIRE_MESSAGE(r, r.error);
    CHECK(r->dialect == 0x0311);
    CHECK(smb2::dialect_name(r->dialect) == "3.1.1");
    CHECK(r->security_mode == 3);
    CHECK(r->capabilities == 0x2F);
    CHECK(r->security_blob.size() == 5);
    CHECK(r->ciphers == std::vector<std::uint16_t>{2});
    CHECK(r->context_types == std::vector<std::uint16_t>{1, 2});
    CHECK(smb2::guid_string(r->server_guid) == "a3a2a1a0-a5a4-a7a6-a8a9-aaabacadaeaf");
    CHECK(filetime_to_unix(r->system_time).value() == 1763834400);
    CHECK(smb2::capability_names(0x2F) ==
          std::vector<std::string>{"DFS", "LEASING", "LARGE_MTU", "MULTI_CHANNEL", "DIRECTORY_LEASING"});
    CHECK(smb2::capability_names(0x100).back() == "0x00000100");

    every_prefix_fails(m, [](ByteSpan s) { return smb2::parse_negotiate_response(s); });
}

TEST_CASE("probe: SMB2 NEGOTIATE refusals and hostile responses give clean errors") {
    NegotiateSpec refused;
    refused.status = smb2::status_not_supported;
    auto r = smb2::parse_negotiate_response(negotiate_response(refused));
    CHECK_FALSE(r);
    CHECK(r.error.find("STATUS_NOT_SUPPORTED") != std::string::npos);

    Bytes m = negotiate_response(NegotiateSpec{});
    SUBCASE("security buffer offset past the end") {
        m[64 + 56] = 0xF0;
        m[64 + 57] = 0xFF;
        CHECK(smb2::parse_negotiate_response(m).error.find("security buffer") != std::string::npos);
    }
    SUBCASE("security buffer length past the end") {
        m[64 + 58] = 0xFF;
        m[64 + 59] = 0xFF;
        CHECK_FALSE(smb2::parse_negotiate_response(m));
    }
    SUBCASE("negotiate contexts announced but missing") {
        m[64 + 6] = 5;                       // count
        m[64 + 60] = 0xF8; m[64 + 61] = 0xFF; m[64 + 62] = 0xFF; m[64 + 63] = 0xFF;   // offset near 4 GiB
        CHECK(smb2::parse_negotiate_response(m).error.find("context") != std::string::npos);
    }
    SUBCASE("a huge context count") {
        m[64 + 6] = 0xFF;
        m[64 + 7] = 0xFF;
        CHECK_FALSE(smb2::parse_negotiate_response(m));
    }
    SUBCASE("a context whose list runs past its data") {
        NegotiateSpec s;
        s.contexts = {{2, bytes_of({0xFF, 0x00, 0x02, 0x00})}};
        CHECK(smb2::parse_negotiate_response(negotiate_response(s)).error.find("malformed") != std::string::npos);
    }
    SUBCASE("not a response") {
        m[16] = 0;
        CHECK_FALSE(smb2::parse_negotiate_response(m));
    }
    SUBCASE("wrong structure size") {
        m[64] = 0x40;
        CHECK_FALSE(smb2::parse_negotiate_response(m));
    }
    SUBCASE("an SMB1 reply") {
        Bytes smb1 = smb1_negotiate_response(true);
        CHECK(smb2::parse_negotiate_response(smb1).error == "the server answered with SMB1");
    }
}

TEST_CASE("probe: NTLMSSP CHALLENGE like Samba's is parsed from a SPNEGO blob") {
    Bytes challenge = challenge_message(samba_like_target_info());
    Bytes blob = spnego_wrap(challenge);
    auto c = ntlmssp::parse_challenge_in_blob(blob);
    REQUIRE_MESSAGE(c, c.error);
    CHECK(c->target_name == "KB-DEFAULT");
    CHECK(c->netbios_computer == "KB-DEFAULT");
    CHECK(c->netbios_domain == "KBTEST");
    CHECK(c->dns_computer == "kb-default.kbtest.lan");
    CHECK(c->dns_domain == "kbtest.lan");
    REQUIRE(c->timestamp);
    CHECK(filetime_to_unix(*c->timestamp).value() == 1763834400);
    REQUIRE(c->version);
    CHECK(c->version->text() == "6.1.0");
    CHECK(c->version->revision == 15);

    // Inside a SESSION_SETUP response.
    Bytes ss = session_setup_response(smb2::status_more_processing_required, blob);
    auto s = smb2::parse_session_setup_response(ss);
    REQUIRE_MESSAGE(s, s.error);
    CHECK(s->header.status == smb2::status_more_processing_required);
    CHECK(s->header.session_id == 0x1122334455667788ULL);
    CHECK(s->security_blob == blob);

    every_prefix_fails(challenge, [](ByteSpan x) { return ntlmssp::parse_challenge(x); });
    every_prefix_fails(ss, [](ByteSpan x) { return smb2::parse_session_setup_response(x); });
}

TEST_CASE("probe: NTLMSSP CHALLENGE without VERSION, and hostile ones") {
    auto no_version = ntlmssp::parse_challenge(challenge_message(samba_like_target_info(), 10, 0, 20348, false));
    REQUIRE(no_version);
    CHECK_FALSE(no_version->version);

    SUBCASE("AV pair longer than the target info") {
        Bytes info = samba_like_target_info();
        info[2] = 0xFF;   // first pair's length
        CHECK(ntlmssp::parse_challenge(challenge_message(info)).error.find("AV pair") != std::string::npos);
    }
    SUBCASE("target info without MsvAvEOL") {
        Bytes info = av_pairs({{1, "X"}}, false, false);
        CHECK(ntlmssp::parse_challenge(challenge_message(info)).error.find("MsvAvEOL") != std::string::npos);
    }
    SUBCASE("timestamp of the wrong size") {
        Writer w;
        w.u16(7);
        w.u16(4);
        w.u32(0);
        w.u32(0);
        CHECK_FALSE(ntlmssp::parse_challenge(challenge_message(w.take())));
    }
    SUBCASE("target info offset past the end") {
        Bytes m = challenge_message(samba_like_target_info());
        m[44] = 0xFF;
        m[45] = 0xFF;
        m[46] = 0xFF;
        m[47] = 0xFF;
        CHECK(ntlmssp::parse_challenge(m).error.find("target info") != std::string::npos);
    }
    SUBCASE("not a CHALLENGE") {
        Bytes m = ntlmssp::negotiate_message();
        CHECK(ntlmssp::parse_challenge(m).error.find("cut short") != std::string::npos);   // 40 bytes
        m.resize(64, 0);
        CHECK(ntlmssp::parse_challenge(m).error.find("type 1") != std::string::npos);
        CHECK_FALSE(ntlmssp::parse_challenge_in_blob(bytes_of({0xa1, 0x00})));
    }
}

TEST_CASE("probe: UTF-16 names become UTF-8, broken surrogates do not break anything") {
    Bytes s =
        bytes_of({'A', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE, 0x00, 0xD8, 'B', 0, 0x00, 0xDC, 0, 0, 'Z'});
    CHECK(ntlmssp::utf16le_to_utf8(s) ==
          "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBD"
          "B\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("probe: SMB1 NEGOTIATE responses") {
    auto yes = smb1::parse_negotiate_response(smb1_negotiate_response(true, 0x0F));
    REQUIRE_MESSAGE(yes, yes.error);
    CHECK(yes->accepted());
    CHECK(yes->signing_enabled());
    CHECK(yes->signing_required());
    CHECK(filetime_to_unix(yes->system_time).value() == 1763834400);

    auto no = smb1::parse_negotiate_response(smb1_negotiate_response(false));
    REQUIRE(no);
    CHECK_FALSE(no->accepted());

    std::uint8_t guid[16] = {};
    std::uint8_t salt[32] = {};
    auto smb2_reply = negotiate_response(NegotiateSpec{});
    CHECK(smb1::parse_negotiate_response(smb2_reply).error == "the server answered with SMB2");
    (void)guid;
    (void)salt;

    Bytes bad = smb1_negotiate_response(true);
    bad[32] = 200;   // word count past the end
    CHECK_FALSE(smb1::parse_negotiate_response(bad));
    bad[32] = 3;     // dialect 0 with the wrong word count
    CHECK_FALSE(smb1::parse_negotiate_response(bad));
    every_prefix_fails(smb1_negotiate_response(true), [](ByteSpan x) { return smb1::parse_negotiate_response(x); });

    Bytes req = smb1::negotiate_request();
    CHECK(req[0] == 0xFF);
    CHECK(req[4] == 0x72);
    CHECK(std::string(req.end() - 11, req.end() - 1) == "NT LM 0.12");
}

TEST_CASE("probe: SMB1 SESSION_SETUP_ANDX request and response") {
    Bytes req = smb1::session_setup_request(ntlmssp::spnego_negotiate());
    CHECK(req[4] == 0x73);
    CHECK(req[32] == 12);
    const std::uint16_t blob_len = *u16_at(req, 33 + 14);
    CHECK(blob_len == ntlmssp::spnego_negotiate().size());
    CHECK(*u16_at(req, 33 + 24) == req.size() - 33 - 24 - 2);   // ByteCount covers the rest

    Bytes blob = spnego_wrap(challenge_message(samba_like_target_info()));
    for (std::size_t odd = 0; odd < 2; ++odd) {   // an odd blob length needs a pad byte before the strings
        Bytes b = blob;
        if (odd) b.push_back(0);
        Bytes m = smb1_session_setup_response(b, "Windows 6.1", "Samba 4.17.12-Debian");
        auto r = smb1::parse_session_setup_response(m);
        REQUIRE_MESSAGE(r, r.error);
        CHECK(r->status == 0xC0000016);
        CHECK(r->native_os == "Windows 6.1");
        CHECK(r->native_lanman == "Samba 4.17.12-Debian");
        CHECK(ntlmssp::parse_challenge_in_blob(r->security_blob));
        every_prefix_fails(m, [](ByteSpan x) { return smb1::parse_session_setup_response(x); });
    }
    Bytes bad = smb1_session_setup_response(blob, "A", "B");
    bad[33 + 6] = 0xFF;   // blob length past the data
    bad[33 + 7] = 0xFF;
    CHECK_FALSE(smb1::parse_session_setup_response(bad));
}

TEST_CASE("probe: session framing") {
    Bytes framed = frame(Bytes(300, 7));
    CHECK(framed.size() == 304);
    CHECK(framed[0] == 0);
    CHECK(framed[2] == 1);
    CHECK(framed[3] == 44);
    std::string error;
    CHECK(frame_length(framed, error).value() == 300);
    CHECK(frame_length(bytes_of({0x85, 0, 0, 0}), error).value() == 0);
    CHECK_FALSE(frame_length(bytes_of({0x83, 0, 0, 1}), error));
    CHECK(error.find("not a session message") != std::string::npos);
    CHECK_FALSE(frame_length(bytes_of({0, 0xFF, 0xFF, 0xFF}), error));
    CHECK(error.find("16777215") != std::string::npos);
    CHECK_FALSE(frame_length(bytes_of({0, 0}), error));
}

TEST_CASE("probe: garbage and mutated messages never crash a parser") {
    std::mt19937 rng(4242);
    std::vector<Bytes> seeds{negotiate_response(NegotiateSpec{}),
                             session_setup_response(smb2::status_more_processing_required,
                                                    spnego_wrap(challenge_message(samba_like_target_info()))),
                             challenge_message(samba_like_target_info()), smb1_negotiate_response(true),
                             smb1_session_setup_response(spnego_wrap(challenge_message(samba_like_target_info())),
                                                         "Windows 6.1", "Samba 4.17.12-Debian")};
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        Bytes m;
        if (i % 2 == 0) {
            m.resize(rng() % 200);
            for (auto& b : m) b = static_cast<std::uint8_t>(rng());
        } else {
            m = seeds[static_cast<std::size_t>(i / 2) % seeds.size()];
            const int flips = 1 + static_cast<int>(rng() % 8);
            for (int f = 0; f < flips && !m.empty(); ++f) m[rng() % m.size()] = static_cast<std::uint8_t>(rng());
            if (rng() % 4 == 0) m.resize(rng() % (m.size() + 1));
        }
        accepted += parse_all(m);
    }
    CHECK(accepted > 0);   // mutated seeds still parse sometimes: the loop did reach the deep paths
}

TEST_CASE("probe: --server HOST[:PORT]") {
    std::string error;
    auto a = parse_server_spec("nas01", error);
    REQUIRE(a);
    CHECK(a->host == "nas01");
    CHECK(a->port == 445);
    CHECK_FALSE(a->port_given);
    auto b = parse_server_spec("127.0.0.1:4451", error);
    REQUIRE(b);
    CHECK(b->host == "127.0.0.1");
    CHECK(b->port == 4451);
    CHECK(b->port_given);
    auto c = parse_server_spec("[fe80::1%eth0]:445", error);
    REQUIRE(c);
    CHECK(c->host == "fe80::1%eth0");
    auto d = parse_server_spec("::1", error);
    REQUIRE(d);
    CHECK(d->host == "::1");
    CHECK_FALSE(d->port_given);
    CHECK_FALSE(parse_server_spec("host:0", error));
    CHECK_FALSE(parse_server_spec("host:65536", error));
    CHECK_FALSE(parse_server_spec("host:44a", error));
    CHECK_FALSE(parse_server_spec("", error));
    CHECK_FALSE(parse_server_spec("[::1", error));
    CHECK_FALSE(parse_server_spec("bad name", error));
    CHECK_FALSE(parse_server_spec("-x", error));
}

TEST_CASE("probe: FILETIME conversion") {
    CHECK_FALSE(filetime_to_unix(0));
    CHECK(filetime_to_unix(116444736000000000ULL).value() == 0);
    CHECK_FALSE(filetime_to_unix(~0ULL));
}

TEST_CASE("probe: vendor guess") {
    ProbeResult r;
    CHECK(guess_vendor(r).vendor.empty());
    ntlmssp::Challenge c;
    c.version = ntlmssp::Version{6, 1, 0, 15};
    r.challenge = c;
    auto g = guess_vendor(r);
    CHECK(g.vendor == "samba");
    CHECK(g.confidence == 80);
    REQUIRE(g.evidence.size() == 1);
    c.version = ntlmssp::Version{10, 0, 20348, 15};
    r.challenge = c;
    g = guess_vendor(r);
    CHECK(g.vendor == "windows_server");
    CHECK(g.confidence == 75);

    ProbeResult nt1;
    nt1.smb1_native_lanman = "Samba 4.17.12-Debian";
    g = guess_vendor(nt1);
    CHECK(g.vendor == "samba");
    CHECK(g.confidence == 95);

    ProbeResult old;
    old.smb2_refused = true;
    smb1::NegotiateResponse yes;
    yes.dialect_index = 0;
    old.smb1 = yes;
    g = guess_vendor(old);
    CHECK(g.vendor == "other");
    CHECK(g.evidence.back().find("only SMB1") != std::string::npos);
}

namespace {

FactStore facts_of(const ProbeResult& r, const std::string& server) {
    std::string error;
    auto spec = parse_server_spec(server, error);
    REQUIRE(spec);
    FactSink sink;
    auto outcome = write_probe_facts(r, *spec, 1763834400, sink);
    CHECK_FALSE(outcome.message.empty());
    return sink.close("probe.smb");
}

}  // namespace

TEST_CASE("probe: facts from a Samba-like result") {
    ProbeResult r;
    r.resolved = true;
    r.addresses = {"127.0.0.1"};
    r.address = "127.0.0.1";
    r.smb_port = {true, true, NetError::none, ""};
    r.negotiate_step = {true, true, false, ""};
    auto n = smb2::parse_negotiate_response(negotiate_response(NegotiateSpec{}));
    REQUIRE(n);
    r.negotiate = *n.value;
    r.dialects = {0x0202, 0x0210, 0x0300, 0x0302, 0x0311};
    r.dialect_step = {true, true, false, ""};
    r.smb1_step = {true, true, false, "closed"};
    r.smb1 = smb1::NegotiateResponse{};
    r.session_step = {true, true, false, ""};
    r.challenge = *ntlmssp::parse_challenge(challenge_message(samba_like_target_info())).value;
    r.vendor = guess_vendor(r);
    FactStore f = facts_of(r, "127.0.0.1:4451");
    CHECK(f.value("server.reachable")->as_bool());
    CHECK(f.value("server.port_445_open")->as_bool());
    CHECK(f.value("server.smb2_supported")->as_bool());
    CHECK(f.value("server.dialect")->as_string() == "3.1.1");
    CHECK(f.value("server.dialects")->as_list().size() == 5);
    CHECK(f.value("server.signing_enabled")->as_bool());
    CHECK_FALSE(f.value("server.signing_required")->as_bool());
    CHECK_FALSE(f.value("server.smb1_accepted")->as_bool());
    CHECK(f.value("server.netbios_name")->as_string() == "KB-DEFAULT");
    CHECK(f.value("server.domain")->as_string() == "KBTEST");
    CHECK(f.value("server.ntlmssp_version")->as_string() == "6.1.0");
    CHECK(f.value("server.ntlmssp_build")->as_int() == 0);
    CHECK(f.value("server.vendor_guess")->as_string() == "samba");
    CHECK(f.value("server.clock_skew_seconds")->as_int() == 0);
    for (const auto& [name, e] : f.entries()) {
        const auto& names = probe_fact_names();
        CHECK_MESSAGE(std::find(names.begin(), names.end(), name) != names.end(), name);
    }
}

TEST_CASE("probe: facts for an unresolvable name and a closed port") {
    ProbeResult r;
    r.resolve_error = "Name or service not known";
    FactStore f = facts_of(r, "nosuchhost.invalid");
    CHECK_FALSE(f.value("server.name_resolves")->as_bool());
    CHECK_FALSE(f.value("server.reachable")->as_bool());

    ProbeResult closed;
    closed.resolved = true;
    closed.addresses = {"127.0.0.1"};
    closed.address = "127.0.0.1";
    closed.smb_port = {true, false, NetError::refused, "127.0.0.1: connection refused"};
    closed.negotiate_step.tried = true;
    FactStore g = facts_of(closed, "127.0.0.1:1");
    CHECK_FALSE(g.value("server.port_445_open")->as_bool());
    CHECK_FALSE(g.value("server.reachable")->as_bool());
    CHECK(g.value("server.smb2_supported") == nullptr);
}

TEST_CASE("probe: smbclient answers") {
    auto a = parse_smbclient_status("session setup failed: NT_STATUS_LOGON_FAILURE\n", 1);
    REQUIRE(a);
    CHECK(a->first == "NT_STATUS_LOGON_FAILURE");
    CHECK(a->second == "session_setup");
    auto b = parse_smbclient_status("Domain=[X]\ntree connect failed: NT_STATUS_BAD_NETWORK_NAME", 1);
    REQUIRE(b);
    CHECK(b->first == "NT_STATUS_BAD_NETWORK_NAME");
    CHECK(b->second == "tree_connect");
    auto c = parse_smbclient_status("", 0);
    REQUIRE(c);
    CHECK(c->first == "NT_STATUS_OK");
    CHECK_FALSE(parse_smbclient_status("something else", 1));
    auto d = parse_smbclient_status("protocol negotiation failed: NT_STATUS_CONNECTION_DISCONNECTED", 1);
    REQUIRE(d);
    CHECK(d->second == "negotiate");
}

// Issue 11: replies of real servers the parsers misread.

TEST_CASE("probe: AV pair values lose trailing UTF-16 NULs (MS-NLMP 2.2.2.1; Samba's empty DNS domain)") {
    // Samba 3.6 / 4.x (QNAP's build too) send an empty MsvAvDnsDomainName as one UTF-16 NUL; AV_PAIR values are
    // not NUL-terminated, so the NUL is no character of the name.
    Bytes info = av_pairs({{2, "TS412"}, {1, "TS412"}, {4, std::string(1, '\0')}, {3, std::string("ts412\0\0", 7)},
                           {5, std::string("a\0b", 3)}});
    auto c = ntlmssp::parse_challenge(challenge_message(info));
    REQUIRE_MESSAGE(c, c.error);
    CHECK(c->dns_domain.empty());
    CHECK(c->dns_computer == "ts412");
    CHECK(c->dns_tree == "a\xEF\xBF\xBD" "b");   // a NUL inside a name is still no NUL in a fact
    CHECK(c->netbios_computer == "TS412");

    ProbeResult r;
    r.resolved = true;
    r.addresses = {"192.0.2.7"};
    r.address = "192.0.2.7";
    r.smb_port = {true, true, NetError::none, ""};
    r.session_step = {true, true, false, ""};
    r.challenge = *c.value;
    std::string error;
    FactSink sink;
    write_probe_facts(r, *parse_server_spec("192.0.2.7", error), 1763834400, sink);
    FactStore f = sink.close("probe.smb");
    CHECK(f.find("server.dns_domain") == nullptr);   // unknown, not "\ufffd" and not ""
    CHECK(f.value("server.dns_name")->as_string() == "ts412");
}

TEST_CASE("probe: SESSION_SETUP_ANDX strings honour Flags2 SMB_FLAGS2_UNICODE (MS-CIFS 2.2.3.1, MS-SMB 2.2.4.6.2)") {
    // Windows 10 and Server 2008 R2 answer with the Unicode bit clear: OEM strings, NUL-terminated, right after
    // the blob (no pad byte), whatever the blob's length.
    Bytes blob = spnego_wrap(challenge_message(samba_like_target_info()));
    for (std::size_t odd = 0; odd < 2; ++odd) {
        Bytes b = blob;
        if (odd) b.push_back(0);
        Bytes m = smb1_session_setup_response(b, "Windows 10 Pro 19045", "Windows 10 Pro 6.3", 0xC0000016, false);
        CHECK((*u16_at(m, 10) & 0x8000) == 0);
        auto r = smb1::parse_session_setup_response(m);
        REQUIRE_MESSAGE(r, r.error);
        CHECK(r->native_os == "Windows 10 Pro 19045");
        CHECK(r->native_lanman == "Windows 10 Pro 6.3");
        CHECK(ntlmssp::parse_challenge_in_blob(r->security_blob));
        every_prefix_fails(m, [](ByteSpan x) { return smb1::parse_session_setup_response(x); });
    }
    SUBCASE("OEM bytes above 0x7F: the code page is unknown, so U+FFFD") {
        auto r = smb1::parse_session_setup_response(
            smb1_session_setup_response(blob, "Serveur \x82t\xE9", "LM", 0xC0000016, false));
        REQUIRE(r);
        CHECK(r->native_os == "Serveur \xEF\xBF\xBDt\xEF\xBF\xBD");
        CHECK(r->native_lanman == "LM");
    }
    SUBCASE("OEM strings without a terminator end at the data's end") {
        Bytes m = smb1_session_setup_response(blob, "Windows 5.1", "X", 0xC0000016, false);
        m.pop_back();   // the last NUL
        const auto byte_count = static_cast<std::uint16_t>(*u16_at(m, 41) - 1);
        m[41] = static_cast<std::uint8_t>(byte_count & 0xFF);
        m[42] = static_cast<std::uint8_t>(byte_count >> 8);
        auto r = smb1::parse_session_setup_response(m);
        REQUIRE(r);
        CHECK(r->native_os == "Windows 5.1");
        CHECK(r->native_lanman == "X");
    }
}
