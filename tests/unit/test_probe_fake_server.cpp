// The whole probe against fake servers on 127.0.0.1: a well-behaved one (synthetic Samba-like replies), and
// hostile ones that never answer, cut replies short, announce huge frames, send garbage or keep-alives
// forever. The probe must return cleanly, by its budget, with the facts it could get.
#ifndef _WIN32

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/probe/probe.hpp"
#include "engine/probe/probe_collector.hpp"
#include "test_probe_fake_http.hpp"
#include "test_probe_support.hpp"

using namespace kbdiag;
using namespace kbdiag::probe;
using namespace kbdiag::testing;
using namespace std::chrono_literals;

namespace {

enum class Mode { good, silent, truncated, huge_frame, garbage, keepalives, close_at_once, smb1_only };

// Reads one framed message (bounded by a short timeout); empty on failure.
Bytes read_message(int fd) {
    auto read_n = [fd](std::size_t n, Bytes& out) {
        out.assign(n, 0);
        std::size_t got = 0;
        while (got < n) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 2000) <= 0) return false;
            ssize_t r = ::recv(fd, out.data() + got, n - got, 0);
            if (r <= 0) return false;
            got += static_cast<std::size_t>(r);
        }
        return true;
    };
    Bytes header, body;
    if (!read_n(4, header)) return {};
    const std::size_t n = (std::size_t{header[1]} << 16) | (std::size_t{header[2]} << 8) | header[3];
    if (n > 100000 || !read_n(n, body)) return {};
    return body;
}

void send_bytes(int fd, const Bytes& b) { (void)::send(fd, b.data(), b.size(), MSG_NOSIGNAL); }

class FakeServer {
public:
    explicit FakeServer(Mode mode) : mode_(mode) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(listen_fd_ >= 0);
        int one = 1;
        ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(listen_fd_, 16) == 0);
        socklen_t len = sizeof a;
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~FakeServer() {
        stop_ = true;
        thread_.join();
        for (int fd : held_) ::close(fd);
        ::close(listen_fd_);
    }
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;
    std::uint16_t port() const { return port_; }
    int connections() const { return connections_; }

private:
    void loop() {
        while (!stop_) {
            pollfd p{listen_fd_, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            int fd = ::accept(listen_fd_, nullptr, nullptr);
            if (fd < 0) continue;
            ++connections_;
            serve(fd);
        }
    }

    // Serves one connection in this thread (the probe opens them one after the other; 139 is not used
    // because the port is not 445).
    void serve(int fd) {
        switch (mode_) {
            case Mode::close_at_once: ::close(fd); return;
            case Mode::silent: held_.push_back(fd); return;   // accept, read nothing, answer nothing
            default: break;
        }
        for (int i = 0; i < 4 && !stop_; ++i) {
            Bytes m = read_message(fd);
            if (m.empty()) break;
            const bool smb1 = m[0] == 0xFF;
            const std::uint16_t command = m.size() > 13 ? static_cast<std::uint16_t>(m[12] | (m[13] << 8)) : 0;
            if (mode_ == Mode::truncated) {
                Bytes reply = negotiate_response(NegotiateSpec{});
                Bytes f = frame(reply);
                f.resize(f.size() / 2);   // announce it all, send half, then hold the connection open
                send_bytes(fd, f);
                held_.push_back(fd);
                return;
            }
            if (mode_ == Mode::huge_frame) {
                send_bytes(fd, bytes_of({0x00, 0xFF, 0xFF, 0xFF, 0xFE, 'S', 'M', 'B'}));
                held_.push_back(fd);
                return;
            }
            if (mode_ == Mode::garbage) {
                Bytes g(300);
                for (std::size_t k = 0; k < g.size(); ++k) g[k] = static_cast<std::uint8_t>(k * 37 + 11);
                g[0] = 0xFE;
                g[1] = 'S';
                g[2] = 'M';
                g[3] = 'B';
                send_bytes(fd, frame(g));
                continue;
            }
            if (mode_ == Mode::keepalives) {
                for (int k = 0; k < 200 && !stop_; ++k) {
                    send_bytes(fd, bytes_of({0x85, 0, 0, 0}));
                    std::this_thread::sleep_for(5ms);
                }
                break;
            }
            if (mode_ == Mode::smb1_only) {
                if (smb1) send_bytes(fd, frame(smb1_negotiate_response(true, 0x0F)));
                break;   // an SMB2 negotiate: close without a word, like Samba with max protocol NT1
            }
            // good
            if (smb1) break;   // refuse SMB1 by closing
            if (command == 0) {
                NegotiateSpec s;
                s.security_mode = 3;
                // Answer the highest dialect offered: the last one in the list.
                const std::uint16_t count = static_cast<std::uint16_t>(m[66] | (m[67] << 8));
                const std::size_t at = 100 + 2 * (std::size_t{count} - 1);
                s.dialect = static_cast<std::uint16_t>(m[at] | (m[at + 1] << 8));
                if (s.dialect == 0x0202) {   // this fake server speaks 2.1 and up
                    NegotiateSpec no;
                    no.status = smb2::status_not_supported;
                    send_bytes(fd, frame(negotiate_response(no)));
                    break;
                }
                send_bytes(fd, frame(negotiate_response(s)));
            } else if (command == 1) {
                send_bytes(fd, frame(session_setup_response(
                                   smb2::status_more_processing_required,
                                   spnego_wrap(challenge_message(samba_like_target_info(), 10, 0, 20348)))));
            }
        }
        ::close(fd);
    }

    Mode mode_;
    int listen_fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::vector<int> held_;
};

