#include <doctest/doctest.h>

#include <algorithm>

#include "engine/core/diagnostic_codes.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;
using kbdiag::test::find_code;
using kbdiag::test::has_code;
using kbdiag::test::TempKbDir;

namespace {
LoadResult load(const TempKbDir& dir) { return load_knowledge_base(LoadOptions{{dir.path()}, false}); }
}  // namespace

TEST_CASE("the mini knowledge base loads clean and is linked") {
    TempKbDir dir;
    dir.write("kb.yaml", test::mini_kb_yaml);
    auto r = load(dir);
    REQUIRE(r.kb);
    for (const auto& d : r.diagnostics.items()) MESSAGE(format_diagnostic(d));
    CHECK_FALSE(r.diagnostics.has_errors());
    REQUIRE(r.kb->problems.size() == 1);
    CHECK(r.kb->causes.size() == 3);
    REQUIRE(r.kb->problem("bad_password"));
    CHECK(r.kb->problem("bad_password")->other_prior == doctest::Approx(0.2));
    // derivations come before the rule that reads what they derive
    std::vector<std::string> order;
    for (const auto& rule : r.kb->rules) order.push_back(rule.id);
    auto pos = [&](const std::string& id) { return std::find(order.begin(), order.end(), id) - order.begin(); };
    CHECK(pos("level_default") < pos("low_level"));
    CHECK(pos("level_copy_low") < pos("low_level"));
    // literals were coerced to the fact's type
    const auto& rule =
        *std::find_if(r.kb->rules.begin(), r.kb->rules.end(), [](auto& x) { return x.id == "low_level"; });
    CHECK(rule.when->operand.literal->is_int());
    CHECK(r.kb->rules_by_cause.at("ntlmv1").size() == 1);
}

TEST_CASE("error codes are found in every spelling") {
    TempKbDir dir;
    dir.write("kb.yaml", test::mini_kb_yaml);
    auto r = load(dir);
    REQUIRE(r.kb);
    for (const char* typed : {"0x00000963", "0x963", "963h", "963H", "2403", "System error 2403 has occurred.",
                              "nerr_badpasswordcore", "0x80070963", "  0X963 ", "bad_password"}) {
        INFO(typed);
        REQUIRE(r.kb->find_problem_by_code(typed));
        CHECK(r.kb->find_problem_by_code(typed)->id == "bad_password");
    }
    CHECK(r.kb->find_problem_by_code("1326") == nullptr);
    CHECK(r.kb->find_problem_by_code("0x80070964") == nullptr);
    CHECK(normalise_error_code("-1073700864") == normalise_error_code("0xC000A000"));
    CHECK(normalise_error_code("3227320323") == normalise_error_code("0xC05D0003"));
}

TEST_CASE("YAML syntax errors name file, line and column") {
    TempKbDir dir;
    auto file = dir.write("broken.yaml", "facts:\n  - id: a.b\n    type: [unclosed\n");
    auto r = load(dir);
    auto* d = find_code(r.diagnostics, codes::kb_yaml_syntax);
    REQUIRE(d);
    CHECK(d->primary().file == file);
    CHECK(d->primary().line == 4);   // yaml-cpp reports the end of the unterminated flow sequence
    CHECK(d->primary().column >= 1);
}

TEST_CASE("wrong types, unknown keys and missing keys point at the item") {
    TempKbDir dir;
    auto file = dir.write("bad.yaml",
                          "facts:\n"
                          "  - id: a.b\n"
                          "    type: integr\n"               // line 3: unknown type
                          "  - id: c.d\n"
                          "    type: boolean\n"
                          "    colour: blue\n"               // line 6: unknown key
                          "fixes:\n"
                          "  - id: f1\n"
                          "    title: T\n"
                          "    cost_minutes: lots\n"         // line 10: not a number
                          "    steps: [x]\n");
    auto r = load(dir);
    auto* type = find_code(r.diagnostics, codes::kb_bad_value);
    REQUIRE(type);
    CHECK(type->primary().line == 3);
    CHECK(type->primary().column == 11);
    CHECK(type->message.find("integr") != std::string::npos);
    auto* key = find_code(r.diagnostics, codes::kb_unknown_key);
    REQUIRE(key);
    CHECK(key->severity == Severity::warning);
    CHECK(key->primary().line == 6);
    CHECK(key->primary().column == 5);
    auto* number = find_code(r.diagnostics, codes::kb_wrong_type);
    REQUIRE(number);
    CHECK(number->primary().line == 10);
    CHECK(number->snippet.find("cost_minutes: lots") != std::string::npos);
}

