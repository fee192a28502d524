// The fuzz targets (tests/fuzz/probe_fuzz_targets.hpp) run once here over the recorded Samba replies, the
// synthetic replies and the canned admin pages, and over every prefix of each: what libFuzzer starts from must
// pass. The fuzzing itself is `cmake --workflow --preset fuzz` (clang, libFuzzer, ASan+UBSan), run by
// tools/scripts/test.sh.
#include <doctest/doctest.h>

#include <string>

#include "test_probe_http_pages.hpp"
#include "test_probe_recorded.hpp"
#include "test_probe_support.hpp"
#include "tests/fuzz/probe_fuzz_targets.hpp"

namespace {

using Target = int (*)(const std::uint8_t*, std::size_t);

void run_every_prefix(Target target, kbdiag::probe::ByteSpan bytes) {
    for (std::size_t n = 0; n <= bytes.size(); ++n) CHECK(target(bytes.data(), n) == 0);
}

}  // namespace

TEST_CASE("probe fuzz targets: every SMB target runs on the recorded replies and every prefix of them") {
    namespace rec = kbdiag::testing::recorded;
    namespace f = kbdiag::fuzz;
    for (Target target : {&f::smb2_negotiate, &f::smb1_negotiate, &f::session_setup, &f::netbios_framing}) {
        for (auto bytes : {rec::samba_negotiate_response(), rec::samba_session_setup_challenge(),
                           rec::samba_smb1_refusal(), rec::samba_nt1_negotiate_response()})
            run_every_prefix(target, bytes);
        const auto framed = kbdiag::probe::frame(
            kbdiag::probe::Bytes(rec::samba_negotiate_response().begin(), rec::samba_negotiate_response().end()));
        run_every_prefix(target, framed);
    }
}

TEST_CASE("probe fuzz targets: the HTTP target runs on the canned admin pages and every prefix of them") {
    namespace pages = kbdiag::testing::http_pages;
    for (const std::string& page : {pages::synology(), pages::qnap(), pages::truenas_text_only(), pages::iis(),
                                    pages::nginx_redirect(), pages::garbage()})
        run_every_prefix(&kbdiag::fuzz::http_answer,
                         kbdiag::probe::ByteSpan(reinterpret_cast<const std::uint8_t*>(page.data()), page.size()));
}

TEST_CASE("probe fuzz targets: the UTF-8 check the targets rely on rejects what it must") {
    using kbdiag::fuzz::valid_utf8;
    CHECK(valid_utf8("KB-DEFAULT"));
    CHECK(valid_utf8("\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80"));
    CHECK_FALSE(valid_utf8("\xC3"));           // cut short
    CHECK_FALSE(valid_utf8("\xFF\xFE"));       // not a lead byte
    CHECK_FALSE(valid_utf8("\xE2\x82" "A"));   // continuation missing
}