ProbeResult probe_fake(const FakeServer& s, std::chrono::milliseconds budget) {
    ProbeOptions o;
    o.server.host = "127.0.0.1";
    o.server.port = s.port();
    o.server.port_given = true;
    o.budget = budget;
    return run_probe(o);
}

}  // namespace

TEST_CASE("probe fake server: a well-behaved server gives every fact") {
    FakeServer s(Mode::good);
    ProbeResult r = probe_fake(s, 2000ms);
    CHECK(r.resolved);
    CHECK(r.smb_port.open);
    REQUIRE_MESSAGE(r.negotiate, r.negotiate_step.error);
    CHECK(r.negotiate->dialect == 0x0311);
    CHECK(r.dialects == std::vector<std::uint16_t>{0x0210, 0x0300, 0x0302, 0x0311});
    CHECK(r.dialect_step.done);
    REQUIRE_MESSAGE(r.challenge, r.session_step.error);
    CHECK(r.challenge->netbios_computer == "KB-DEFAULT");
    CHECK(r.challenge->version->build == 20348);
    REQUIRE(r.smb1);
    CHECK_FALSE(r.smb1->accepted());
    CHECK(r.vendor.vendor == "windows_server");
    CHECK(r.elapsed_ms < 2000);
    CHECK_FALSE(r.budget_exhausted);
}

TEST_CASE("probe fake server: SMB1-only server") {
    FakeServer s(Mode::smb1_only);
    ProbeResult r = probe_fake(s, 2000ms);
    CHECK(r.smb_port.open);
    CHECK_FALSE(r.negotiate);
    CHECK(r.smb2_refused);
    REQUIRE(r.smb1);
    CHECK(r.smb1->accepted());
    CHECK(r.smb1->signing_required());

    FactSink sink;
    write_probe_facts(r, ServerSpec{"127.0.0.1", s.port(), true}, 0, sink);
    FactStore f = sink.close("probe.smb");
    CHECK_FALSE(f.value("server.smb2_supported")->as_bool());
    CHECK(f.value("server.smb1_accepted")->as_bool());
    CHECK(f.value("server.dialect")->as_string() == "NT1");
    CHECK(f.value("server.signing_required")->as_bool());
}