TEST_CASE("strict mode turns warnings into errors") {
    TempKbDir dir;
    dir.write("kb.yaml", std::string(test::mini_kb_yaml) + "vendors:\n  - {id: v, name: V, colour: x}\n");
    CHECK_FALSE(load_knowledge_base(LoadOptions{{dir.path()}, false}).diagnostics.has_errors());
    CHECK(load_knowledge_base(LoadOptions{{dir.path()}, true}).diagnostics.has_errors());
}

TEST_CASE("linker: dangling references, unknown facts, duplicate ids, priors") {
    TempKbDir dir;
    dir.write("a.yaml", test::mini_kb_yaml);
    dir.write("b.yaml",
              "causes:\n"
              "  - id: stale\n"                                  // duplicate of a.yaml in the same folder
              "    title: again\n"
              "  - id: orphan\n"
              "    title: Orphan\n"
              "    fixes: [no_such_fix]\n"                       // line 6: dangling fix
              "rules:\n"
              "  - id: r1\n"
              "    when: {fact: no.such.fact, eq: 1}\n"          // line 9: unknown fact
              "    evidence: [{cause: stale, lr: 2}]\n"
              "problems:\n"
              "  - id: p2\n"
              "    codes: ['1326']\n"
              "    causes: [{cause: stale, prior: 0.7}, {cause: smb1, prior: 0.4}]\n");
    auto r = load(dir);
    auto* dup = find_code(r.diagnostics, codes::kb_duplicate_id);
    REQUIRE(dup);
    CHECK(dup->where.size() == 2);   // both places
    auto* dangling = find_code(r.diagnostics, codes::kb_dangling_ref);
    REQUIRE(dangling);
    CHECK(dangling->message.find("no_such_fix") != std::string::npos);
    CHECK(dangling->primary().line == 6);
    auto* unknown = find_code(r.diagnostics, codes::kb_unknown_fact);
    REQUIRE(unknown);
    CHECK(unknown->primary().line == 9);
    CHECK(unknown->message.find("no.such.fact") != std::string::npos);
    auto* priors = find_code(r.diagnostics, codes::kb_priors);
    REQUIRE(priors);
    CHECK(priors->message.find("no room for 'other'") != std::string::npos);
    // the broken rule was dropped, the rest still links
    REQUIRE(r.kb);
    CHECK(std::none_of(r.kb->rules.begin(), r.kb->rules.end(), [](auto& x) { return x.id == "r1"; }));
}

TEST_CASE("linker: rule cycles and literal type errors") {
    TempKbDir dir;
    dir.write("a.yaml", test::mini_kb_yaml);
    dir.write("c.yaml",
              "facts:\n"
              "  - {id: x.one, type: boolean, meaning: m}\n"
              "  - {id: x.two, type: boolean, meaning: m}\n"
              "rules:\n"
              "  - {id: one_from_two, when: {fact: x.two, eq: true}, derive: {x.one: true}}\n"
              "  - {id: two_from_one, when: {fact: x.one, eq: true}, derive: {x.two: true}}\n"
              "  - {id: bad_literal, when: {fact: windows.build, gte: soon}, evidence: [{cause: stale, lr: 2}]}\n");
    auto r = load(dir);
    CHECK(has_code(r.diagnostics, codes::kb_rule_cycle));
    auto* wrong = find_code(r.diagnostics, codes::kb_wrong_type);
    REQUIRE(wrong);
    CHECK(wrong->message.find("soon") != std::string::npos);
    CHECK(wrong->primary().line == 7);
}

TEST_CASE("a later folder overrides an earlier one by id") {
    TempKbDir base, site;
    base.write("kb.yaml", test::mini_kb_yaml);
    site.write("site.yaml", "causes:\n  - id: stale\n    title: Site wording\n    fixes: [delete_cred]\n");
    auto r = load_knowledge_base(LoadOptions{{base.path(), site.path()}, false});
    REQUIRE(r.kb);
    CHECK_FALSE(r.diagnostics.has_errors());
    CHECK(r.kb->cause("stale")->title == "Site wording");
    auto* note = find_code(r.diagnostics, codes::kb_override);
    REQUIRE(note);
    CHECK(note->severity == Severity::note);
    CHECK(note->where.size() == 2);
}

TEST_CASE("missing or unusable folders are errors naming the folder") {
    auto r = load_knowledge_base(LoadOptions{{"/nonexistent/kbdiag-kb"}, false});
    CHECK_FALSE(r.kb);
    auto* d = find_code(r.diagnostics, codes::kb_folder);
    REQUIRE(d);
    CHECK(d->primary().file == "/nonexistent/kbdiag-kb");
    TempKbDir dir;
    auto file = dir.write("plain.yaml", "x");
    CHECK_FALSE(load_knowledge_base(LoadOptions{{file}, false}).kb);
}

