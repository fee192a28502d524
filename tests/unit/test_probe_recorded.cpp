// The probe's parsers on replies recorded from a real Samba 4.17 (tests/unit/test_probe_recorded.hpp),
// whole and cut at every length.
#include <doctest/doctest.h>

#include "engine/probe/probe.hpp"
#include "engine/probe/smb.hpp"
#include "test_probe_recorded.hpp"

using namespace kbdiag::probe;
namespace rec = kbdiag::testing::recorded;

TEST_CASE("probe recorded: Samba SMB2 NEGOTIATE response") {
    auto r = smb2::parse_negotiate_response(rec::samba_negotiate_response());
    REQUIRE_MESSAGE(r, r.error);
    CHECK(smb2::dialect_name(r->dialect) == "3.1.1");
    CHECK(r->security_mode == smb2::security_signing_enabled);
    CHECK(smb2::guid_string(r->server_guid) == "6d2d626b-6e61-6175-6c00-000000000000");   // "kb-manual"
    CHECK(filetime_to_unix(r->system_time).value() > 1700000000);
    CHECK_FALSE(r->security_blob.empty());
    CHECK(r->context_types.size() >= 2);
    for (std::size_t n = 0; n < rec::samba_negotiate_response().size(); ++n) {
        std::vector<std::uint8_t> cut(rec::samba_negotiate_response().begin(),
                                      rec::samba_negotiate_response().begin() + static_cast<std::ptrdiff_t>(n));
        CHECK_FALSE(smb2::parse_negotiate_response(cut));
    }
}

TEST_CASE("probe recorded: Samba NTLMSSP CHALLENGE") {
    auto s = smb2::parse_session_setup_response(rec::samba_session_setup_challenge());
    REQUIRE_MESSAGE(s, s.error);
    CHECK(s->header.status == smb2::status_more_processing_required);
    auto c = ntlmssp::parse_challenge_in_blob(s->security_blob);
    REQUIRE_MESSAGE(c, c.error);
    CHECK(c->netbios_computer == "KB-MANUAL");
    CHECK(c->netbios_domain == "KB-MANUAL");
    CHECK_FALSE(c->dns_computer.empty());
    REQUIRE(c->version);
    CHECK(c->version->text() == "6.1.0");
    CHECK(c->version->revision == 15);
    REQUIRE(c->timestamp);
    for (std::size_t n = 0; n < s->security_blob.size(); ++n) {
        std::vector<std::uint8_t> cut(s->security_blob.begin(),
                                      s->security_blob.begin() + static_cast<std::ptrdiff_t>(n));
        auto p = ntlmssp::parse_challenge_in_blob(cut);
        if (!p) CHECK_FALSE(p.error.empty());
    }
}

TEST_CASE("probe recorded: Samba SMB1 answers") {
    auto refused = smb1::parse_negotiate_response(rec::samba_smb1_refusal());
    REQUIRE_MESSAGE(refused, refused.error);
    CHECK_FALSE(refused->accepted());
    CHECK(refused->dialect_index == 0xFFFF);

    auto nt1 = smb1::parse_negotiate_response(rec::samba_nt1_negotiate_response());
    REQUIRE_MESSAGE(nt1, nt1.error);
    CHECK(nt1->accepted());
    CHECK(filetime_to_unix(nt1->system_time).value() > 1700000000);
    CHECK(smb2::parse_negotiate_response(rec::samba_nt1_negotiate_response()).error ==
          "the server answered with SMB1");
}
