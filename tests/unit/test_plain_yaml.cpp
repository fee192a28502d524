// The YAML fast path (engine/snapshot/plain_yaml.hpp): on what `kbdiag collect` writes it reads the same snapshot as
// yaml-cpp's general reader; on anything else it steps aside, and parse_snapshot says what the general reader says.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "engine/snapshot/plain_yaml.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "kb_fixture.hpp"
#include "test_collect_support.hpp"

using namespace kbdiag;

namespace {

// What the two readers make of `text`: both read it, silently, to the same snapshot (compared through to_yaml, which
// writes every field, sorted).
void check_fast_equals_general(const std::string& text, const KnowledgeBase& kb) {
    CAPTURE(text);
    auto fast = parse_plain_yaml_snapshot(text, kb);
    REQUIRE(fast);
    Diagnostics d;
    auto general = parse_snapshot_general(text, "mem.yaml", kb, d);
    REQUIRE(general);
    CHECK(d.empty());
    CHECK(to_yaml(*fast, kb) == to_yaml(*general, kb));
    CHECK(fast->created == general->created);
    CHECK(fast->collectors.size() == general->collectors.size());
}

// The fast path refuses `text`; parse_snapshot then gives what the general reader gives, diagnostics included.
void check_refused(const std::string& text, const KnowledgeBase& kb) {
    CAPTURE(text);
    CHECK_FALSE(parse_plain_yaml_snapshot(text, kb));
    Diagnostics via_parse, via_general;
    auto a = parse_snapshot(text, "mem.yaml", kb, via_parse);
    auto b = parse_snapshot_general(text, "mem.yaml", kb, via_general);
    REQUIRE(a.has_value() == b.has_value());
    if (a) CHECK(to_yaml(*a, kb) == to_yaml(*b, kb));
    REQUIRE(via_parse.items().size() == via_general.items().size());
    for (std::size_t i = 0; i < via_parse.items().size(); ++i) {
        CHECK(via_parse.items()[i].code == via_general.items()[i].code);
        CHECK(via_parse.items()[i].message == via_general.items()[i].message);
        CHECK(via_parse.items()[i].primary().line == via_general.items()[i].primary().line);
    }
}

const char* header = "schema: kbdiag-snapshot/1\ncreated: \"2025-11-24T16:00:00Z\"\nkbdiag_version: \"0.1.0\"\n"
                     "host: {name: pc42, platform: windows}\n";

}  // namespace

TEST_CASE("YAML fast path: every scenario of the shipped knowledge base, written as a snapshot, reads the same") {
    const auto kb = test::shipped_kb_with_scenarios();
    REQUIRE(kb->scenarios.size() > 100);
    for (const auto& sc : kb->scenarios) {
        Snapshot s;
        s.created = 1764000000;
        s.kbdiag_version = "0.1.0";
        s.host_name = "pc42";
        s.platform = "windows";
        s.collectors = {{"host.info", CollectorStatus::ok, 3, ""},
                        {"probe.smb", CollectorStatus::skipped, 0, "no --server or --target given"}};
        s.facts = test::scenario_facts(*kb, sc);
        s.facts.set_failed("host.os_release", "host.info", "permission denied: \"/etc/os-release\"");
        CAPTURE(sc.id);
        check_fast_equals_general(to_yaml(s, *kb), *kb);
    }
}

TEST_CASE("YAML fast path: tricky strings as written by to_yaml read the same, or go to the general reader") {
    KnowledgeBase kb = testing::collect_test_kb();
    const char* tricky[] = {"yes", "No", "123", "0x10", "-1", "a: b", "quote\"d", "\\\\server\\share", "line\nbreak",
                            "", " lead", "trail ", "[x]", "{y}", "a,b", "-", "- x", "~", "null", "@at", "%pct",
                            "*star", "&amp", "!bang", "|pipe", ">gt", "'single'", "2025-11-24", ".inf", "? q",
                            "---", "...", "a'b", "x:y", "http://h:80/p", "-fc", "=", "a  b"};
    std::size_t fast = 0;
    for (const char* t : tricky) {
        Snapshot s;
        s.created = 1764000000;
        s.host_name = t;
        s.facts.set("host.arch", std::string(t), std::string("src ") + t, std::string(t));
        s.facts.set("smb_client.block_ntlm_exceptions", std::vector<std::string>{t, "b"}, "windows.smb_client");
        const std::string text = to_yaml(s, kb);
        if (parse_plain_yaml_snapshot(text, kb)) {
            check_fast_equals_general(text, kb);
            ++fast;
        } else {
            check_refused(text, kb);
        }
    }
    CHECK(fast >= 30);   // to_yaml quotes what needs it: the fast path takes nearly all of them
}

