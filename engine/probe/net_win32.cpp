// Winsock for the probe's socket layer (net.hpp), the twin of net_posix.cpp. ws2_32.dll is loaded at run
// time (LoadLibrary + GetProcAddress), so the Windows build needs no extra import library; under Wine the
// same code runs over Wine's Winsock.
#ifdef _WIN32

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "engine/probe/net.hpp"

namespace kbdiag::probe {

namespace {

struct Ws2 {
    bool ok = false;
    std::string error;
    int(WSAAPI* WSAStartup)(WORD, LPWSADATA) = nullptr;
    int(WSAAPI* WSAGetLastError)() = nullptr;
    SOCKET(WSAAPI* socket)(int, int, int) = nullptr;
    int(WSAAPI* closesocket)(SOCKET) = nullptr;
    int(WSAAPI* ioctlsocket)(SOCKET, long, u_long*) = nullptr;
    int(WSAAPI* connect)(SOCKET, const sockaddr*, int) = nullptr;
    int(WSAAPI* send)(SOCKET, const char*, int, int) = nullptr;
    int(WSAAPI* recv)(SOCKET, char*, int, int) = nullptr;
    int(WSAAPI* WSAPoll)(LPWSAPOLLFD, ULONG, INT) = nullptr;
    int(WSAAPI* getsockopt)(SOCKET, int, int, char*, int*) = nullptr;
    int(WSAAPI* getaddrinfo)(PCSTR, PCSTR, const ADDRINFOA*, PADDRINFOA*) = nullptr;
    void(WSAAPI* freeaddrinfo)(PADDRINFOA) = nullptr;
    int(WSAAPI* getnameinfo)(const SOCKADDR*, socklen_t, PCHAR, DWORD, PCHAR, DWORD, INT) = nullptr;
};

template <class F>
bool load(HMODULE m, const char* name, F& f) {
    f = reinterpret_cast<F>(reinterpret_cast<void*>(GetProcAddress(m, name)));
    return f != nullptr;
}

const Ws2& ws2() {
    static Ws2 w;
    static std::once_flag once;
    std::call_once(once, [] {
        HMODULE m = LoadLibraryA("ws2_32.dll");
        if (!m) {
            w.error = fmt::format("cannot load ws2_32.dll (error {})", GetLastError());
            return;
        }
        bool all = load(m, "WSAStartup", w.WSAStartup) && load(m, "WSAGetLastError", w.WSAGetLastError) &&
                   load(m, "socket", w.socket) && load(m, "closesocket", w.closesocket) &&
                   load(m, "ioctlsocket", w.ioctlsocket) && load(m, "connect", w.connect) && load(m, "send", w.send) &&
                   load(m, "recv", w.recv) && load(m, "WSAPoll", w.WSAPoll) && load(m, "getsockopt", w.getsockopt) &&
                   load(m, "getaddrinfo", w.getaddrinfo) && load(m, "freeaddrinfo", w.freeaddrinfo) &&
                   load(m, "getnameinfo", w.getnameinfo);
        if (!all) {
            w.error = "ws2_32.dll lacks a function the probe needs";
            return;
        }
        WSADATA data;
        int rc = w.WSAStartup(MAKEWORD(2, 2), &data);
        if (rc != 0) {
            w.error = fmt::format("WSAStartup failed ({})", rc);
            return;
        }
        w.ok = true;   // never WSACleanup: other threads may still be finishing
    });
    return w;
}

int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    return left > 60000 ? 60000 : static_cast<int>(left);
}

std::string wsa_text(int code) { return fmt::format("Winsock error {}", code); }

}  // namespace

Lookup lookup_addresses(const std::string& host, std::uint16_t port, bool numeric_only) {
    Lookup r;
    const Ws2& w = ws2();
    if (!w.ok) {
        r.error = w.error;
        return r;
    }
    ADDRINFOA hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
    PADDRINFOA list = nullptr;
    const std::string service = std::to_string(port);
    int rc = w.getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
    if (rc != 0) {
        r.error = wsa_text(rc);
        return r;
    }
    for (PADDRINFOA ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        Address a;
        a.family = ai->ai_family;
        const auto* p = reinterpret_cast<const std::uint8_t*>(ai->ai_addr);
        a.sockaddr.assign(p, p + ai->ai_addrlen);
        char text[NI_MAXHOST] = {};
        if (w.getnameinfo(ai->ai_addr, static_cast<socklen_t>(ai->ai_addrlen), text, sizeof text, nullptr, 0,
                          NI_NUMERICHOST) == 0)
            a.text = text;
        else
            a.text = "?";
        bool dup = false;
        for (const auto& b : r.addresses) dup = dup || b.sockaddr == a.sockaddr;
        if (!dup) r.addresses.push_back(std::move(a));
    }
    w.freeaddrinfo(list);
    if (r.addresses.empty()) r.error = "no IPv4 or IPv6 address";
    return r;
}

namespace {

class WinsockConnection final : public Connection {
public:
    explicit WinsockConnection(SOCKET s) : s_(s) {}
    ~WinsockConnection() override { ws2().closesocket(s_); }
    WinsockConnection(const WinsockConnection&) = delete;
    WinsockConnection& operator=(const WinsockConnection&) = delete;

