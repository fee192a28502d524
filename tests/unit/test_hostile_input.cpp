// Hostile input (issue 10): alias bombs, duplicate keys and second documents, inputs without a size (devices,
// pipes), quadratic snippets and wrapping, control characters in text output.
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic.hpp"
#include "engine/core/location.hpp"
#include "engine/core/text.hpp"
#include "engine/core/yaml_util.hpp"
#include "engine/report/report.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace kbdiag;
using kbdiag::test::TempDir;

namespace {

std::string repeated(std::size_t n, const std::string& s) {
    std::string out;
    out.reserve(n * s.size());
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

}  // namespace

TEST_CASE("load_checked_yaml stops an alias bomb early, at a place in the file") {
    const std::string text = "a: &s \"" + std::string(4000, 'x') + "\"\nb: [" + repeated(100000, "*s, ") + "*s]\n";
    CheckedYaml y = load_checked_yaml(text);
    CHECK_FALSE(y.usable);
    REQUIRE(y.problems.size() == 1);
    CHECK(y.problems[0].message.find("alias") != std::string::npos);
    CHECK(y.problems[0].line0 == 1);   // the list that holds the aliases
}

TEST_CASE("load_checked_yaml accepts a few aliases") {
    CheckedYaml y = load_checked_yaml("a: &s [1, 2, 3]\nb: *s\nc: *s\n");
    CHECK(y.usable);
    CHECK(y.problems.empty());
    CHECK(y.root["c"].size() == 3);
}

TEST_CASE("load_checked_yaml names duplicate keys and a second document") {
    CheckedYaml y = load_checked_yaml("a: 1\nb: {x: 1, x: 2}\na: 3\n---\nc: 4\n");
    CHECK(y.usable);
    REQUIRE(y.problems.size() == 3);
    CHECK(y.problems[0].message.find("duplicate key 'x'") != std::string::npos);
    CHECK(y.problems[0].line0 == 1);
    CHECK(y.problems[0].column0 == 10);
    CHECK(y.problems[1].message.find("duplicate key 'a' (first at line 1)") != std::string::npos);
    CHECK(y.problems[1].line0 == 2);
    CHECK(y.problems[2].message.find("second YAML document") != std::string::npos);
    CHECK(y.problems[2].line0 == 4);
    CHECK(load_checked_yaml("a: 1\n---\n").problems.empty());   // a stray marker at the end holds nothing
}

// Found by fuzz_condition: yaml-cpp 0.7's LoadAll loops forever, appending empty documents, when a document would
// start at a ',' after a whole top-level node. The ctest timeout catches a regression (this test would hang).
TEST_CASE("load_checked_yaml reports a ',' after the document instead of hanging in yaml-cpp") {
    struct Case {
        const char* text;
        int line0, column0;
    };
    for (const Case& c : {Case{"[a], [b]", 0, 3}, Case{"{a: b}, c\n", 0, 6}, Case{"- a\n- b\n, c\n", 2, 0},
                          Case{"'x', y", 0, 3}, Case{"a: 1\n--- [x] , y\n", 1, 8},
                          Case{"{fawind:ows_releasesct: windows.ntlmvpported, eq: true}, {fase}\n", 0, 55},
                          Case{"&atypeiable,factsqac efts eq[", 0, 11}}) {
        CAPTURE(c.text);
        CheckedYaml y = load_checked_yaml(c.text);
        REQUIRE(y.problems.size() == 1);
        CHECK(y.problems[0].message == "unexpected ',' after the end of the document");
        CHECK(y.problems[0].line0 == c.line0);
        CHECK(y.problems[0].column0 == c.column0);
    }
    CHECK(load_checked_yaml("[a], [b]").root.size() == 1);   // the first document is still read
    // Commas that cannot start a document: plain text, flow lists, quoted items, a comma-free second document.
    for (const char* text : {"title: a, b\n", "a: [1, 2]\n", "a: ['x', \"y\" , z]\n", "{a: 1, b: [2, 3]}\n",
                             "a: 'x, y'\nb: 2\n"}) {
        CAPTURE(text);
        CHECK(load_checked_yaml(text).problems.empty());
    }
    CHECK(load_checked_yaml("a: [1, 2]\n---\nb: 2\n").problems.at(0).message.find("second YAML document") !=
          std::string::npos);
}

// Found by fuzz_snapshot_json: yaml-cpp 0.7 takes a lone CR (old Mac line ends; JSON whitespace) for an ordinary
// character, so `"schema":\r "x"` read as the string `\r "x"`, quotes included. YAML 1.2 and JSON say line break.
TEST_CASE("load_checked_yaml reads a lone CR as a line break, as YAML 1.2 and JSON do") {
    CheckedYaml json = load_checked_yaml("{\"schema\":\r \"x\", \"n\":\r\t1}");
    REQUIRE(json.problems.empty());
    CHECK(json.root["schema"].as<std::string>() == "x");
    CHECK(json.root["n"].as<int>() == 1);
    CheckedYaml mac = load_checked_yaml("a: 1\rb:\r  - x\r  - y\rc: 'p\rq'\r");
    REQUIRE(mac.problems.empty());
    CHECK(mac.root["a"].as<int>() == 1);
    CHECK(mac.root["b"].size() == 2);
    CHECK(mac.root["c"].as<std::string>() == "p q");   // a break inside a quoted scalar folds to a space
    CHECK(mac.root["c"].Mark().line == 4);              // lines counted as the LineIndex counts them
    LineIndex lines("a: 1\rb:\r\n  - x\n\r");
    CHECK(lines.line(1) == "a: 1");
    CHECK(lines.line(2) == "b:");
    CHECK(lines.line(3) == "  - x");
    CHECK(lines.line(4).empty());
    CHECK(load_checked_yaml("a: 'x'\r\nb: 2\r\n").root["b"].as<int>() == 2);   // CRLF as before
}

#ifndef _WIN32
TEST_CASE("read_file stops at its cap on a device without a size") {
    std::string content, error;
    CHECK_FALSE(read_file("/dev/zero", content, error, 1 << 20));
    CHECK(error.find("larger than 1048576 bytes") != std::string::npos);
    CHECK(content.empty());
}
#endif

TEST_CASE("read_file reads a file exactly at its cap") {
    TempDir dir;
    const std::string path = dir.write("f.txt", "12345");
    std::string content, error;
    CHECK(read_file(path, content, error, 5));
    CHECK(content == "12345");
    CHECK_FALSE(read_file(path, content, error, 4));
}

TEST_CASE("LineIndex finds lines without rescanning") {
    LineIndex lines("one\r\ntwo\n\nfour");
    CHECK(lines.line(1) == "one");
    CHECK(lines.line(2) == "two");
    CHECK(lines.line(3).empty());
    CHECK(lines.line(4) == "four");
    CHECK(lines.line(5).empty());
    CHECK(lines.line(0).empty());
    CHECK(snippet_of(std::string(300, 'a')) == std::string(200, 'a') + "...");
}

TEST_CASE("read_source_line quotes the right line of a big file, many times") {
    TempDir dir;
    const std::string path = dir.file("big.yaml");
    {
        std::ofstream out(path);
        for (int i = 1; i <= 200000; ++i) out << "line " << i << "\n";
    }
    // 200,000 lookups: with a rescan per lookup this does not finish within the ctest timeout.
    for (int i = 1; i <= 200000; ++i) REQUIRE(read_source_line(path, i) == "line " + std::to_string(i));
}

TEST_CASE("escape_controls makes terminal controls visible and keeps text") {
    CHECK(text::escape_controls("pc\x1b[2J\x1b[H ALL CLEAR") == "pc\\x1b[2J\\x1b[H ALL CLEAR");
    CHECK(text::escape_controls("a\xc2\x9b" "31m") == "a\\u009b31m");   // C1 CSI, UTF-8 encoded
    CHECK(text::escape_controls("lone \x9b") == "lone \\x9b");          // not UTF-8
    CHECK(text::escape_controls("bell\x07 del\x7f") == "bell\\x07 del\\x7f");
    CHECK(text::escape_controls("tab\tline\nnext ÷ ×") == "tab\tline\nnext ÷ ×");
}

TEST_CASE("format_diagnostic escapes the message, the location and the snippet") {
    Diagnostic d;
    d.code = "SNAP003";
    d.message = "unknown fact 'x\x1b[2J'";
    d.where.push_back(SourceLocation{"f\x1b.yaml", 3, 2});
    d.snippet = "  x\x1b[2J: 1";
    const std::string out = format_diagnostic(d);
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find("f\\x1b.yaml:3:2") != std::string::npos);
    CHECK(out.find("x\\x1b[2J: 1") != std::string::npos);
}

TEST_CASE("shorten cuts long values and says how much") {
    CHECK(text::shorten("short", 10) == "short");
    CHECK(text::shorten(std::string(15, 'a'), 10) == std::string(10, 'a') + "… (5 more characters)");
    CHECK(text::shorten("ääää", 2) == "ää… (2 more characters)");   // code points, not bytes
}

TEST_CASE("wrap breaks a very long word in linear time") {
    // 20 MB in one word: copying the rest per line (the old way) takes minutes.
    const std::string word(20 * 1000 * 1000, 'x');
    const std::string out = wrap(word, 80, "", "");
    CHECK(out.size() == word.size() + word.size() / 80);
}
