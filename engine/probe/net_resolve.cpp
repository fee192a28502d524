// The portable part of the socket layer: name resolution under a deadline, and error names.
// The platform files (net_posix.cpp, net_win32.cpp) provide lookup_addresses() and the sockets.
#include <future>
#include <thread>

#include <fmt/format.h>

#include "engine/probe/net.hpp"

namespace kbdiag::probe {

const char* to_string(NetError e) {
    switch (e) {
        case NetError::none: return "none";
        case NetError::refused: return "refused";
        case NetError::timeout: return "timeout";
        case NetError::unreachable: return "unreachable";
        case NetError::closed: return "closed";
        case NetError::other: return "other";
    }
    return "other";
}

Resolved resolve(const std::string& host_in, std::uint16_t port, Clock::time_point deadline) {
    std::string host = host_in;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    Resolved r;
    Lookup numeric = lookup_addresses(host, port, true);
    if (!numeric.addresses.empty()) {
        r.addresses = std::move(numeric.addresses);
        return r;
    }
    // A name: the system resolver has no timeout of its own, so it runs in a thread we may abandon.
    auto promise = std::make_shared<std::promise<Lookup>>();
    auto future = promise->get_future();
    try {
        std::thread([promise, host, port] { promise->set_value(lookup_addresses(host, port, false)); }).detach();
    } catch (const std::exception& e) {
        r.error = fmt::format("cannot start the resolver thread: {}", e.what());
        return r;
    }
    if (future.wait_until(deadline) != std::future_status::ready) {
        r.timed_out = true;
        r.error = "name resolution did not finish within the time budget";
        return r;
    }
    Lookup l = future.get();
    r.addresses = std::move(l.addresses);
    r.error = std::move(l.error);
    return r;
}

}  // namespace kbdiag::probe