    NetError send_all(ByteSpan data, Clock::time_point deadline, std::string& error) override {
        std::size_t sent = 0;
        while (sent < data.size()) {
            NetError e = wait(POLLWRNORM, deadline, error);
            if (e != NetError::none) return e;
            const int chunk = static_cast<int>(std::min<std::size_t>(data.size() - sent, 1 << 20));
            int n = ws2().send(s_, reinterpret_cast<const char*>(data.data() + sent), chunk, 0);
            if (n == SOCKET_ERROR) {
                int code = ws2().WSAGetLastError();
                if (code == WSAEWOULDBLOCK || code == WSAEINTR) continue;
                error = fmt::format("send: {}", wsa_text(code));
                return code == WSAECONNRESET || code == WSAECONNABORTED ? NetError::closed : NetError::other;
            }
            sent += static_cast<std::size_t>(n);
        }
        return NetError::none;
    }

    NetError recv_exact(std::size_t n, Bytes& out, Clock::time_point deadline, std::string& error) override {
        out.assign(n, 0);
        std::size_t got = 0;
        while (got < n) {
            NetError e = wait(POLLRDNORM, deadline, error);
            if (e != NetError::none) return e;
            const int chunk = static_cast<int>(std::min<std::size_t>(n - got, 1 << 20));
            int r = ws2().recv(s_, reinterpret_cast<char*>(out.data() + got), chunk, 0);
            if (r == 0) {
                error = got == 0 ? "the server closed the connection"
                                 : fmt::format("the server closed the connection after {} of {} bytes", got, n);
                return NetError::closed;
            }
            if (r == SOCKET_ERROR) {
                int code = ws2().WSAGetLastError();
                if (code == WSAEWOULDBLOCK || code == WSAEINTR) continue;
                error = fmt::format("recv: {}", wsa_text(code));
                return code == WSAECONNRESET || code == WSAECONNABORTED ? NetError::closed : NetError::other;
            }
            got += static_cast<std::size_t>(r);
        }
        return NetError::none;
    }

private:
    NetError wait(SHORT events, Clock::time_point deadline, std::string& error) {
        for (;;) {
            WSAPOLLFD p{};
            p.fd = s_;
            p.events = events;
            int left = ms_left(deadline);
            if (left == 0) {
                error = "no answer within the time budget";
                return NetError::timeout;
            }
            int rc = ws2().WSAPoll(&p, 1, left);
            if (rc == SOCKET_ERROR) {
                error = fmt::format("WSAPoll: {}", wsa_text(ws2().WSAGetLastError()));
                return NetError::other;
            }
            if (rc == 0) continue;
            return NetError::none;
        }
    }

    SOCKET s_;
};

}  // namespace

std::unique_ptr<Connection> connect_tcp(const Address& address, Clock::time_point deadline, NetError& kind,
                                        std::string& error) {
    kind = NetError::other;
    const Ws2& w = ws2();
    if (!w.ok) {
        error = w.error;
        return nullptr;
    }
    SOCKET s = w.socket(address.family, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        error = fmt::format("socket: {}", wsa_text(w.WSAGetLastError()));
        return nullptr;
    }
    auto fail = [&](NetError k, std::string message) -> std::unique_ptr<Connection> {
        w.closesocket(s);
        kind = k;
        error = std::move(message);
        return nullptr;
    };
    u_long nonblocking = 1;
    if (w.ioctlsocket(s, static_cast<long>(FIONBIO), &nonblocking) != 0)
        return fail(NetError::other, fmt::format("ioctlsocket: {}", wsa_text(w.WSAGetLastError())));
    auto classify = [&](int code) -> std::unique_ptr<Connection> {
        if (code == WSAECONNREFUSED) return fail(NetError::refused, "connection refused");
        if (code == WSAENETUNREACH || code == WSAEHOSTUNREACH)
            return fail(NetError::unreachable, fmt::format("unreachable ({})", wsa_text(code)));
        if (code == WSAETIMEDOUT) return fail(NetError::timeout, "connection timed out");
        return fail(NetError::other, fmt::format("connect: {}", wsa_text(code)));
    };
    if (w.connect(s, reinterpret_cast<const sockaddr*>(address.sockaddr.data()),
                  static_cast<int>(address.sockaddr.size())) == SOCKET_ERROR) {
        int code = w.WSAGetLastError();
        if (code != WSAEWOULDBLOCK && code != WSAEINPROGRESS) return classify(code);
        for (;;) {
            WSAPOLLFD p{};
            p.fd = s;
            p.events = POLLWRNORM;
            int left = ms_left(deadline);
            if (left == 0) return fail(NetError::timeout, "no TCP answer within the time budget");
            int rc = w.WSAPoll(&p, 1, left);
            if (rc == SOCKET_ERROR)
                return fail(NetError::other, fmt::format("WSAPoll: {}", wsa_text(w.WSAGetLastError())));
            if (rc == 0) continue;
            break;
        }
        int so_error = 0;
        int len = sizeof so_error;
        if (w.getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&so_error), &len) != 0)
            so_error = w.WSAGetLastError();
        if (so_error != 0) return classify(so_error);
    }
    kind = NetError::none;
    return std::make_unique<WinsockConnection>(s);
}

}  // namespace kbdiag::probe

#endif  // _WIN32