TEST_CASE("YAML fast path: anything outside the plain subset goes to the general reader, which reports it") {
    KnowledgeBase kb = testing::collect_test_kb();
    const std::string facts = "facts:\n  host.arch: {value: x86_64, source: host.info}\n";
    check_fast_equals_general(header + facts, kb);
    check_fast_equals_general(std::string(header) + "collectors:\n- {id: a, status: ok, duration_ms: 1, message: ''}\n" +
                                  facts,
                              kb);   // a sequence at its key's indentation; '' quoting
    check_fast_equals_general(std::string(header) + "facts:\n    host.arch:\n        value: x86_64\n"
                                                    "        source: 'it''s'\n",
                              kb);   // block mappings at any indentation
    const std::vector<std::string> refused = {
        header + facts + "# a comment\n",
        header + facts + "  host.name: {value: &a pc, source: x}\n  host.kernel: {value: *a, source: x}\n",
        header + facts + "  host.name: {value: !!str pc, source: x}\n",
        header + facts + "  host.name: {value: ~, source: x}\n",
        header + facts + "  host.name: {value: null, source: x}\n",
        header + facts + "  host.name: {value: , source: x}\n",
        header + facts + "  host.name:\n",
        header + facts + "  host.arch: {value: arm, source: x}\n",                  // a duplicate key
        header + facts + "  host.name: {value: a, value: b, source: x}\n",
        header + facts + "  host.name: {value: pc,\n    source: x}\n",               // a flow over two lines
        header + facts + "  host.name: {value: \"a\\x41\", source: x}\n",            // an escape it does not know
        header + facts + "  host.name: {value: \"open, source: x}\n",
        header + facts + "  host.name: {value: |\n      text\n    , source: x}\n",
        header + facts + "  host.name: {value: caf\xc3\xa9, source: x}\n",           // beyond ASCII
        header + facts + "\thost.name: {value: pc, source: x}\n",
        header + facts + "  host.name: {value: pc, source: x}\n   host.kernel: {value: k, source: x}\n",
        header + facts + "  host.name: {value: pc, source: x}\n---\nschema: kbdiag-snapshot/1\n",
        header + facts + "  unknown.fact: {value: 1, source: x}\n",                  // SNAP003 at its line
        header + facts + "  windows.build: {value: not-a-number, source: x}\n",      // SNAP004 at its line
        header + facts + "  host.name: {value: pc, source: x}}\n",
        header + facts + "  host.name: {value: pc source: x}\n",
        header + facts + "  host.name: {value: [a, b, ], source: x}\n",
        header + facts + "  host.name: {value: a:b, source: x}\n",
        "schema: kbdiag-snapshot/2\n" + facts,
        "- schema\n",
        "\xef\xbb\xbf" + (header + facts),                                          // a BOM
        "",
    };
    for (const auto& text : refused) check_refused(text, kb);
}

TEST_CASE("parse_plain_yaml: the node shapes and scalar texts yaml-cpp gives") {
    auto root = parse_plain_yaml("a: {b: [x, 'y z', \"q\\\"\\u00e9\"], c: {}}\nd:\n  - 1\n  -\n    e: f\ng: []\n");
    REQUIRE(root);
    REQUIRE(root->IsMap());
    CHECK((*root)["a"]["b"].size() == 3);
    CHECK((*root)["a"]["b"][1].Scalar() == "y z");
    CHECK((*root)["a"]["b"][2].Scalar() == "q\"\xc3\xa9");
    CHECK((*root)["a"]["c"].IsMap());
    CHECK((*root)["d"][0].Scalar() == "1");
    CHECK((*root)["d"][1]["e"].Scalar() == "f");
    CHECK((*root)["g"].IsSequence());
    CHECK((*root)["g"].size() == 0);
    CHECK_FALSE(parse_plain_yaml("a: b\n  c: d\n"));
    CHECK_FALSE(parse_plain_yaml("  a: b\n"));
    CHECK_FALSE(parse_plain_yaml("a: - b\n"));
    // Deep nesting is the general reader's (found by fuzz_snapshot_yaml: a stack overflow).
    CHECK_FALSE(parse_plain_yaml("a: " + std::string(100000, '[') + std::string(100000, ']') + "\n"));
    std::string deep_block;
    for (std::size_t i = 0; i < 40; ++i) deep_block += std::string(i, ' ') + "k:\n";
    CHECK_FALSE(parse_plain_yaml(deep_block + std::string(40, ' ') + "k: v\n"));
    CHECK(parse_plain_yaml("a: [[[[[[x]]]]]]\n"));
}
