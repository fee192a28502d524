#pragma once
// Does a server's claim to be Windows hold up? The NTLMSSP VERSION (MS-NLMP 2.2.2.10) is only the server's own
// word: Apple's SMB server claims 6.1.7600 (Windows 7) and impacket 255.255.65535. The claim is checked against
// what the Windows release it names can do. Pure functions: unit-testable without a server.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/probe/smb.hpp"

namespace kbdiag::probe {

struct WindowsRelease {
    std::uint8_t major = 0, minor = 0;
    std::uint16_t min_build = 0, max_build = 0;
    std::uint16_t max_dialect = 0;   // the highest SMB2 dialect it can negotiate; 0: SMB1 only
    const char* name = "";           // "Windows 7 / Server 2008 R2"
};

// The Windows release an NTLMSSP version number names (major.minor with a build of that release), or nullopt.
std::optional<WindowsRelease> windows_release(const ntlmssp::Version& version);

// What the probe saw that a Windows claim must agree with.
struct WindowsClaimEvidence {
    ntlmssp::Version version;
    std::optional<std::uint16_t> dialect;   // the SMB2 dialect chosen from all offered (the server's highest)
    std::string netbios_name;               // UTF-8, from the CHALLENGE
    std::optional<std::vector<std::uint8_t>> server_guid;   // the SMB2 ServerGuid (16 bytes)
};

// Why the server cannot be the Windows it claims to be, one sentence each; empty when the claim holds.
std::vector<std::string> windows_claim_doubts(const WindowsClaimEvidence& evidence);

// Apple's SMB server (macOS file sharing, smbx) sends NTLMSSP 6.1.7600 whatever the macOS release.
bool is_apple_smbx_version(const ntlmssp::Version& version);

}  // namespace kbdiag::probe
