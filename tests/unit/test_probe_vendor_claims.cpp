// Issue 11: the vendor guess checks a server's claim to be Windows (NTLMSSP VERSION against the dialect it
// negotiates, its NetBIOS name, its server GUID) and says truthfully why a server speaks only SMB1. Replies are
// synthesized per MS-SMB2 2.2.4 / MS-NLMP 2.2.1.2 (test_probe_support.hpp) and parsed by the real parsers.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "engine/probe/probe.hpp"
#include "engine/probe/windows_claim.hpp"
#include "test_probe_support.hpp"

using namespace kbdiag;
using namespace kbdiag::probe;
using namespace kbdiag::testing;

namespace {

struct ServerLooks {
    std::uint16_t dialect = 0x0311;
    ntlmssp::Version version{10, 0, 20348, 15};
    std::string netbios = "FS01";
    std::string dns_name = "fs01.corp.example";
    int guid_byte = -1;   // >= 0: every byte of the server GUID
};

// A probe result from an SMB2 NEGOTIATE response and an NTLMSSP CHALLENGE built as the server would send them.
ProbeResult smb2_server(const ServerLooks& s) {
    ProbeResult r;
    NegotiateSpec spec;
    spec.dialect = s.dialect;
    auto n = smb2::parse_negotiate_response(negotiate_response(spec));
    REQUIRE_MESSAGE(n, n.error);
    r.negotiate = *n.value;
    if (s.guid_byte >= 0) std::fill_n(r.negotiate->server_guid, 16, static_cast<std::uint8_t>(s.guid_byte));
    Bytes info = av_pairs({{2, "CORP"}, {1, s.netbios}, {3, s.dns_name}});
    auto c = ntlmssp::parse_challenge(
        challenge_message(info, s.version.major, s.version.minor, s.version.build));
    REQUIRE_MESSAGE(c, c.error);
    r.challenge = *c.value;
    return r;
}

bool has_evidence(const VendorGuess& g, const std::string& part) {
    return std::any_of(g.evidence.begin(), g.evidence.end(),
                       [&](const std::string& e) { return e.find(part) != std::string::npos; });
}

std::string all_evidence(const VendorGuess& g) {
    std::string out;
    for (const auto& e : g.evidence) out += e + " | ";
    return out;
}

// An SMB1-only server: NEGOTIATE "NT LM 0.12" accepted, SMB2 refused.
ProbeResult smb1_only_server(std::optional<ntlmssp::Version> version, std::string native_os, std::string lanman) {
    ProbeResult r;
    r.smb2_refused = true;
    r.negotiate_step = {true, true, false, "closed"};
    auto n = smb1::parse_negotiate_response(smb1_negotiate_response(true, 0));
    REQUIRE(n);
    r.smb1 = *n.value;
    r.smb1_step = {true, true, false, ""};
    if (version) {
        auto c = ntlmssp::parse_challenge(challenge_message(av_pairs({{1, "OLDBOX"}}), version->major,
                                                            version->minor, version->build));
        REQUIRE(c);
        r.challenge = *c.value;
    }
    r.smb1_native_os = std::move(native_os);
    r.smb1_native_lanman = std::move(lanman);
    return r;
}

}  // namespace

TEST_CASE("windows claim: each release's highest dialect (MS-SMB2 appendix A)") {
    struct Case {
        ntlmssp::Version version;
        std::uint16_t highest_ok;
        std::uint16_t too_high;
    };
    const Case cases[] = {
        {{6, 0, 6002, 15}, smb2::dialect_202, smb2::dialect_210},
        {{6, 1, 7601, 15}, smb2::dialect_210, smb2::dialect_300},
        {{6, 2, 9200, 15}, smb2::dialect_300, smb2::dialect_302},
        {{6, 3, 9600, 15}, smb2::dialect_302, smb2::dialect_311},
    };
    for (const auto& c : cases) {
        CAPTURE(c.version.text());
        CHECK(windows_claim_doubts({c.version, c.highest_ok, "FS01", std::nullopt}).empty());
        auto doubts = windows_claim_doubts({c.version, c.too_high, "FS01", std::nullopt});
        REQUIRE(doubts.size() == 1);
        CHECK(doubts[0].find("at most SMB " + smb2::dialect_name(c.highest_ok)) != std::string::npos);
    }
    CHECK(windows_claim_doubts({{10, 0, 26100, 15}, smb2::dialect_311, "FS01", std::nullopt}).empty());
    auto xp = windows_claim_doubts({{5, 1, 2600, 15}, smb2::dialect_202, "FS01", std::nullopt});
    REQUIRE(xp.size() == 1);
    CHECK(xp[0] == "Windows XP has no SMB2, yet the server negotiated SMB 2.0.2");
    CHECK(windows_claim_doubts({{5, 1, 2600, 15}, std::nullopt, "FS01", std::nullopt}).empty());   // SMB1 only
}

