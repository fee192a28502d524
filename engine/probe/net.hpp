#pragma once
// The probe's socket layer: name resolution and TCP with deadlines. This header and net_resolve.cpp are
// portable; lookup_addresses() and the sockets are platform code (net_posix.cpp, net_win32.cpp).
// Every call takes an absolute deadline and returns by it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/probe/wire.hpp"

namespace kbdiag::probe {

using Clock = std::chrono::steady_clock;

struct Address {
    int family = 0;                       // AF_INET / AF_INET6 of the platform
    std::vector<std::uint8_t> sockaddr;   // the platform's sockaddr bytes, port included
    std::string text;                     // numeric form, e.g. "127.0.0.1" or "::1"
};

struct Resolved {
    std::vector<Address> addresses;
    std::string error;       // when addresses is empty
    bool timed_out = false;
};
// Resolves `host` (a name, IPv4, IPv6 with or without brackets) for TCP `port`. Numeric addresses never
// touch the resolver; names are resolved in a helper thread that is abandoned at the deadline.
Resolved resolve(const std::string& host, std::uint16_t port, Clock::time_point deadline);

// The platform part of resolve(): one getaddrinfo call; `numeric_only` never touches the resolver.
struct Lookup {
    std::vector<Address> addresses;
    std::string error;
};
Lookup lookup_addresses(const std::string& host, std::uint16_t port, bool numeric_only);

enum class NetError { none, refused, timeout, unreachable, closed, other };
const char* to_string(NetError e);

class Connection {
public:
    virtual ~Connection() = default;
    // Sends every byte or fails.
    virtual NetError send_all(ByteSpan data, Clock::time_point deadline, std::string& error) = 0;
    // Receives exactly n bytes into out (replacing it) or fails; `closed` when the peer closed first.
    virtual NetError recv_exact(std::size_t n, Bytes& out, Clock::time_point deadline, std::string& error) = 0;
};

// Connects with a deadline. On failure returns nullptr with `kind` and `error` set.
std::unique_ptr<Connection> connect_tcp(const Address& address, Clock::time_point deadline, NetError& kind,
                                        std::string& error);

}  // namespace kbdiag::probe