TEST_CASE("probe fake server: hostile servers cannot hang or crash the probe") {
    const auto budget = 600ms;
    const Mode modes[] = {Mode::silent, Mode::truncated, Mode::huge_frame, Mode::garbage, Mode::keepalives,
                          Mode::close_at_once};
    const char* names[] = {"silent", "truncated", "huge_frame", "garbage", "keepalives", "close_at_once"};
    for (std::size_t i = 0; i < std::size(modes); ++i) {
        const std::string name = names[i];
        CAPTURE(name);
        FakeServer s(modes[i]);
        const auto t0 = std::chrono::steady_clock::now();
        ProbeResult r = probe_fake(s, budget);
        const auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
        MESSAGE(name << ": " << took << " ms (" << r.negotiate_step.error << ")");   // shown with -s
        CHECK(took < budget.count() + 300);   // within the budget, plus scheduling slack
        CHECK(r.smb_port.open);
        CHECK_FALSE(r.negotiate);
        CHECK_FALSE(r.challenge);
        CHECK_FALSE(r.negotiate_step.error.empty());

        FactSink sink;
        auto outcome = write_probe_facts(r, ServerSpec{"127.0.0.1", s.port(), true}, 0, sink);
        FactStore f = sink.close("probe.smb");
        CHECK(f.value("server.reachable")->as_bool());
        if (modes[i] == Mode::keepalives) {   // a stream of keep-alives is cut off after a few: no waiting
            CHECK(r.negotiate_step.error.find("keep-alives") != std::string::npos);
            CHECK(outcome.status == CollectorStatus::partial);
        }
        if (modes[i] == Mode::huge_frame) CHECK(r.negotiate_step.error.find("announced") != std::string::npos);
        if (modes[i] == Mode::silent || modes[i] == Mode::truncated) {
            CHECK(r.negotiate_step.timed_out);
            CHECK(outcome.status == CollectorStatus::partial);
            CHECK(f.find("server.smb2_supported")->state == FactState::failed);
        }
        if (modes[i] == Mode::close_at_once) {
            CHECK_FALSE(f.value("server.smb2_supported")->as_bool());   // closing = "no SMB2"
        }
    }
}

TEST_CASE("probe fake server: a closed port is refused quickly") {
    kbdiag::testing::ClosedPort closed;   // held: no parallel test can take the port
    ProbeOptions o;
    o.server = ServerSpec{"127.0.0.1", closed.port(), true};
    o.budget = 2000ms;
    ProbeResult r = run_probe(o);
    CHECK_FALSE(r.smb_port.open);
    CHECK(r.smb_port.error == NetError::refused);
    CHECK(r.elapsed_ms < 500);
}

TEST_CASE("probe fake server: a NAS admin page names the vendor; a silent one costs at most a second") {
    FakeServer smb(Mode::good);
    FakeHttp synology("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<title>Synology DiskStation</title>");
    FakeHttp silent("", HttpMode::silent);
    ProbeOptions o;
    o.server = ServerSpec{"127.0.0.1", smb.port(), true};
    o.budget = 2500ms;
    o.http_ports = {silent.port(), synology.port()};
    o.tls_ports = {};
    o.http_always = true;
    ProbeResult r = run_probe(o);
    CHECK(http::combine(r.http).vendor == "synology");
    CHECK(r.vendor.vendor == "synology");
    CHECK(r.vendor.confidence == 40);   // the SMB side looked like Windows: conflicting signals
    CHECK(r.elapsed_ms < 1500);         // the silent page is abandoned after 1 s
    REQUIRE(r.negotiate);               // the SMB steps ran meanwhile
}

TEST_CASE("probe fake server: the default port also checks 139, within its own second") {
    ProbeOptions o;
    o.server = ServerSpec{"127.0.0.1", 445, false};
    o.budget = 2000ms;
    ProbeResult r = run_probe(o);
    CHECK(r.port_139.tried);
    CHECK(r.elapsed_ms < 1900);   // loopback refuses or answers at once; never the whole budget
}

#endif  // !_WIN32
