// Test helper for tests/windows/e2e.sh (Windows only; built by that script with MinGW and run under Wine):
// plants or removes a Credential Manager entry of the current user with CredWriteW / CredDeleteW.
//   plant_cred.exe write TARGET USER PASSWORD [generic]   (default type: CRED_TYPE_DOMAIN_PASSWORD, persist
//                                                          CRED_PERSIST_LOCAL_MACHINE, as `cmdkey /add` does)
//   plant_cred.exe delete TARGET [generic]
// Exit code 0 on success, else the Win32 error code (delete of a missing entry: 0).
#include <windows.h>
#include <wincred.h>

#include <cstdio>
#include <cwchar>
#include <string>

int wmain(int argc, wchar_t** argv) {
    if (argc < 3) {
        std::fwprintf(stderr, L"usage: plant_cred write TARGET USER PASSWORD [generic] | delete TARGET [generic]\n");
        return 2;
    }
    const std::wstring op = argv[1];
    const bool generic = (op == L"write" && argc > 5 && std::wstring(argv[5]) == L"generic") ||
                         (op == L"delete" && argc > 3 && std::wstring(argv[3]) == L"generic");
    const DWORD type = generic ? CRED_TYPE_GENERIC : CRED_TYPE_DOMAIN_PASSWORD;
    if (op == L"write" && argc >= 5) {
        std::wstring target = argv[2], user = argv[3], password = argv[4];
        CREDENTIALW c{};
        c.Type = type;
        c.TargetName = target.data();
        c.UserName = user.data();
        c.CredentialBlobSize = static_cast<DWORD>(password.size() * sizeof(wchar_t));
        c.CredentialBlob = reinterpret_cast<LPBYTE>(password.data());
        c.Persist = CRED_PERSIST_LOCAL_MACHINE;
        if (!CredWriteW(&c, 0)) {
            DWORD e = GetLastError();
            std::fwprintf(stderr, L"CredWriteW failed: %lu\n", e);
            return static_cast<int>(e);
        }
        return 0;
    }
    if (op == L"delete") {
        if (!CredDeleteW(argv[2], type, 0)) {
            DWORD e = GetLastError();
            if (e == ERROR_NOT_FOUND) return 0;
            std::fwprintf(stderr, L"CredDeleteW failed: %lu\n", e);
            return static_cast<int>(e);
        }
        return 0;
    }
    std::fwprintf(stderr, L"unknown operation\n");
    return 2;
}
