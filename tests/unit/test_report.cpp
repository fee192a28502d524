// Report model and reporters: wrapping, LR formatting, 80 columns, deterministic JSON.
#include <doctest/doctest.h>

#include <sstream>

#include "engine/report/report.hpp"

using namespace kbdiag;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) out.push_back(line);
    return out;
}

Report sample_report() {
    Report r;
    r.kbdiag_version = "0.1.0";
    r.problem_id = "share_name_or_password_invalid";
    r.problem_title = "The share name or password is invalid (0x00000963)";
    r.problem_message = "This share name or password is invalid.";
    r.error_as_typed = "963h";
    r.host_name = "pc42";
    RankedCause low;
    low.id = "client_sends_ntlmv1";
    low.title = "The PC sends NTLMv1 (LAN Manager level 0-2), which the NAS refuses";
    low.prior = 0.1;
    low.probability = 0.15;
    RankedCause top;
    top.id = "stale_saved_credential";
    top.title = "Credential Manager still holds the old password for the server, and Windows offers it "
                "without asking every single time";
    top.prior = 0.3;
    top.probability = 0.7;
    Finding f;
    f.cause = top.id;
    f.rule = "saved_credential_older_than_password";
    f.title = "A saved credential for the server predates the password change";
    f.note = "saved credential for nas01 written 2026-01-10T09:00:00Z";
    f.lr = 4;
    f.applied_lr = 4;
    f.facts = {{"credman.entries", std::string(150, 'x')}, {"target.server", "nas01"}};
    f.where = SourceLocation{"/a/very/long/path/to/the/knowledge/base/folder/rules/credentials-and-more.yaml", 12, 3};
    top.evidence.push_back(f);
    Finding against = f;
    against.rule = "lm_level";
    against.title = "The LAN Manager level is 3 or more";
    against.lr = against.applied_lr = 0.05;
    low.evidence.push_back(against);
    RankedCause other;
    other.id = "other";
    other.title = "Another cause not in the knowledge base";
    other.prior = 0.1;
    other.probability = 0.15;
    // Deliberately out of order: the JSON keeps the ranking's order, the ranker sorts.
    r.ranking.causes = {top, low, other};
    r.ranking.other_probability = 0.15;
    PlannedFix fx;
    fx.id = "delete_saved_credential";
    fx.title = "Delete the saved credential for the server";
    fx.cost_minutes = 5;
    fx.p_success = 0.63;
    fx.causes = {top.id};
    fx.steps = {{"Run `cmdkey /delete:SERVER` for every name of the server (name, FQDN, IP address, and "
                 "anything else it was ever reached by).",
                 ""},
                {"On Synology DSM 7, check Control Panel > Security > Protection for a blocked IP.", "Synology only"}};
    fx.verify = "`cmdkey /list` shows no Domain:target=SERVER entry.";
    PlannedFix esc;
    esc.id = "escalate";
    esc.title = "Escalate";
    esc.cost_minutes = 60;
    r.ranking.plan = {fx, esc};
    Question q;
    q.fact = "user.password_changed_recently";
    q.question = "Did you change the password on the server recently?";
    q.value = 3.25;
    r.ranking.questions = {q};
    NearMiss nm;
    nm.rule = "r1";
    nm.title = "Would show a stale credential";
    nm.missing_facts = {"user.password_changed_at"};
    nm.causes = {top.id};
    r.near_misses = {nm};
    r.skipped = {{"bomb", "exceeded the instruction budget", SourceLocation{"overlay/rules/bombs.lua", 4, 0}}};
    r.diagnostics.error("RULE002", "rule 'bomb': exceeded the instruction budget",
                        SourceLocation{"overlay/rules/bombs.lua", 4, 0});
    r.collectors = {{"host.info", CollectorStatus::ok, 3, ""},
                    {"linux.cifs", CollectorStatus::timeout, 5000, "took too long"}};
    r.facts = {{"target.server", "nas01", "known", "target", "", "nas01"}};
    return r;
}

}  // namespace

