#pragma once
// A fake HTTP server on 127.0.0.1 for the probe's admin-port checks (POSIX only): one connection at a time, it
// reads the request and then answers `page` and closes (page), holds the connection without a word (silent),
// answers `page` followed by 10 MB of text (huge), or answers one byte every 20 ms for as long as the client
// stays (drip). Sends never block the server thread for long, so the destructor always returns.
#ifndef _WIN32

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kbdiag::testing {

enum class HttpMode { page, silent, huge, drip };

// A TCP socket bound to an ephemeral port on 127.0.0.1; `port` receives the port the system chose.
inline int bind_loopback(std::uint16_t& port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return fd;
}

class FakeHttp {
public:
    explicit FakeHttp(std::string page, HttpMode mode = HttpMode::page) : page_(std::move(page)), mode_(mode) {
        fd_ = bind_loopback(port_);
        REQUIRE(::listen(fd_, 8) == 0);
        thread_ = std::thread([this] { loop(); });
    }
    ~FakeHttp() {
        stop_ = true;
        thread_.join();
        for (int c : held_) ::close(c);
        ::close(fd_);
    }
    FakeHttp(const FakeHttp&) = delete;
    FakeHttp& operator=(const FakeHttp&) = delete;

    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }
    std::string last_request() const {
        std::lock_guard<std::mutex> lock(mutex_);
        return last_request_;
    }
    std::size_t bytes_sent() const { return sent_; }

private:
    void loop() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) continue;
            ++connections_;
            if (mode_ == HttpMode::silent) {
                held_.push_back(c);
                continue;
            }
            read_request(c);
            if (mode_ == HttpMode::drip) {
                drip(c);
            } else {
                send_all(c, page_);
                if (mode_ == HttpMode::huge) {
                    const std::string block(64 * 1024, 'x');
                    for (int i = 0; i < 160 && send_all(c, block); ++i) {   // 10 MB, until the client leaves
                    }
                }
            }
            ::close(c);
        }
    }

    void read_request(int c) {
        char buf[2048];
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 1000) <= 0) return;
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) return;
        std::lock_guard<std::mutex> lock(mutex_);
        last_request_.assign(buf, static_cast<std::size_t>(n));
    }

    // Sends everything unless the client goes away, stops reading for 2 s, or the server is stopping.
    bool send_all(int c, const std::string& data) {
        std::size_t done = 0;
        int idle_ms = 0;
        while (done < data.size() && !stop_ && idle_ms < 2000) {
            pollfd p{c, POLLOUT, 0};
            if (::poll(&p, 1, 20) <= 0) {
                idle_ms += 20;
                continue;
            }
            const ssize_t n = ::send(c, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n < 0) return false;
            done += static_cast<std::size_t>(n);
            sent_ += static_cast<std::size_t>(n);
            idle_ms = 0;
        }
        return done == data.size();
    }

    void drip(int c) {
        for (int i = 0; i < 500 && !stop_; ++i) {
            if (!send_all(c, std::string(1, page_.empty() ? 'x' : page_[static_cast<std::size_t>(i) % page_.size()])))
                return;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }

    std::string page_;
    HttpMode mode_;
    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::atomic<std::size_t> sent_{0};
    mutable std::mutex mutex_;
    std::string last_request_;
    std::vector<int> held_;
};

// A loopback port where nothing listens, held for the test's lifetime: bound but never listening, so a connect is
// refused at once and no other test running in parallel can take the port (a port freed by closing a server
// could be handed to another process's listener before the probe connects).
class ClosedPort {
public:
    ClosedPort() { fd_ = bind_loopback(port_); }
    ~ClosedPort() { ::close(fd_); }
    ClosedPort(const ClosedPort&) = delete;
    ClosedPort& operator=(const ClosedPort&) = delete;
    std::uint16_t port() const { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace kbdiag::testing

#endif  // !_WIN32
