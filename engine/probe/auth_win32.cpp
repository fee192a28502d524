// WNetAddConnection2W for the opt-in authentication check (auth_win32.hpp). Windows only. mpr.dll is loaded at
// run time, like ws2_32.dll in net_win32.cpp, so the link needs no extra import library.
#ifdef _WIN32

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
// clang-format off
#include <windows.h>
#include <winnetwk.h>
// clang-format on

#include <future>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "engine/probe/auth_win32.hpp"

namespace kbdiag::probe {

namespace {

using AddConnection2W = DWORD(WINAPI*)(LPNETRESOURCEW, LPCWSTR, LPCWSTR, DWORD);
using CancelConnection2W = DWORD(WINAPI*)(LPCWSTR, DWORD, BOOL);

std::wstring widen(const std::string& s) {
    if (s.empty()) return {};
    const int n = ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), nullptr, 0);
    std::wstring w(static_cast<std::size_t>(n), L'\0');
    ::MultiByteToWideChar(CP_UTF8, 0, s.data(), static_cast<int>(s.size()), w.data(), n);
    return w;
}

void wipe(std::wstring& w) {
    if (!w.empty()) ::SecureZeroMemory(w.data(), w.size() * sizeof(wchar_t));
    w.clear();
}

// The call itself, on the worker thread. Owns its copies of the strings; wipes the password when done.
struct Call {
    std::wstring unc, user, password;
    AddConnection2W add = nullptr;
    CancelConnection2W cancel = nullptr;

    DWORD run() {
        NETRESOURCEW resource{};
        resource.dwType = RESOURCETYPE_ANY;   // a disk share or IPC$
        resource.lpRemoteName = unc.data();
        const DWORD rc = add(&resource, password.c_str(), user.c_str(), CONNECT_TEMPORARY);
        wipe(password);
        // Not forced: when the user already had this connection, only our use of it ends.
        if (rc == NO_ERROR) cancel(unc.c_str(), 0, FALSE);
        return rc;
    }
};

}  // namespace

bool running_under_wine() {
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

Win32Connect connect_share_as(const std::string& unc, const std::string& user, const std::string& password,
                              std::chrono::milliseconds limit) {
    Win32Connect out;
    out.under_wine = running_under_wine();
    HMODULE mpr = ::LoadLibraryW(L"mpr.dll");
    if (!mpr) {
        out.failure = fmt::format("cannot load mpr.dll (error {})", ::GetLastError());
        return out;
    }
    auto call = std::make_shared<Call>();
    call->add =
        reinterpret_cast<AddConnection2W>(reinterpret_cast<void*>(::GetProcAddress(mpr, "WNetAddConnection2W")));
    call->cancel =
        reinterpret_cast<CancelConnection2W>(reinterpret_cast<void*>(::GetProcAddress(mpr, "WNetCancelConnection2W")));
    if (!call->add || !call->cancel) {
        out.failure = "mpr.dll lacks WNetAddConnection2W or WNetCancelConnection2W";
        return out;
    }
    call->unc = widen(unc);
    call->user = widen(user);
    call->password = widen(password);

    auto promise = std::make_shared<std::promise<DWORD>>();
    auto future = promise->get_future();
    try {
        std::thread([call, promise] { promise->set_value(call->run()); }).detach();
    } catch (const std::exception& e) {
        wipe(call->password);
        out.failure = fmt::format("cannot start the connection thread: {}", e.what());
        return out;
    }
    if (future.wait_for(limit) != std::future_status::ready) {
        out.failure = fmt::format("WNetAddConnection2W did not return within {} ms", limit.count());
        return out;
    }
    out.called = true;
    out.error = future.get();
    return out;
}

}  // namespace kbdiag::probe

#endif