TEST_CASE("wrap keeps lines within the width and breaks long words") {
    const std::string text = "one two three " + std::string(100, 'y') + " four";
    const std::string out = wrap(text, 30, "> ", "  ");
    for (const auto& line : lines_of(out)) CHECK(display_width(line) <= 30);
    CHECK(out.rfind("> one two three", 0) == 0);
    CHECK(out.find("four") != std::string::npos);
}

TEST_CASE("wrap breaks a long path between folders and keeps file:line whole") {
    // However long the folder the tests run from, "scenarios.yaml:12" must stay on one line.
    for (int depth = 1; depth < 40; ++depth) {
        std::string path = "(";
        for (int i = 0; i < depth; ++i) path += "/folder" + std::to_string(i);
        path += "/scenarios.yaml:12)";
        const std::string out = wrap("FAIL  some_scenario_id  " + path, 40, "  ", "    ");
        for (const auto& line : lines_of(out)) CHECK(display_width(line) <= 40);
        CHECK(out.find("scenarios.yaml:12)") != std::string::npos);
    }
}

TEST_CASE("wrap keeps spacing inside a line and counts UTF-8 code points") {
    CHECK(wrap("a    b", 80, "", "") == "a    b\n");
    CHECK(display_width("×4 ÷20") == 6);
    CHECK(display_width("\x1b[1mbold\x1b[0m") == 4);
    const std::string out = wrap(std::string(40, 'a') + " ×××××××××× " + std::string(35, 'b'), 50, "", "");
    for (const auto& line : lines_of(out)) CHECK(display_width(line) <= 50);
    CHECK(wrap("", 80, "  ", "  ") == "\n");
    CHECK(wrap("x\ny", 80, "- ", "  ") == "- x\n  y\n");
}

TEST_CASE("format_lr shows support as a multiplier and counter-evidence as a divisor") {
    CHECK(format_lr(4) == "×4");
    CHECK(format_lr(1.5) == "×1.5");
    CHECK(format_lr(0.05) == "÷20");
    CHECK(format_lr(0.25) == "÷4");
    CHECK(format_lr(1e308) == "×1e+308");   // compact, not 309 digits
    CHECK(format_lr(1e-9) == "÷1e+09");
    CHECK(format_lr(100) == "×100");
    CHECK(format_lr(1) == "×1");
}

TEST_CASE("round_to gives fixed decimals and no negative zero") {
    CHECK(round_to(0.123456, 4) == doctest::Approx(0.1235));
    CHECK(round_to(-0.00001, 4) == 0.0);
    CHECK(!std::signbit(round_to(-0.00001, 4)));
}

TEST_CASE("render_text fits 80 columns and shows every section without colour (verbose: with the evidence's weights)") {
    const Report r = sample_report();
    TextOptions o;
    o.verbose = true;   // the LRs and rule locations are for --verbose; the default view is checked below
    const std::string text = render_text(r, o);
    for (const auto& line : lines_of(text)) {
        INFO(line);
        CHECK(display_width(line) <= 80);
    }
    CHECK(text.find('\x1b') == std::string::npos);
    CHECK(text.find("LIKELY CAUSES") != std::string::npos);
    CHECK(text.find("70.0%") != std::string::npos);
    CHECK(text.find("×4") != std::string::npos);
    CHECK(text.find("÷20") != std::string::npos);
    std::string joined;   // long words are broken across lines: join them back
    for (const auto& line : lines_of(text)) joined += line.substr(std::min(line.find_first_not_of(' '), line.size()));
    CHECK(joined.find("credentials-and-more.yaml:12") != std::string::npos);
    CHECK(text.find("FIX PLAN") != std::string::npos);
    CHECK(text.find("  1. Delete the saved credential") != std::string::npos);
    CHECK(text.find("(Synology only)") != std::string::npos);
    CHECK(text.find("Verify:") != std::string::npos);
    CHECK(text.find("WHAT TO CHECK NEXT") != std::string::npos);
    CHECK(text.find("Did you change the password") != std::string::npos);
    CHECK(text.find("WOULD CHANGE IF YOU KNEW") != std::string::npos);
    CHECK(text.find("rule bomb skipped") != std::string::npos);
    CHECK(text.find("bombs.lua:4") != std::string::npos);
    CHECK(text.find("timeout") != std::string::npos);
    CHECK(text.find("963h") != std::string::npos);
}

