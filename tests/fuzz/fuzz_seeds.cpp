// Writes the seed corpus of every fuzz target into OUTDIR/<target>/ (run by ctest as fuzz.seeds before the
// targets): the replies recorded from Samba (tests/unit/test_probe_recorded.hpp), the synthetic replies the unit
// tests build (test_probe_support.hpp) and the canned admin pages (test_probe_http_pages.hpp). Generated at test
// time into the build tree, so no binary seeds live in the repository.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "tests/unit/test_probe_http_pages.hpp"
#include "tests/unit/test_probe_recorded.hpp"
#include "tests/unit/test_probe_support.hpp"

namespace fs = std::filesystem;
using kbdiag::probe::Bytes;
namespace t = kbdiag::testing;
namespace rec = kbdiag::testing::recorded;

namespace {

Bytes copy(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }
Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

Bytes concat(const std::vector<Bytes>& parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

bool write_seeds(const fs::path& dir, const std::vector<Bytes>& seeds) {
    fs::create_directories(dir);
    int n = 0;
    for (const auto& s : seeds) {
        std::ofstream out(dir / ("seed" + std::to_string(++n)), std::ios::binary);
        out.write(reinterpret_cast<const char*>(s.data()), static_cast<std::streamsize>(s.size()));
        if (!out) return false;
    }
    std::printf("%s: %d seeds\n", dir.string().c_str(), n);
    return true;
}

Bytes windows_challenge() {
    return t::challenge_message(t::av_pairs({{2, "CORP"}, {1, "FS01"}, {4, "corp.example"}, {3, "fs01.corp.example"}}),
                                10, 0, 20348);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    const fs::path out = argv[1];
    std::error_code ec;
    fs::remove_all(out, ec);

    t::NegotiateSpec smb311;
    smb311.contexts = {{1, t::bytes_of({1, 0, 32, 0, 1, 0})}, {2, t::bytes_of({2, 0, 2, 0, 1, 0})},
                       {8, t::bytes_of({1, 0, 2, 0})}};
    t::NegotiateSpec smb210;
    smb210.dialect = 0x0210;
    t::NegotiateSpec refused;
    refused.status = kbdiag::probe::smb2::status_not_supported;
    const Bytes negotiate = copy(rec::samba_negotiate_response());
    const Bytes session = copy(rec::samba_session_setup_challenge());
    const Bytes samba_challenge = t::challenge_message(t::samba_like_target_info());
    const Bytes smb1_session = t::smb1_session_setup_response(t::spnego_wrap(samba_challenge), "Windows 6.1",
                                                              "Samba 4.17.12-Debian");

    bool ok = write_seeds(out / "smb2_negotiate", {negotiate, t::negotiate_response(smb311),
                                                   t::negotiate_response(smb210), t::negotiate_response(refused)});
    ok = ok && write_seeds(out / "smb1_negotiate",
                           {copy(rec::samba_smb1_refusal()), copy(rec::samba_nt1_negotiate_response()),
                            t::smb1_negotiate_response(true), t::smb1_negotiate_response(false)});
    ok = ok && write_seeds(out / "session_setup",
                           {session, samba_challenge, t::spnego_wrap(windows_challenge()),
                            t::session_setup_response(kbdiag::probe::smb2::status_more_processing_required,
                                                      t::spnego_wrap(windows_challenge())),
                            smb1_session, t::challenge_message(t::samba_like_target_info(), 6, 1, 0, false)});
    const Bytes keepalive = t::bytes_of({0x85, 0, 0, 0});
    ok = ok &&
         write_seeds(out / "netbios_framing",
                     {kbdiag::probe::frame(negotiate), concat({keepalive, keepalive, kbdiag::probe::frame(session)}),
                      kbdiag::probe::frame(copy(rec::samba_smb1_refusal())), t::bytes_of({0x00, 0xFF, 0xFF, 0xFF})});
    namespace pages = kbdiag::testing::http_pages;
    ok = ok && write_seeds(out / "http_answer", {text(pages::synology()), text(pages::qnap()),
                                                 text(pages::truenas_text_only()), text(pages::iis()),
                                                 text(pages::nginx_redirect()), text(pages::garbage())});
    return ok ? 0 : 1;
}
