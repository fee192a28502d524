// The NAS admin web ports as a vendor hint (engine/probe/http_fingerprint.*): the answer parser, the marker
// table, the web verdict, how guess_vendor combines it with the SMB signals, and (POSIX) the network check
// against fake HTTP servers: Synology-like, QNAP-like, garbage, silent, a 10 MB body, a slow drip.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include <fmt/format.h>

#include "engine/probe/http_fingerprint.hpp"
#include "engine/probe/probe.hpp"
#include "engine/probe/probe_collector.hpp"
#include "test_probe_http_pages.hpp"

using namespace kbdiag::probe;
namespace pages = kbdiag::testing::http_pages;

namespace {

http::PortReport report_for(std::uint16_t port, const std::string& answer) {
    http::PortReport r;
    r.port = port;
    r.open = true;
    r.bytes = answer.size();
    r.answer = http::parse_answer(answer);
    r.hint = http::find_vendor(r.answer, port);
    return r;
}

ProbeResult smb_side(std::uint8_t major, std::uint8_t minor, std::uint16_t build) {
    ProbeResult r;
    ntlmssp::Challenge c;
    c.version = ntlmssp::Version{major, minor, build, 15};
    r.challenge = c;
    return r;
}

bool has_evidence(const VendorGuess& g, const std::string& part) {
    for (const auto& e : g.evidence)
        if (e.find(part) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("probe http: the answer's status, Server header, title and text") {
    http::Answer a = http::parse_answer(pages::synology());
    CHECK(a.is_http);
    CHECK(a.status == 200);
    CHECK(a.server == "nginx");
    CHECK(a.title == "NAS01 - Synology DiskStation");   // &nbsp; read as a space
    CHECK(a.text.find("<!doctype html>") == 0);          // lower-cased

    http::Answer lf = http::parse_answer(pages::truenas_text_only());   // bare LF line ends
    CHECK(lf.is_http);
    CHECK(lf.title.empty());
    CHECK(lf.text.find("truenas needs javascript") != std::string::npos);

    http::Answer redirect = http::parse_answer(pages::nginx_redirect());
    CHECK(redirect.status == 301);
    CHECK(redirect.text.empty());

    CHECK_FALSE(http::parse_answer(pages::garbage()).is_http);
    CHECK_FALSE(http::parse_answer("").is_http);
    CHECK_FALSE(http::parse_answer("HTTP/1.1 2x0 OK\r\n\r\n").is_http);
    CHECK_FALSE(http::parse_answer("<html>ASUSTOR ADM</html>").is_http);   // no status line: not an answer to trust
}

TEST_CASE("probe http: hostile fields are cut, cleaned and bounded") {
    std::string long_title = "HTTP/1.0 200 OK\r\nServer: \x01\x7f\xe6\x97\xa5  Synology\t\r\n\r\n<TITLE>";
    long_title += std::string(500, 'A') + "</title>";
    http::Answer a = http::parse_answer(long_title);
    CHECK(a.server == "??? Synology");   // control bytes dropped, non-ASCII bytes as '?', spaces collapsed
    CHECK(a.title.size() == http::max_field_chars);
    for (std::string word : {"a ", "ab ", "abc\t"}) {   // a space pending at the limit (found by fuzz.http_answer)
        std::string spaced;
        for (int i = 0; i < 200; ++i) spaced += word;
        http::Answer w = http::parse_answer("HTTP/1.0 200 OK\r\nServer: " + spaced + "\r\n\r\n<title>" + spaced);
        CHECK(w.server.size() <= http::max_field_chars);
        CHECK(w.title.size() <= http::max_field_chars);
        CHECK(w.title.back() != ' ');
    }

    // Header never ends: no text, no title.
    http::Answer cut = http::parse_answer("HTTP/1.1 200 OK\r\nServer: x\r\nX-Long: " + std::string(20000, 'b'));
    CHECK(cut.is_http);
    CHECK(cut.text.empty());

    // Only the first max_answer_bytes count: a title after them is not read.
    std::string late = "HTTP/1.1 200 OK\r\n\r\n" + std::string(http::max_answer_bytes, ' ') + "<title>QNAP</title>";
    http::Answer l = http::parse_answer(late);
    CHECK(l.title.empty());
    CHECK(l.text.size() <= http::max_answer_bytes);
    CHECK_FALSE(http::find_vendor(l, 80));
}

TEST_CASE("probe http: vendor markers and their confidence") {
    auto synology = http::find_vendor(http::parse_answer(pages::synology()), 5000);
    REQUIRE(synology);
    CHECK(synology->vendor == "synology");
    CHECK(synology->place == http::Place::title);
    CHECK(synology->confidence == 50);
    CHECK(synology->evidence ==
          "TCP 5000 (Synology DSM HTTP): page title \"NAS01 - Synology DiskStation\" names Synology");

    auto qnap = http::find_vendor(http::parse_answer(pages::qnap()), 8080);
    REQUIRE(qnap);
    CHECK(qnap->vendor == "qnap");
    CHECK(qnap->marker == "qts");
    CHECK(qnap->evidence.rfind("TCP 8080: page title \"QTS\"", 0) == 0);

    auto truenas = http::find_vendor(http::parse_answer(pages::truenas_text_only()), 80);
    REQUIRE(truenas);
    CHECK(truenas->vendor == "truenas");
    CHECK(truenas->place == http::Place::text);
    CHECK(truenas->confidence == 35);   // a name in the text only is weaker

    auto iis = http::find_vendor(http::parse_answer(pages::iis()), 80);
    REQUIRE(iis);
    CHECK(iis->vendor == "windows_server");
    CHECK(iis->place == http::Place::server_header);
    CHECK(iis->confidence == 30);

    CHECK_FALSE(http::find_vendor(http::parse_answer(pages::nginx_redirect()), 5000));
    CHECK_FALSE(http::find_vendor(http::parse_answer(pages::garbage()), 8000));   // says "Synology", but not HTTP

    auto title = [](const std::string& t) {
        return http::find_vendor(http::parse_answer("HTTP/1.1 200 OK\r\n\r\n<title>" + t + "</title>"), 80);
    };
    CHECK(title("ASUSTOR Data Master")->vendor == "asustor");
    CHECK(title("ReadyNAS Admin")->vendor == "netgear");
    CHECK(title("WD My Cloud")->vendor == "wd");
    CHECK(title("My Cloud EX2")->vendor == "wd");
    CHECK(title("LinkStation")->vendor == "buffalo");
    CHECK(title("TeraStation Settings")->vendor == "buffalo");
    CHECK(title("QuTS hero")->vendor == "qnap");
    CHECK_FALSE(title("Aqtsx router"));        // "qts" only as a word
    CHECK_FALSE(title("My Cloudflare tunnel")); // "my cloud" only as words
    // Short words count only in the title or the Server header, not in the text.
    CHECK_FALSE(http::find_vendor(http::parse_answer("HTTP/1.1 200 OK\r\n\r\nsupports QTS and buffalo wings"), 80));
}

TEST_CASE("probe http: the web verdict over several ports") {
    auto synology = report_for(5000, pages::synology());
    auto truenas = report_for(80, pages::truenas_text_only());
    auto nothing = report_for(8000, pages::nginx_redirect());
    http::PortReport tls;
    tls.port = 5001;
    tls.tls = true;
    tls.open = true;

    auto v = http::combine({nothing, synology, tls});
    CHECK(v.vendor == "synology");
    CHECK(v.confidence == 50);
    REQUIRE(v.evidence.size() == 2);
    CHECK(v.evidence[1] == "TCP 5001 (Synology DSM HTTPS) accepts connections");

    auto both = http::combine({truenas, synology});   // the title beats the text, the disagreement costs
    CHECK(both.vendor == "synology");
    CHECK(both.confidence == 35);
    CHECK(both.evidence.size() == 3);

    CHECK(http::combine({nothing}).vendor.empty());
    CHECK(http::combine({}).evidence.empty());
}

TEST_CASE("probe http: guess_vendor combines the web verdict with the SMB signals") {
    SUBCASE("Samba's NTLMSSP version and a Synology title: Synology, sure") {
        ProbeResult r = smb_side(6, 1, 0);
        r.http = {report_for(5000, pages::synology())};
        VendorGuess g = guess_vendor(r);
        CHECK(g.vendor == "synology");
        CHECK(g.confidence == 85);
        CHECK(has_evidence(g, "NTLMSSP version 6.1 build 0"));
        CHECK(has_evidence(g, "page title \"NAS01 - Synology DiskStation\""));
    }
    SUBCASE("Samba and a name only in the page text: weaker") {
        ProbeResult r = smb_side(6, 1, 0);
        r.http = {report_for(80, pages::truenas_text_only())};
        VendorGuess g = guess_vendor(r);
        CHECK(g.vendor == "truenas");
        CHECK(g.confidence == 70);
    }
    SUBCASE("no SMB answer, a QNAP title: QNAP, half sure") {
        ProbeResult r;
        r.http = {report_for(8080, pages::qnap())};
        VendorGuess g = guess_vendor(r);
        CHECK(g.vendor == "qnap");
        CHECK(g.confidence == 50);
    }
    SUBCASE("a Windows build and a Synology title: conflicting signals, low confidence, both in the evidence") {
        ProbeResult r = smb_side(10, 0, 20348);
        r.http = {report_for(5000, pages::synology())};
        VendorGuess g = guess_vendor(r);
        CHECK(g.vendor == "synology");
        CHECK(g.confidence == 40);
        CHECK(has_evidence(g, "conflicting signals: the SMB side looked like windows_server (75%)"));
    }
    SUBCASE("IIS confirms Windows, does not override Samba, and alone is a weak hint") {
        ProbeResult win = smb_side(10, 0, 20348);
        win.http = {report_for(80, pages::iis())};
        CHECK(guess_vendor(win).vendor == "windows_server");
        CHECK(guess_vendor(win).confidence == 85);

        ProbeResult samba = smb_side(6, 1, 0);
        samba.http = {report_for(80, pages::iis())};
        CHECK(guess_vendor(samba).vendor == "samba");
        CHECK(guess_vendor(samba).confidence == 80);
        CHECK(has_evidence(guess_vendor(samba), "Microsoft-IIS"));

        ProbeResult alone;
        alone.http = {report_for(80, pages::iis())};
        CHECK(guess_vendor(alone).vendor == "windows_server");
        CHECK(guess_vendor(alone).confidence == 30);
    }
    SUBCASE("an open TLS admin port is evidence, not a vendor") {
        ProbeResult r = smb_side(6, 1, 0);
        http::PortReport tls;
        tls.port = 5001;
        tls.tls = true;
        tls.open = true;
        r.http = {tls, report_for(5000, pages::nginx_redirect())};
        VendorGuess g = guess_vendor(r);
        CHECK(g.vendor == "samba");
        CHECK(g.confidence == 80);
        CHECK(has_evidence(g, "TCP 5001 (Synology DSM HTTPS) accepts connections"));
    }
    SUBCASE("SMB1 NativeLanMan of a Windows server") {
        ProbeResult r;
        r.smb1_native_os = "Windows Server 2003 3790 Service Pack 2";
        r.smb1_native_lanman = "Windows Server 2003 5.2";
        VendorGuess g = guess_vendor(r);
        CHECK(g.vendor == "windows_server");
        CHECK(g.confidence == 70);
        CHECK(has_evidence(g, "NativeLanMan \"Windows Server 2003 5.2\""));
    }
}

#ifndef _WIN32

#include "test_probe_fake_http.hpp"

using kbdiag::testing::ClosedPort;
using kbdiag::testing::FakeHttp;
using kbdiag::testing::HttpMode;
using namespace std::chrono_literals;

namespace {

std::vector<Address> loopback() {
    Resolved r = resolve("127.0.0.1", 0, Clock::now() + 1s);
    REQUIRE(r.addresses.size() == 1);
    return r.addresses;
}

struct Timed {
    http::PortReport report;
    long long ms = 0;
};

Timed check(std::uint16_t port, bool tls, std::chrono::milliseconds budget) {
    const auto t0 = Clock::now();
    Timed t;
    t.report = http::check_port(loopback(), port, tls, "nas01", t0 + budget);
    t.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    return t;
}

}  // namespace

TEST_CASE("probe http: canned answers over TCP") {
    SUBCASE("Synology-like") {
        FakeHttp s(pages::synology());
        Timed t = check(s.port(), false, 1000ms);
        CHECK(t.report.open);
        CHECK(t.report.bytes == pages::synology().size());
        CHECK_FALSE(t.report.timed_out);
        REQUIRE(t.report.hint);
        CHECK(t.report.hint->vendor == "synology");
        const std::string request = s.last_request();
        CHECK(request.rfind("GET / HTTP/1.0\r\n", 0) == 0);
        CHECK(request.find(fmt::format("\r\nHost: nas01:{}\r\n", s.port())) != std::string::npos);
        CHECK(t.ms < 500);
    }
    SUBCASE("QNAP-like") {
        FakeHttp s(pages::qnap());
        Timed t = check(s.port(), false, 1000ms);
        REQUIRE(t.report.hint);
        CHECK(t.report.hint->vendor == "qnap");
    }
    SUBCASE("garbage") {
        FakeHttp s(pages::garbage());
        Timed t = check(s.port(), false, 1000ms);
        CHECK(t.report.open);
        CHECK(t.report.bytes == pages::garbage().size());
        CHECK_FALSE(t.report.answer.is_http);
        CHECK_FALSE(t.report.hint);
    }
    SUBCASE("silent: given up at the deadline") {
        FakeHttp s("", HttpMode::silent);
        Timed t = check(s.port(), false, 300ms);
        CHECK(t.report.open);
        CHECK(t.report.timed_out);
        CHECK(t.report.bytes == 0);
        CHECK_FALSE(t.report.hint);
        CHECK(t.ms >= 250);
        CHECK(t.ms < 600);
    }
    SUBCASE("a 10 MB body: only the first 8 KiB are read, at once") {
        FakeHttp s(pages::synology(), HttpMode::huge);
        Timed t = check(s.port(), false, 1000ms);
        CHECK(t.report.bytes == http::max_answer_bytes);
        CHECK_FALSE(t.report.timed_out);
        CHECK(t.report.error.empty());
        REQUIRE(t.report.hint);
        CHECK(t.report.hint->vendor == "synology");
        CHECK(t.ms < 500);
    }
    SUBCASE("a slow drip is cut at the deadline") {
        FakeHttp s("HTTP/1.1 200 OK\r\n", HttpMode::drip);
        Timed t = check(s.port(), false, 300ms);
        CHECK(t.report.timed_out);
        CHECK(t.report.bytes > 0);
        CHECK(t.report.bytes < 100);
        CHECK(t.ms < 600);
    }
    SUBCASE("a TLS port: connected, nothing sent") {
        FakeHttp s(pages::synology());
        Timed t = check(s.port(), true, 1000ms);
        CHECK(t.report.open);
        CHECK(t.report.tls);
        CHECK(t.report.bytes == 0);
        CHECK(s.last_request().empty());
    }
    SUBCASE("a closed port") {
        ClosedPort closed;
        Timed t = check(closed.port(), false, 1000ms);
        CHECK_FALSE(t.report.open);
        CHECK_FALSE(t.report.error.empty());
        CHECK(t.ms < 300);
    }
}

TEST_CASE("probe http: the whole probe with admin pages and no SMB answer, within its second") {
    ClosedPort closed;
    const std::uint16_t closed_smb = closed.port();
    FakeHttp synology(pages::synology());
    FakeHttp huge(pages::qnap(), HttpMode::huge);
    FakeHttp silent("", HttpMode::silent);
    FakeHttp tls("", HttpMode::silent);
    ProbeOptions o;
    o.server = ServerSpec{"127.0.0.1", closed_smb, true};
    // far above the one second a silent page gets, so "not the whole budget" holds on a busy machine
    o.budget = 5000ms;
    o.http_ports = {synology.port(), silent.port(), huge.port(), closed_smb};
    o.tls_ports = {tls.port()};
    o.http_always = true;
    ProbeResult r = run_probe(o);
    CHECK_FALSE(r.smb_port.open);
    REQUIRE(r.http.size() == 5);
    CHECK(r.http[1].timed_out);
    CHECK_FALSE(r.http[3].open);
    CHECK(r.http[4].open);
    CHECK(r.vendor.vendor == "synology");   // two pages disagree (Synology, QNAP): the first strongest wins
    CHECK(r.vendor.confidence == 35);       // 50 for a title, less 15 for the disagreement
    CHECK(has_evidence(r.vendor, "names QNAP"));
    CHECK(has_evidence(r.vendor, "different vendors"));
    CHECK(has_evidence(r.vendor, fmt::format("TCP {} accepts connections", tls.port())));
    CHECK(r.elapsed_ms >= 900);    // the silent page is waited for ...
    CHECK(r.elapsed_ms < 4000);    // ... one second, not the whole budget

    kbdiag::FactSink sink;
    write_probe_facts(r, o.server, 0, sink);
    kbdiag::FactStore f = sink.close("probe.smb");
    CHECK(f.value("server.vendor_guess")->as_string() == "synology");
    CHECK(f.value("server.vendor_guess_confidence")->as_int() == 35);
    const auto ports = f.value("server.admin_web_ports")->as_list();
    CHECK(ports == std::vector<std::string>{fmt::format("{}/http", synology.port()),
                                            fmt::format("{}/http", silent.port()), fmt::format("{}/http", huge.port()),
                                            fmt::format("{}/https", tls.port())});
}

#endif  // !_WIN32