TEST_CASE("windows claim: version numbers no Windows has, long NetBIOS names, a constant GUID") {
    for (ntlmssp::Version v : {ntlmssp::Version{255, 255, 65535, 15}, ntlmssp::Version{10, 0, 9600, 15},
                               ntlmssp::Version{6, 1, 9200, 15}, ntlmssp::Version{7, 0, 1, 15}}) {
        CAPTURE(v.text());
        CHECK_FALSE(windows_release(v));
        auto doubts = windows_claim_doubts({v, std::nullopt, "FS01", std::nullopt});
        REQUIRE(doubts.size() == 1);
        CHECK(doubts[0].find("no Windows release has version " + v.text()) != std::string::npos);
    }
    const ntlmssp::Version win10{10, 0, 19041, 15};
    CHECK(windows_claim_doubts({win10, std::nullopt, "DESKTOP-9K5KDLS", std::nullopt}).empty());   // 15: fine
    auto long_name = windows_claim_doubts({win10, std::nullopt, "MACBOOK-AIR-DE-CATENA", std::nullopt});
    REQUIRE(long_name.size() == 1);
    CHECK(long_name[0] == "NetBIOS name \"MACBOOK-AIR-DE-CATENA\" has 21 characters; Windows allows at most 15");
    // Characters, not bytes: 15 accented letters are 30 bytes of UTF-8 and still a valid name.
    std::string accented;
    for (int i = 0; i < 15; ++i) accented += "\xC3\x89";
    CHECK(windows_claim_doubts({win10, std::nullopt, accented, std::nullopt}).empty());

    auto constant = windows_claim_doubts({win10, std::nullopt, "FS01", std::vector<std::uint8_t>(16, 0x41)});
    REQUIRE(constant.size() == 1);
    CHECK(constant[0].find("one byte (0x41) 16 times") != std::string::npos);
    std::vector<std::uint8_t> random_guid(16, 0x41);
    random_guid[15] = 0x42;
    CHECK(windows_claim_doubts({win10, std::nullopt, "FS01", random_guid}).empty());
}

TEST_CASE("vendor guess: a Mac claiming Windows 7 while negotiating SMB 3.0.2 is not Windows") {
    ServerLooks mac;
    mac.dialect = smb2::dialect_302;
    mac.version = {6, 1, 7600, 15};
    mac.netbios = "MACBOOK-AIR-DE-CATENA";
    mac.dns_name = "MacBook-Air-de-catena.local";
    VendorGuess g = guess_vendor(smb2_server(mac));
    INFO(all_evidence(g));
    CHECK(g.vendor == "macos");
    CHECK(g.confidence == 60);
    CHECK(has_evidence(g, "NTLMSSP version 6.1.7600 claims Windows, but Windows 7 / Server 2008 R2 negotiates at "
                          "most SMB 2.1, yet the server chose SMB 3.0.2; NetBIOS name"));
    CHECK(has_evidence(g, "macOS"));
    CHECK(has_evidence(g, ".local"));

    SUBCASE("without the .local name: still Apple's constant, less sure") {
        mac.dns_name = "mac.corp.example";
        VendorGuess h = guess_vendor(smb2_server(mac));
        CHECK(h.vendor == "macos");
        CHECK(h.confidence == 50);
    }
    SUBCASE("a real Windows 7 RTM (6.1.7600, SMB 2.1, short name) stays Windows") {
        mac.dialect = smb2::dialect_210;
        mac.netbios = "WIN7-PC";
        VendorGuess h = guess_vendor(smb2_server(mac));
        CHECK(h.vendor == "windows_server");
        CHECK(h.confidence == 60);
        CHECK_FALSE(has_evidence(h, "macOS"));
    }
}