TEST_CASE("hostile shapes never crash the reader") {
    TempKbDir dir;
    dir.write("a.yaml", "- just\n- a list\n");
    dir.write("b.yaml", "facts: 42\nproblems: {id: x}\ncauses: [1, [2], {id: c}]\nrules: [{id: r, when: [1]}]\n");
    dir.write("c.yaml", "");
    dir.write("d.yaml", "fixes: [{id: f, title: t, steps: [{when: {all: 3}}]}]\nwhatever: 1\n");
    auto r = load(dir);
    CHECK(r.diagnostics.has_errors());
    CHECK(has_code(r.diagnostics, codes::kb_wrong_type));
    CHECK(has_code(r.diagnostics, codes::kb_unknown_key));
}

TEST_CASE("loading for diagnosis skips files that hold only scenarios, and nothing else") {
    TempKbDir dir;
    dir.write("kb.yaml", test::mini_kb_yaml);
    const char* scenario = "  - {id: %s, error: \"0x963\", facts: {lsa.level: 1}, expect: {top: ntlmv1}}\n";
    auto item = [&](const char* id) {
        std::string s = scenario;
        s.replace(s.find("%s"), 2, id);
        return s;
    };
    dir.write("only.yaml", "# scenarios only\n---\nscenarios:\n" + item("in_only_file"));
    dir.write("mixed.yaml", "scenarios:\n" + item("in_mixed_file") +
                                "references:\n  - {id: R1, title: A source, url: \"https://example.org\"}\n");
    dir.write("flow.yaml", "{scenarios: [{id: in_flow_file, error: \"0x963\", facts: {lsa.level: 1}, "
                           "expect: {top: ntlmv1}}]}\n");
    auto ids = [](const LoadResult& r) {
        std::vector<std::string> out;
        for (const auto& s : r.kb->scenarios) out.push_back(s.id);
        std::sort(out.begin(), out.end());
        return out;
    };
    LoadOptions everything{{dir.path()}, false};
    auto all = load_knowledge_base(everything);
    REQUIRE(all.kb);
    CHECK(ids(all) == std::vector<std::string>{"in_flow_file", "in_mixed_file", "in_only_file"});

    LoadOptions diagnosis = everything;
    diagnosis.scenarios = false;
    auto some = load_knowledge_base(diagnosis);
    REQUIRE(some.kb);
    CHECK_FALSE(some.diagnostics.has_errors());
    // Only the plain scenarios-only file is skipped; mixed and unusual files are parsed as before.
    CHECK(ids(some) == std::vector<std::string>{"in_flow_file", "in_mixed_file"});
    CHECK(some.kb->references.size() == all.kb->references.size());
    CHECK(some.kb->rules.size() == all.kb->rules.size());
}

TEST_CASE("lint: KB018 reads mount.cifs's spellings of its errors") {
    TempKbDir dir;
    dir.write("a.yaml", test::mini_kb_yaml);
    dir.write("b.yaml",
              "problems:\n"
              "  - id: mount13\n"
              "    codes: ['mount error(13)', 'mount error(2)']\n"
              "    causes: [{cause: stale, prior: 0.5}]\n"
              "    other: 0.5\n"
              "causes:\n"
              "  - id: old_password\n"
              "    title: A credentials file with an old password\n"
              "    explanation: mount.cifs then fails with mount error 13 (or \"mount error (13)\").\n"
              "  - id: typo\n"
              "    title: A wrong share name gives mount error(2)\n"
              "  - id: versioned\n"
              "    title: mount error(13) after cifs-utils 6.9, not 2.1\n");
    auto r = load(dir);
    REQUIRE(r.kb);
    std::vector<std::string> messages;
    for (const auto& d : r.diagnostics.items())
        if (d.code == codes::kb_cause_code_unlisted) messages.push_back(d.message);
    std::sort(messages.begin(), messages.end());
    REQUIRE(messages.size() == 3);   // one per cause: the same problem is named once per cause
    CHECK(messages[0].find("cause 'old_password' names error 'mount error(13)'") != std::string::npos);
    CHECK(messages[1].find("cause 'typo' names error 'mount error(2)'") != std::string::npos);
    CHECK(messages[2].find("cause 'versioned' names error 'mount error(13)'") != std::string::npos);
}

