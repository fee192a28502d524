// POSIX sockets for the probe (Linux, macOS). A Winsock twin keeps the same interface (net.hpp).
#ifndef _WIN32

#include <cerrno>
#include <cstring>
#include <future>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <fmt/format.h>

#include "engine/probe/net.hpp"

namespace kbdiag::probe {

namespace {

int ms_left(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    return left > 60000 ? 60000 : static_cast<int>(left);
}

std::string numeric(const sockaddr* sa, socklen_t len) {
    char host[NI_MAXHOST] = {};
    if (getnameinfo(sa, len, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return "?";
    return host;
}

std::vector<Address> to_addresses(const addrinfo* list) {
    std::vector<Address> out;
    for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        Address a;
        a.family = ai->ai_family;
        const auto* p = reinterpret_cast<const std::uint8_t*>(ai->ai_addr);
        a.sockaddr.assign(p, p + ai->ai_addrlen);
        a.text = numeric(ai->ai_addr, ai->ai_addrlen);
        bool dup = false;
        for (const auto& b : out) dup = dup || b.sockaddr == a.sockaddr;
        if (!dup) out.push_back(std::move(a));
    }
    return out;
}

}  // namespace

Lookup lookup_addresses(const std::string& host, std::uint16_t port, bool numeric_only) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (numeric_only ? AI_NUMERICHOST : 0);
    addrinfo* list = nullptr;
    const std::string service = std::to_string(port);
    int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &list);
    Lookup r;
    if (rc != 0) {
        r.error = gai_strerror(rc);
        return r;
    }
    r.addresses = to_addresses(list);
    freeaddrinfo(list);
    if (r.addresses.empty()) r.error = "no IPv4 or IPv6 address";
    return r;
}

namespace {

class PosixConnection final : public Connection {
public:
    explicit PosixConnection(int fd) : fd_(fd) {}
    ~PosixConnection() override { ::close(fd_); }
    PosixConnection(const PosixConnection&) = delete;
    PosixConnection& operator=(const PosixConnection&) = delete;

    NetError send_all(ByteSpan data, Clock::time_point deadline, std::string& error) override {
        std::size_t sent = 0;
        while (sent < data.size()) {
            NetError w = wait(POLLOUT, deadline, error);
            if (w != NetError::none) return w;
            ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
                error = fmt::format("send: {}", std::strerror(errno));
                return errno == EPIPE || errno == ECONNRESET ? NetError::closed : NetError::other;
            }
            sent += static_cast<std::size_t>(n);
        }
        return NetError::none;
    }

    NetError recv_exact(std::size_t n, Bytes& out, Clock::time_point deadline, std::string& error) override {
        out.assign(n, 0);
        std::size_t got = 0;
        while (got < n) {
            NetError w = wait(POLLIN, deadline, error);
            if (w != NetError::none) return w;
            ssize_t r = ::recv(fd_, out.data() + got, n - got, 0);
            if (r == 0) {
                error = got == 0 ? "the server closed the connection"
                                 : fmt::format("the server closed the connection after {} of {} bytes", got, n);
                return NetError::closed;
            }
            if (r < 0) {
                if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
                error = fmt::format("recv: {}", std::strerror(errno));
                return errno == ECONNRESET ? NetError::closed : NetError::other;
            }
            got += static_cast<std::size_t>(r);
        }
        return NetError::none;
    }

private:
    NetError wait(short events, Clock::time_point deadline, std::string& error) {
        for (;;) {
            pollfd p{fd_, events, 0};
            int left = ms_left(deadline);
            if (left == 0) {
                error = "no answer within the time budget";
                return NetError::timeout;
            }
            int rc = ::poll(&p, 1, left);
            if (rc < 0) {
                if (errno == EINTR) continue;
                error = fmt::format("poll: {}", std::strerror(errno));
                return NetError::other;
            }
            if (rc == 0) continue;   // re-check the deadline
            return NetError::none;   // readable, writable, or an error/hang-up that recv/send will report
        }
    }

    int fd_;
};

}  // namespace

std::unique_ptr<Connection> connect_tcp(const Address& address, Clock::time_point deadline, NetError& kind,
                                        std::string& error) {
    kind = NetError::other;
    int fd = ::socket(address.family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = fmt::format("socket: {}", std::strerror(errno));
        return nullptr;
    }
    auto fail = [&](NetError k, std::string message) -> std::unique_ptr<Connection> {
        ::close(fd);
        kind = k;
        error = std::move(message);
        return nullptr;
    };
    int flags = ::fcntl(fd, F_GETFL, 0);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return fail(NetError::other, fmt::format("fcntl: {}", std::strerror(errno)));
    int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(address.sockaddr.data()),
                       static_cast<socklen_t>(address.sockaddr.size()));
    if (rc < 0 && errno != EINPROGRESS) {
        int e = errno;
        if (e == ECONNREFUSED) return fail(NetError::refused, "connection refused");
        if (e == ENETUNREACH || e == EHOSTUNREACH) return fail(NetError::unreachable, std::strerror(e));
        return fail(NetError::other, fmt::format("connect: {}", std::strerror(e)));
    }
    if (rc < 0) {
        for (;;) {
            pollfd p{fd, POLLOUT, 0};
            int left = ms_left(deadline);
            if (left == 0) return fail(NetError::timeout, "no TCP answer within the time budget");
            int pr = ::poll(&p, 1, left);
            if (pr < 0 && errno == EINTR) continue;
            if (pr < 0) return fail(NetError::other, fmt::format("poll: {}", std::strerror(errno)));
            if (pr == 0) continue;
            break;
        }
        int so_error = 0;
        socklen_t len = sizeof so_error;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0) so_error = errno;
        if (so_error == ECONNREFUSED) return fail(NetError::refused, "connection refused");
        if (so_error == ENETUNREACH || so_error == EHOSTUNREACH)
            return fail(NetError::unreachable, std::strerror(so_error));
        if (so_error == ETIMEDOUT) return fail(NetError::timeout, "connection timed out");
        if (so_error != 0) return fail(NetError::other, fmt::format("connect: {}", std::strerror(so_error)));
    }
    kind = NetError::none;
    return std::make_unique<PosixConnection>(fd);
}

}  // namespace kbdiag::probe

#endif  // !_WIN32