TEST_CASE("render_text's default view keeps every section in plain words: no LRs, no rule locations") {
    const std::string text = render_text(sample_report(), TextOptions{});
    for (const auto& line : lines_of(text)) CHECK(display_width(line) <= 80);
    for (const char* section : {"SUMMARY", "LIKELY CAUSES", "WOULD CHANGE IF YOU KNEW", "FIX PLAN",
                                "WHAT TO CHECK NEXT", "SKIPPED AND DIAGNOSTICS", "COLLECTORS"})
        CHECK_MESSAGE(text.find(section) != std::string::npos, section);
    CHECK(text.find("70.0%") != std::string::npos);
    CHECK(text.find("  1. Delete the saved credential") != std::string::npos);
    CHECK(text.find("(Synology only)") != std::string::npos);
    CHECK(text.find("Did you change the password") != std::string::npos);
    CHECK(text.find("strongly against") != std::string::npos);   // the ÷20 evidence, in words
    CHECK(text.find("×") == std::string::npos);
    CHECK(text.find("÷") == std::string::npos);
    CHECK(text.find("credentials-and-more.yaml") == std::string::npos);
    CHECK(text.find("[delete_saved_credential]") == std::string::npos);
    CHECK(text.find("rule bomb skipped") != std::string::npos);   // diagnostics keep their file:line
}

TEST_CASE("render_text colours only when asked") {
    TextOptions o;
    o.color = true;
    const std::string text = render_text(sample_report(), o);
    CHECK(text.find("\x1b[") != std::string::npos);
    for (const auto& line : lines_of(text)) CHECK(display_width(line) <= 80);
}

TEST_CASE("render_json carries the schema, the required keys and rounded numbers, deterministically") {
    const Report r = sample_report();
    const std::string a = render_json(r);
    const std::string b = render_json(r);
    CHECK(a == b);
    const auto j = nlohmann::json::parse(a);
    CHECK(j["schema"] == "kbdiag-report/1");
    CHECK(j["problem"]["id"] == "share_name_or_password_invalid");
    CHECK(j["problem"]["error"] == "963h");
    REQUIRE(j["causes"].size() == 3);
    CHECK(j["causes"][0]["id"] == "stale_saved_credential");
    CHECK(j["causes"][0]["probability"] == 0.7);
    CHECK(j["causes"][0]["evidence"][0]["location"] ==
          "/a/very/long/path/to/the/knowledge/base/folder/rules/credentials-and-more.yaml:12");
    CHECK(j["causes"][0]["evidence"][0]["facts"]["target.server"] == "nas01");
    CHECK(j["causes"][1]["evidence"][0]["applied_lr"] == 0.05);
    CHECK(j["other_probability"] == 0.15);
    CHECK(j["plan"][0]["p_success"] == 0.63);
    CHECK(j["plan"].back()["id"] == "escalate");
    CHECK(j["questions"][0]["fact"] == "user.password_changed_recently");
    CHECK(j["near_misses"][0]["missing_facts"][0] == "user.password_changed_at");
    CHECK(j["skipped"][0]["rule"] == "bomb");
    CHECK(j["diagnostics"][0]["code"] == "RULE002");
    CHECK(j["diagnostics"][0]["location"] == "overlay/rules/bombs.lua:4");
    CHECK(j["collectors"][1]["status"] == "timeout");
    // Sorted keys: "article_differs" sorts before "causes" before "schema".
    CHECK(a.find("\"article_differs\"") < a.find("\"causes\""));
    CHECK(a.find("\"causes\"") < a.find("\"schema\""));
}

TEST_CASE("render_json survives invalid UTF-8 in values") {
    Report r = sample_report();
    r.host_name = std::string("pc\xff\xfe", 4);
    std::string out;
    CHECK_NOTHROW(out = render_json(r));
    CHECK(nlohmann::json::parse(out)["host"].is_string());
}

