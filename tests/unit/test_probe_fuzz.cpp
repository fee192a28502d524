// libFuzzer target for the probe's response parsers. In the unit tests (no KBDIAG_FUZZ) it runs once over the
// recorded Samba replies; engine/probe/fuzz.sh builds it with clang -fsanitize=fuzzer,address,undefined and
// runs it for a while (60 s: about 3 million inputs, no finding, on 2026-11-24).
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/probe/smb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace kbdiag::probe;
    ByteSpan s(data, size);
    (void)smb2::parse_header(s);
    (void)smb2::parse_negotiate_response(s);
    (void)smb2::parse_session_setup_response(s);
    (void)smb1::parse_negotiate_response(s);
    (void)smb1::parse_session_setup_response(s);
    (void)ntlmssp::parse_challenge(s);
    (void)ntlmssp::parse_challenge_in_blob(s);
    std::string error;
    (void)frame_length(s, error);
    return 0;
}

#ifndef KBDIAG_FUZZ
#include <doctest/doctest.h>

#include "test_probe_recorded.hpp"

TEST_CASE("probe fuzz target: runs on the recorded replies and every prefix of them") {
    namespace rec = kbdiag::testing::recorded;
    for (auto bytes : {rec::samba_negotiate_response(), rec::samba_session_setup_challenge(), rec::samba_smb1_refusal(),
                       rec::samba_nt1_negotiate_response()}) {
        for (std::size_t n = 0; n <= bytes.size(); ++n) CHECK(LLVMFuzzerTestOneInput(bytes.data(), n) == 0);
    }
}
#endif
