#include "engine/probe/windows_claim.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace kbdiag::probe {

namespace {

// MS-SMB2 1.7 and appendix A (product behavior): the highest dialect of each release (Vista SP1 and
// Server 2008 2.0.2, 7 and 2008 R2 2.1, 8 and 2012 3.0, 8.1 and 2012 R2 3.0.2, 10 / 11 / 2016 and later 3.1.1);
// Windows 5.x has no SMB2. Builds: the RTM and service-pack builds of each release (10.0: 10240 and later).
constexpr WindowsRelease releases[] = {
    {5, 0, 2195, 2195, 0, "Windows 2000"},
    {5, 1, 2600, 2600, 0, "Windows XP"},
    {5, 2, 3790, 3790, 0, "Windows Server 2003 / XP x64"},
    {6, 0, 6000, 6003, smb2::dialect_202, "Windows Vista / Server 2008"},
    {6, 1, 7600, 7601, smb2::dialect_210, "Windows 7 / Server 2008 R2"},
    {6, 2, 9200, 9200, smb2::dialect_300, "Windows 8 / Server 2012"},
    {6, 3, 9600, 9600, smb2::dialect_302, "Windows 8.1 / Server 2012 R2"},
    {10, 0, 10240, 0xFFFF, smb2::dialect_311, "Windows 10 / 11 / Server 2016 or later"},
};

// NetBIOS computer names have at most 15 characters (the 16th byte of a NetBIOS name is the suffix);
// Windows refuses longer ones.
constexpr std::size_t max_netbios_name = 15;

std::size_t utf8_characters(const std::string& s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

std::optional<WindowsRelease> windows_release(const ntlmssp::Version& v) {
    for (const auto& r : releases)
        if (r.major == v.major && r.minor == v.minor && v.build >= r.min_build && v.build <= r.max_build) return r;
    return std::nullopt;
}

std::vector<std::string> windows_claim_doubts(const WindowsClaimEvidence& e) {
    std::vector<std::string> doubts;
    const auto release = windows_release(e.version);
    if (!release) {
        doubts.push_back(fmt::format("no Windows release has version {} (5.0-6.3, or 10.0, with a build of that "
                                     "release)",
                                     e.version.text()));
    } else if (e.dialect && *e.dialect > release->max_dialect) {
        doubts.push_back(release->max_dialect == 0
                             ? fmt::format("{} has no SMB2, yet the server negotiated SMB {}", release->name,
                                           smb2::dialect_name(*e.dialect))
                             : fmt::format("{} negotiates at most SMB {}, yet the server chose SMB {}", release->name,
                                           smb2::dialect_name(release->max_dialect), smb2::dialect_name(*e.dialect)));
    }
    if (const std::size_t n = utf8_characters(e.netbios_name); n > max_netbios_name)
        doubts.push_back(fmt::format("NetBIOS name \"{}\" has {} characters; Windows allows at most {}",
                                     e.netbios_name, n, max_netbios_name));
    if (e.server_guid && e.server_guid->size() == 16 &&
        std::all_of(e.server_guid->begin(), e.server_guid->end(),
                    [&](std::uint8_t b) { return b == e.server_guid->front(); }))
        doubts.push_back(fmt::format("the SMB2 server GUID is one byte (0x{:02X}) 16 times; Windows generates a "
                                     "random one",
                                     e.server_guid->front()));
    return doubts;
}

bool is_apple_smbx_version(const ntlmssp::Version& v) { return v.major == 6 && v.minor == 1 && v.build == 7600; }

}  // namespace kbdiag::probe