TEST_CASE("build_report keeps the facts the findings used and the derived ones") {
    KnowledgeBase kb;
    Problem p;
    p.id = "p";
    p.title = "P";
    EngineResult res;
    res.own_facts().set("a.used", FactValue(true), "manual");
    res.own_facts().set("b.unused", FactValue(std::int64_t{3}), "manual");
    res.own_facts().set("c.derived", FactValue(std::string("x")), "derived:r2");
    res.own_facts().set_absent("d.absent", "windows.lsa", "value not set");
    Finding f;
    f.cause = "c1";
    f.rule = "r1";
    f.facts = {{"a.used", "true"}, {"d.absent", "(absent)"}, {"e.unknown", "?"}};
    res.findings.push_back(f);
    res.rules_run = 2;
    Ranking rk;
    ReportInput in;
    in.kb = &kb;
    in.problem = &p;
    in.result = &res;
    in.ranking = &rk;
    in.error_as_typed = "2403";
    in.notes = {"a note"};
    const Report r = build_report(in);
    REQUIRE(r.facts.size() == 3);
    CHECK(r.facts[0].name == "a.used");
    CHECK(r.facts[1].name == "c.derived");
    CHECK(r.facts[1].source == "derived:r2");
    CHECK(r.facts[2].name == "d.absent");
    CHECK(r.facts[2].state == "absent");
    CHECK(r.rules_run == 2);
    CHECK(r.error_as_typed == "2403");
    CHECK(r.notes.size() == 1);
    CHECK(r.schema == std::string(report_schema));
}

TEST_CASE("build_report lists the known in_report facts no finding used under ALSO CHECKED, once") {
    KnowledgeBase kb;
    for (const char* id : {"a.used", "w.release", "w.unset", "x.plain"}) kb.facts[id].id = id;
    kb.facts["a.used"].in_report = true;      // used by a finding: listed under FACTS USED only
    kb.facts["w.release"].in_report = true;   // known, unused: ALSO CHECKED
    kb.facts["w.unset"].in_report = true;     // absent: nothing to show
    kb.in_report_facts = {"a.used", "w.release", "w.unset"};   // the linker's index of them
    EngineResult res;
    res.own_facts().set("a.used", FactValue(std::string("yes")), "manual");
    res.own_facts().set("w.release", FactValue(std::string("23H2")), "windows.os");
    res.own_facts().set_absent("w.unset", "windows.os", "value not set");
    res.own_facts().set("x.plain", FactValue(std::string("hidden")), "manual");   // not in_report: not listed
    Finding f;
    f.cause = "c1";
    f.rule = "r1";
    f.facts = {{"a.used", "yes"}};
    res.findings.push_back(f);
    Ranking rk;
    ReportInput in;
    in.kb = &kb;
    in.result = &res;
    in.ranking = &rk;
    const Report r = build_report(in);
    REQUIRE(r.facts.size() == 1);
    REQUIRE(r.also_checked.size() == 1);
    CHECK(r.also_checked[0].name == "w.release");
    CHECK(r.also_checked[0].value == "23H2");
    CHECK(r.also_checked[0].source == "windows.os");

    const auto j = nlohmann::json::parse(render_json(r));
    REQUIRE(j["also_checked"].size() == 1);
    CHECK(j["also_checked"][0]["value"] == "23H2");
    const std::string text = render_text(r, TextOptions{});
    const auto at = text.find("ALSO CHECKED");
    REQUIRE(at != std::string::npos);
    CHECK(text.find("w.release = 23H2", at) != std::string::npos);
    CHECK(text.find("x.plain") == std::string::npos);
    CHECK(text.find("w.unset") == std::string::npos);
}