TEST_CASE("lint: a cause that names an error code its problem does not list (KB018)") {
    TempKbDir dir;
    dir.write("a.yaml", test::mini_kb_yaml);
    dir.write("b.yaml",
              "problems:\n"
              "  - id: netpath\n"
              "    codes: ['53', '0x80070035', ERROR_BAD_NETPATH]\n"
              "    causes: [{cause: stale, prior: 0.5}]\n"
              "    other: 0.5\n"
              "causes:\n"
              "  - id: ip_block\n"
              "    title: The NAS blocked the PC's address\n"
              "    explanation: |\n"
              "      It then refuses the connection: 0x80070035 (53), or 0x963 after Samba 4.5 or 4.13.\n"
              "  - id: level\n"
              "    title: LAN Manager level 5 on build 19045, 3.1.1, SMB1 (not error 5)\n");
    auto r = load(dir);
    REQUIRE(r.kb);
    std::vector<std::string> messages;
    for (const auto& d : r.diagnostics.items())
        if (d.code == codes::kb_cause_code_unlisted) messages.push_back(d.message);
    // ip_block names 53 (as 0x80070035 and 53: one warning for the problem) and 0x963 (bad_password lacks it too)
    REQUIRE(messages.size() == 2);
    CHECK(std::count_if(messages.begin(), messages.end(), [](const std::string& m) {
              return m.find("cause 'ip_block'") != std::string::npos &&
                     m.find("problem 'netpath'") != std::string::npos && m.find("'0x80070035'") != std::string::npos;
          }) == 1);
    CHECK(std::count_if(messages.begin(), messages.end(), [](const std::string& m) {
              return m.find("problem 'bad_password'") != std::string::npos && m.find("'0x963'") != std::string::npos;
          }) == 1);
    // a warning: fine without --strict, an error with it; listing the cause silences it
    CHECK_FALSE(r.diagnostics.has_errors());
    CHECK(load_knowledge_base(LoadOptions{{dir.path()}, true}).diagnostics.has_errors());
    dir.write("b.yaml",
              "problems:\n"
              "  - id: netpath\n"
              "    codes: ['53']\n"
              "    causes: [{cause: ip_block, prior: 0.5}]\n"
              "    other: 0.5\n"
              "causes:\n"
              "  - id: ip_block\n"
              "    title: The NAS blocked the PC's address (53)\n");
    auto fixed = load(dir);
    CHECK_FALSE(find_code(fixed.diagnostics, codes::kb_cause_code_unlisted));
}

TEST_CASE("lint: a collected fact nothing reads and no context explains (KB020)") {
    TempKbDir dir;
    dir.write("a.yaml", test::mini_kb_yaml);
    dir.write("b.yaml",
              "facts:\n"
              "  - {id: host.uptime_days, type: integer, provided_by: [host.info]}\n"
              "  - {id: host.shown, type: string, provided_by: [host.info], context: The report header shows it.}\n"
              "  - {id: host.listed, type: string, provided_by: [host.info], in_report: true}\n"
              "  - {id: host.read_by_rule, type: boolean, provided_by: [host.info]}\n"
              "  - {id: host.read_by_fix, type: string, provided_by: [host.info]}\n"
              "  - {id: host.asked_only, type: string, question: \"Which one?\"}\n"
              "rules:\n"
              "  - id: reads_it\n"
              "    when: {fact: host.read_by_rule, eq: true}\n"
              "    evidence: [{cause: stale, lr: 2}]\n"
              "fixes:\n"
              "  - id: per_host\n"
              "    title: Per host\n"
              "    steps: [{text: Do it., when: {fact: host.read_by_fix, eq: x}}]\n");
    auto r = load(dir);
    REQUIRE(r.kb);
    std::vector<std::string> unread;
    for (const auto& d : r.diagnostics.items())
        if (d.code == codes::kb_unread_fact) unread.push_back(d.message);
    REQUIRE(unread.size() == 1);
    CHECK(unread[0].find("fact 'host.uptime_days' is collected (host.info)") != std::string::npos);
    CHECK(r.kb->fact("host.shown")->context == "The report header shows it.");
    CHECK(r.kb->fact("host.listed")->in_report);
    CHECK_FALSE(r.kb->fact("host.shown")->in_report);
    CHECK(r.kb->in_report_facts == std::vector<std::string>{"host.listed"});   // what ALSO CHECKED walks
    CHECK_FALSE(r.diagnostics.has_errors());
    CHECK(load_knowledge_base(LoadOptions{{dir.path()}, true}).diagnostics.has_errors());   // --strict
}
