#pragma once
// The opt-in authentication check on Windows: the OS's own connection API (WNetAddConnection2W), so the
// answer is exactly the error the user sees in Explorer or `net use`. Declared everywhere, defined only in
// the Windows build (auth_win32.cpp).
#include <chrono>
#include <cstdint>
#include <string>

namespace kbdiag::probe {

struct Win32Connect {
    bool called = false;       // WNetAddConnection2W ran and returned (else: see failure)
    std::uint32_t error = 0;   // its return value (0: connected, and disconnected again)
    bool under_wine = false;   // Wine's mpr.dll: no SMB network provider behind it
    std::string failure;       // why it could not be called or did not return in time
};

// Connects to `unc` (\\server\share, or \\server\IPC$) as `user` with `password`: a temporary connection,
// no drive letter, cancelled again right after (without forcing, so a connection the user already had stays).
// The password is passed to the API only and wiped from this function's copies. Abandons the call (a worker
// thread) at `limit`: WNetAddConnection2W has no timeout of its own.
// Wine's ntdll (wine_get_version exists).
bool running_under_wine();

Win32Connect connect_share_as(const std::string& unc, const std::string& user, const std::string& password,
                              std::chrono::milliseconds limit);

}  // namespace kbdiag::probe