TEST_CASE("the report's JSON keeps fact values typed; the text keeps their display form") {
    KnowledgeBase kb;
    auto def = [&kb](const std::string& id, FactType type, std::map<std::string, FactType> fields = {}) {
        kb.facts[id].id = id;
        kb.facts[id].type = type;
        kb.facts[id].fields = std::move(fields);
    };
    def("a.flag", FactType::boolean);
    def("b.build", FactType::integer);
    def("c.changed", FactType::timestamp);
    def("d.names", FactType::string_list);
    def("e.entries", FactType::records, {{"written", FactType::timestamp}, {"count", FactType::integer}});
    def("f.absent", FactType::integer);
    def("g.text", FactType::string);
    EngineResult res;
    res.own_facts().set("a.flag", FactValue(true), "manual");
    res.own_facts().set("b.build", FactValue(std::int64_t{22631}), "windows.os");
    res.own_facts().set("c.changed", FactValue(std::int64_t{1768035600}), "manual");   // 2026-01-10T09:00:00Z
    res.own_facts().set("d.names", FactValue(std::vector<std::string>{"nas01", "10.0.0.5"}), "import");
    res.own_facts().set("e.entries", FactValue(std::vector<Record>{{{"written", std::int64_t{1768035600}},
                                                             {"count", std::int64_t{2}},
                                                             {"target", std::string("nas01")}}}),
                  "windows.credman");
    res.own_facts().set_absent("f.absent", "windows.lsa", "value not set");
    res.own_facts().set("g.text", FactValue(std::string("23H2")), "windows.os");
    RankedCause cause;
    cause.id = "c1";
    Finding f;
    f.cause = "c1";
    f.rule = "r1";
    for (const char* name : {"a.flag", "b.build", "c.changed", "d.names", "e.entries", "f.absent", "g.text"})
        f.facts.emplace_back(name, "(displayed)");
    cause.evidence.push_back(f);
    Ranking rk;
    rk.causes = {cause};
    ReportInput in;
    in.kb = &kb;
    in.result = &res;
    in.ranking = &rk;
    const Report r = build_report(in);
    const auto j = nlohmann::json::parse(render_json(r));

    std::map<std::string, nlohmann::json> facts;
    for (const auto& fact : j["facts"]) facts[fact["name"].get<std::string>()] = fact;
    REQUIRE(facts.size() == 7);
    CHECK(facts["a.flag"]["value"] == true);
    CHECK(facts["b.build"]["value"].is_number_integer());
    CHECK(facts["b.build"]["value"] == 22631);
    CHECK(facts["c.changed"]["value"] == "2026-01-10T09:00:00Z");
    CHECK(facts["d.names"]["value"] == nlohmann::json::array({"nas01", "10.0.0.5"}));
    CHECK(facts["e.entries"]["value"] ==
          nlohmann::json::parse(R"([{"count": 2, "target": "nas01", "written": "2026-01-10T09:00:00Z"}])"));
    CHECK(facts["f.absent"]["value"].is_null());
    CHECK(facts["f.absent"]["state"] == "absent");
    CHECK(facts["f.absent"]["note"] == "value not set");
    CHECK(facts["g.text"]["value"] == "23H2");
    // The evidence's `facts` map carries the same typed values, not the finding's displayed text.
    const auto& used = j["causes"][0]["evidence"][0]["facts"];
    for (const auto& [name, fact] : facts) CHECK(used[name] == fact["value"]);

    // The text report shows the display form.
    TextOptions o;
    o.verbose = true;
    const std::string text = render_text(r, o);
    CHECK(text.find("a.flag = true") != std::string::npos);
    CHECK(text.find("c.changed = 2026-01-10T09:00:00Z") != std::string::npos);
    CHECK(text.find("d.names = [nas01, 10.0.0.5]") != std::string::npos);
    CHECK(text.find("f.absent = (absent) value not set") != std::string::npos);
}

TEST_CASE("dump_json writes C1 controls as \\u escapes (U+009B is CSI to a terminal) and reads back the same") {
    const nlohmann::json j{{"host", "pc\xC2\x9B" "31m \xC2\x80 caf\xC3\xA9 \xC2\xA0"}, {"esc", "\x1b[2J"}};
    for (const std::string& out : {dump_json(j), dump_json_compact(j)}) {
        CHECK(out.find("\xC2\x9B") == std::string::npos);
        CHECK(out.find("\xC2\x80") == std::string::npos);
        CHECK(out.find("\\u009b31m") != std::string::npos);
        CHECK(out.find("\\u0080") != std::string::npos);
        CHECK(out.find("caf\xC3\xA9 \xC2\xA0") != std::string::npos);   // other non-ASCII stays as it is
        CHECK(out.find("\\u001b[2J") != std::string::npos);
        CHECK(nlohmann::json::parse(out) == j);
    }
    CHECK(dump_json_compact(j).find('\n') == std::string::npos);
}