TEST_CASE("vendor guess: impacket's 255.255.65535 and constant GUID give no guess, saying why") {
    ServerLooks impacket;
    impacket.version = {255, 255, 65535, 15};
    impacket.guid_byte = 'A';
    VendorGuess g = guess_vendor(smb2_server(impacket));
    INFO(all_evidence(g));
    CHECK(g.vendor.empty());
    CHECK(g.confidence == 0);
    CHECK(has_evidence(g, "NTLMSSP version 255.255.65535 claims Windows, but no Windows release has version "
                          "255.255.65535"));
    CHECK(has_evidence(g, "server GUID is one byte (0x41) 16 times"));

    SUBCASE("a Windows NativeLanMan does not rescue a claim that failed its checks") {
        ProbeResult r = smb2_server(impacket);
        r.smb1_native_lanman = "Windows 2000 LAN Manager";
        r.smb1_native_os = "Windows 5.1";
        VendorGuess h = guess_vendor(r);
        CHECK(h.vendor.empty());
        CHECK(has_evidence(h, "NativeLanMan \"Windows 2000 LAN Manager\""));
    }
}

TEST_CASE("vendor guess: Windows whose claim holds keeps its guess") {
    VendorGuess g = guess_vendor(smb2_server(ServerLooks{}));   // 10.0.20348, SMB 3.1.1
    CHECK(g.vendor == "windows_server");
    CHECK(g.confidence == 75);
    ServerLooks w2008;
    w2008.dialect = smb2::dialect_202;
    w2008.version = {6, 0, 6001, 15};
    CHECK(guess_vendor(smb2_server(w2008)).vendor == "windows_server");
}

TEST_CASE("vendor guess: why a server speaks only SMB1 is said from what it told") {
    SUBCASE("Windows XP: its NTLMSSP version") {
        VendorGuess g = guess_vendor(
            smb1_only_server(ntlmssp::Version{5, 1, 2600, 15}, "Windows 5.1", "Windows 2000 LAN Manager"));
        INFO(all_evidence(g));
        CHECK(g.vendor == "windows_server");
        CHECK(g.evidence.back() ==
              "speaks only SMB1, as Windows XP (NTLMSSP version 5.1.2600) does: SMB2 came with Windows Vista and "
              "Server 2008");
        CHECK_FALSE(has_evidence(g, "NAS"));
    }
    SUBCASE("Windows before Vista by NativeOS only (no VERSION field)") {
        VendorGuess g = guess_vendor(smb1_only_server(std::nullopt, "Windows Server 2003 3790 Service Pack 2",
                                                      "Windows Server 2003 5.2"));
        CHECK(g.vendor == "windows_server");
        CHECK(g.evidence.back() ==
              "speaks only SMB1, as Windows before Vista (NativeOS \"Windows Server 2003 3790 Service Pack 2\") "
              "does: SMB2 came with Windows Vista and Server 2008");
        VendorGuess xp = guess_vendor(smb1_only_server(std::nullopt, "Windows 5.1", "Windows 2000 LAN Manager"));
        CHECK(xp.evidence.back().find("(NativeOS \"Windows 5.1\")") != std::string::npos);
        VendorGuess vague = guess_vendor(smb1_only_server(std::nullopt, "", "Windows LAN Manager"));
        CHECK(vague.evidence.back() ==
              "speaks only SMB1: Windows before Vista and Server 2008, or a later one with SMB2 turned off");
    }
    SUBCASE("a later Windows with SMB2 off") {
        VendorGuess g = guess_vendor(smb1_only_server(ntlmssp::Version{6, 1, 7601, 15},
                                                      "Windows Server 2008 R2 Standard 7601 Service Pack 1",
                                                      "Windows Server 2008 R2 Standard 6.1"));
        CHECK(g.evidence.back() == "speaks only SMB1: Windows 7 / Server 2008 R2 (NTLMSSP version 6.1.7601) has "
                                   "SMB2, turned off on this server");
    }
    SUBCASE("Samba") {
        VendorGuess g = guess_vendor(smb1_only_server(ntlmssp::Version{6, 1, 0, 15}, "Unix", "Samba 3.0.37"));
        CHECK(g.vendor == "samba");
        CHECK(g.evidence.back().find("speaks only SMB1: Samba before 3.6") == 0);
    }
    SUBCASE("nothing said: the old guess, still true") {
        VendorGuess g = guess_vendor(smb1_only_server(std::nullopt, "", ""));
        CHECK(g.vendor == "other");
        CHECK(g.evidence.back() == "speaks only SMB1: an old NAS firmware or Samba 3.x");
    }
}
