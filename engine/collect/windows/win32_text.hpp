#pragma once
// UTF-8 <-> UTF-16 for the Win32 "W" APIs. Windows only.
#ifdef _WIN32

#include <windows.h>

#include <cwchar>
#include <string>

namespace kbdiag::win {

inline std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

inline std::string narrow(const wchar_t* w, std::size_t len) {
    if (!w || len == 0) return {};
    int n = ::WideCharToMultiByte(CP_UTF8, 0, w, static_cast<int>(len), nullptr, 0, nullptr, nullptr);
    std::string s(static_cast<std::size_t>(n), '\0');
    ::WideCharToMultiByte(CP_UTF8, 0, w, static_cast<int>(len), s.data(), n, nullptr, nullptr);
    return s;
}

inline std::string narrow(const wchar_t* w) { return w ? narrow(w, std::wcslen(w)) : std::string{}; }

}  // namespace kbdiag::win

#endif
