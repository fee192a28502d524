// kb docs (engine/report/kb_docs), kb show's cross references (engine/kb/kb_xref) and the override list lint
// prints, on the mini fixture knowledge base plus a docs fixture with references, a vendor step and Markdown
// special characters.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "engine/kb/kb_xref.hpp"
#include "engine/report/kb_docs.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;
using kbdiag::test::TempKbDir;

namespace {

const char* docs_kb_yaml = R"YAML(facts:
  - {id: server.vendor, type: enumeration, values: [synology, qnap, other], question: "Which NAS | server?",)YAML"
                           R"YAML( provided_by: [probe.smb]}
references:
  - {id: R1, title: "Docs [one]", url: "https://example.org/one_(a)"}
  - {id: R2, title: Second source, url: "https://example.org/two"}
  - {id: R3, title: Cited by the fix, url: "https://example.org/three"}
problems:
  - id: docs_problem
    title: Docs problem (0x1234)
    message: "Access *denied*."
    codes: ["0x1234"]
    causes:
      - {cause: docs_pipe, prior: 0.15}
      - {cause: docs_vendor, prior: 0.55}
    other: 0.3
    article_notes: "The original article says level 0 [R2]."
    references: [R2]
causes:
  - id: docs_pipe
    title: "Share a|b uses *stars* and <tags>"
    explanation: "Uses \\\\SERVER\\SHARE and `net use * /delete` [R1]."
    fixes: [{fix: docs_fix, success: 0.7}]
    article_differs: The article is wrong here [R1].
    references: [R1]
  - id: docs_vendor
    title: The NAS blocks the client
    fixes: [{fix: docs_fix, success: 0.6}]
fixes:
  - id: docs_fix
    title: Unblock the client
    steps:
      - Open the NAS.
      - text: "Synology: Control Panel > Security > Allow/Block List"
        when: {fact: server.vendor, eq: synology}
        when_text: Synology only
      - text: Windows 11 wording
        when: {fact: windows.build, gte: 22000}
    verify: It opens.
    references: [R3]
rules:
  - id: docs_vendor_rule
    title: "The NAS | logs a block"
    when: {fact: server.vendor, eq: synology}
    evidence: [{cause: docs_vendor, lr: 12, lr_false: 0.5}, {cause: docs_pipe, lr: 0.25}]
)YAML";

std::shared_ptr<const KnowledgeBase> load_fixture(TempKbDir& dir) {
    dir.write("a.yaml", test::mini_kb_yaml);
    dir.write("b.yaml", docs_kb_yaml);
    auto r = load_knowledge_base(LoadOptions{{dir.path()}, false});
    for (const auto& d : r.diagnostics.items())
        if (d.severity == Severity::error) MESSAGE(format_diagnostic(d));
    REQUIRE(r.kb);
    REQUIRE_FALSE(r.diagnostics.has_errors());
    return r.kb;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// '|' not preceded by a backslash: the column separators of a Markdown table row.
int separators(const std::string& row) {
    int n = 0;
    for (std::size_t i = 0; i < row.size(); ++i)
        if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++n;
    return n;
}

std::size_t pos(const std::string& text, const std::string& what) {
    auto p = text.find(what);
    INFO("looking for: " << what);
    CHECK(p != std::string::npos);
    return p;
}

}  // namespace

TEST_CASE("docs: every cause appears, ranked by prior (ties by id)") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    const std::string md = render_problem_article(*kb, *kb->problem("bad_password"));
    CHECK(md.rfind("# Share name or password invalid\n", 0) == 0);
    for (const auto& link : kb->problem("bad_password")->causes)
        CHECK(md.find(kb->cause(link.cause)->title) != std::string::npos);
    // stale 0.4 first; ntlmv1 and smb1 tie at 0.2 and are ordered by id
    const auto stale = pos(md, "### 1. Stale saved credential");
    const auto ntlm = pos(md, "### 2. Client sends NTLMv1");
    const auto smb1 = pos(md, "### 3. SMB1-only server");
    CHECK(stale < ntlm);
    CHECK(ntlm < smb1);
    CHECK(md.find("| 1 | Stale saved credential | 40% |") != std::string::npos);
    CHECK(md.find("20%") != std::string::npos);
    CHECK(md.find("`0x00000963`") != std::string::npos);
    // the same knowledge gives the same article
    CHECK(md == render_problem_article(*kb, *kb->problem("bad_password")));
}

TEST_CASE("docs: how to tell them apart shows each rule's direction and likelihood ratio") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    const std::string md = render_problem_article(*kb, *kb->problem("bad_password"));
    const auto lines = lines_of(md);
    auto row_with = [&](const std::string& a, const std::string& b) {
        return std::any_of(lines.begin(), lines.end(), [&](const std::string& l) {
            return l.rfind("|", 0) == 0 && l.find(a) != std::string::npos && l.find(b) != std::string::npos;
        });
    };
    CHECK(row_with("Password changed recently", "**for** it | strong (×8)"));
    CHECK(row_with("not (user.password_changed_recently == true)", "against it | moderate (÷4)"));
    CHECK(row_with("server.smb1_only == true", "very strong (×30)"));
    CHECK(row_with("`low_level`", "×10"));
    // the question a technician would be asked for a fact those rules read
    CHECK(row_with("Did the password change recently?", "`user.password_changed_recently`"));
    // lsa.effective has no question, but the derivation it comes from reads lsa.level, which has one
    CHECK(row_with("LM level?", "`lsa.level`"));
    CHECK_FALSE(row_with("`lsa.effective`", "min |"));
    CHECK(md.find("## How to tell them apart") < md.find("## Fixes"));
    // at a glance: the strongest sign for and against each cause
    CHECK(
        row_with("| 1 | Stale saved credential | Password changed recently", "(strong (×8)) | Known **not** to hold"));
    CHECK(row_with("| 3 | SMB1-only server | ", "(very strong (×30)) | Known **not** to hold"));
    // questions name the causes they bear on, by their number in the ranking
    CHECK(row_with("| Did the password change recently? | 1 |", "nobody: ask | 1 min |"));
    CHECK(row_with("| LM level? | 2 |", "`lsa.level`"));
}

TEST_CASE("docs: fixes keep their steps with Windows-version and vendor labels") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    const std::string mini = render_problem_article(*kb, *kb->problem("bad_password"));
    CHECK(mini.find("### Delete the saved credential") != std::string::npos);
    CHECK(mini.find("2. **Windows 11:** Windows 11 wording") != std::string::npos);
    // no when_text: the condition is the label
    CHECK(mini.find("3. **`windows.build < 22000`:** Windows 10 wording") != std::string::npos);
    const std::string docs = render_problem_article(*kb, *kb->problem("docs_problem"));
    CHECK(docs.find("2. **Synology only:** Synology: Control Panel > Security > Allow/Block List") !=
          std::string::npos);
    CHECK(docs.find("Version- and vendor-specific steps: Synology only; `windows.build >= 22000`.") !=
          std::string::npos);
    CHECK(docs.find("**Check that it worked:** It opens.") != std::string::npos);
    // one fix linked from two causes is written once, naming both
    const auto first = docs.find("### Unblock the client");
    REQUIRE(first != std::string::npos);
    CHECK(docs.find("### Unblock the client", first + 1) == std::string::npos);
    CHECK(docs.find("fixes: The NAS blocks the client (60%); Share a|b") != std::string::npos);
}

TEST_CASE("docs: references are numbered in citation order, inline [ID] becomes [n]") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    const std::string md = render_problem_article(*kb, *kb->problem("docs_problem"));
    // R2 is cited first (the problem's sources), then R1 (the first cause's text), then R3 (the fix)
    CHECK(md.find("1. [Second source](<https://example.org/two>) (`R2`)") != std::string::npos);
    CHECK(md.find("2. [Docs \\[one\\]](<https://example.org/one_(a)>) (`R1`)") != std::string::npos);
    CHECK(md.find("3. [Cited by the fix](<https://example.org/three>) (`R3`)") != std::string::npos);
    CHECK(md.find("and `net use * /delete` [2].") != std::string::npos);
    CHECK(md.find("[R1]") == std::string::npos);
    // the article audit, with its citation
    CHECK(md.find("## Where the original article differs") != std::string::npos);
    CHECK(md.find("The original article says level 0 [1].") != std::string::npos);
    CHECK(md.find("The article is wrong here [2].") != std::string::npos);
    // a problem citing nothing lists no reference
    const std::string mini = render_problem_article(*kb, *kb->problem("bad_password"));
    CHECK(mini.find("None cited.") != std::string::npos);
}

TEST_CASE("docs: Markdown special characters in KB text cannot break tables or start markup") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    const std::string md = render_problem_article(*kb, *kb->problem("docs_problem"));
    CHECK(md.find("Share a\\|b uses \\*stars\\* and \\<tags>") != std::string::npos);   // in the causes table
    CHECK(md.find("Which NAS \\| server?") != std::string::npos);                        // in the questions table
    CHECK(md.find("The NAS \\| logs a block") != std::string::npos);                     // in the evidence table
    CHECK(md.find("Uses \\\\\\\\SERVER\\\\SHARE") != std::string::npos);                 // UNC path kept
    CHECK(md.find("> Access \\*denied\\*.") != std::string::npos);
    // every row of a table has as many column separators as its header
    const auto lines = lines_of(md);
    int header = -1;
    for (const auto& l : lines) {
        if (l.rfind("|", 0) != 0) {
            header = -1;
            continue;
        }
        INFO(l);
        if (header < 0) header = separators(l);
        else CHECK(separators(l) == header);
    }
    // escaping keeps code spans and escapes what would start markup
    CHECK(markdown_escape("run `net use * /delete` now *") == "run `net use * /delete` now \\*");
    CHECK(markdown_escape("a|b `x|y`", true) == "a\\|b `x\\|y`");
    CHECK(markdown_escape("a|b", false) == "a|b");
    CHECK(markdown_escape("# not a heading") == "\\# not a heading");
    CHECK(markdown_escape("1. not a list") == "1\\. not a list");
    CHECK(markdown_escape("line one\nline two\n\n- para") == "line one line two\n\n\\- para");
    CHECK(markdown_escape("two\nlines", true) == "two lines");
    CHECK(markdown_escape("an ` alone") == "an \\` alone");
}

TEST_CASE("docs: the page set is one article per problem and an index") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    std::vector<const Problem*> problems{kb->problem("bad_password"), kb->problem("docs_problem")};
    const auto pages = render_docs(*kb, problems);
    REQUIRE(pages.size() == 3);
    CHECK(pages[0].file == "bad_password.md");
    CHECK(pages[1].file == "docs_problem.md");
    CHECK(pages[2].file == "README.md");
    CHECK(pages[2].content.find("[docs\\_problem](docs_problem.md)") != std::string::npos);
    CHECK(pages[2].content.find("| Docs problem (0x1234) | `0x1234` | 2 |") != std::string::npos);
    // no absolute path of this machine leaks into an article
    CHECK(pages[0].content.find(dir.path()) == std::string::npos);
    CHECK(pages[0].content.find("`a.yaml:") != std::string::npos);
}

TEST_CASE("xref: items by id, kind:id, error code and close matches") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    auto items = find_items(*kb, "stale");
    REQUIRE(items.size() == 1);
    CHECK(items[0].kind == ItemKind::cause);
    CHECK(items[0].where.line > 0);
    items = find_items(*kb, "963h");
    REQUIRE(items.size() == 1);
    CHECK(items[0].kind == ItemKind::problem);
    CHECK(items[0].id == "bad_password");
    CHECK(find_items(*kb, "rule:low_level").size() == 1);
    CHECK(find_items(*kb, "fix:low_level").empty());
    CHECK(find_items(*kb, "no_such_thing").empty());
    const auto close = closest_ids(*kb, "stael");
    REQUIRE_FALSE(close.empty());
    CHECK(close.front() == "stale");
    const auto sub = closest_ids(*kb, "password");
    CHECK(std::find(sub.begin(), sub.end(), "password_changed") != sub.end());
}

TEST_CASE("xref: a cause's problems, rules with their LRs and fixes, a fact's readers and derivers") {
    TempKbDir dir;
    auto kb = load_fixture(dir);
    auto has_link = [](const std::vector<KbLink>& links, ItemKind kind, const std::string& id,
                       const std::string& detail) {
        return std::any_of(links.begin(), links.end(), [&](const KbLink& l) {
            return l.kind == kind && l.id == id && l.detail.find(detail) != std::string::npos;
        });
    };
    const KbItem stale{ItemKind::cause, "stale", kb->cause("stale")->where};
    const auto by = referred_by(*kb, stale);
    CHECK(has_link(by, ItemKind::problem, "bad_password", "prior 0.4"));
    CHECK(has_link(by, ItemKind::rule, "password_changed", "×8"));
    CHECK(has_link(by, ItemKind::rule, "password_changed", "÷4 when not"));
    const auto to = refers_to(*kb, stale);
    CHECK(has_link(to, ItemKind::fix, "delete_cred", "90%"));

    const KbItem effective{ItemKind::fact, "lsa.effective", kb->fact("lsa.effective")->where};
    const auto readers = referred_by(*kb, effective);
    CHECK(has_link(readers, ItemKind::rule, "level_default", ""));
    CHECK(has_link(readers, ItemKind::rule, "low_level", "lsa.effective <= 2"));

    const KbItem vendor{ItemKind::fact, "server.vendor", kb->fact("server.vendor")->where};
    CHECK(has_link(referred_by(*kb, vendor), ItemKind::fix, "docs_fix", "server.vendor == synology"));
    const KbItem r1{ItemKind::reference, "R1", kb->references.at("R1").where};
    CHECK(has_link(referred_by(*kb, r1), ItemKind::cause, "docs_pipe", ""));
}

TEST_CASE("the builder records what each later folder overrides") {
    TempKbDir base, site;
    base.write("kb.yaml", test::mini_kb_yaml);
    site.write("site.yaml", "causes:\n  - id: stale\n    title: Site wording\n    fixes: [delete_cred]\n"
                            "rules:\n  - id: low_level\n    when: {fact: lsa.effective, lte: 1}\n"
                            "    evidence: [{cause: ntlmv1, lr: 10}]\n");
    auto r = load_knowledge_base(LoadOptions{{base.path(), site.path()}, false});
    REQUIRE(r.kb);
    REQUIRE(r.kb->overrides.size() == 2);
    for (const auto& o : r.kb->overrides) {
        CHECK(o.folder == site.path());
        CHECK(o.where.file.find(site.path()) == 0);
        CHECK(o.replaced.file.find(base.path()) == 0);
    }
    CHECK(r.kb->overrides[0].kind == "cause");
    CHECK(r.kb->overrides[0].id == "stale");
    CHECK(r.kb->overrides[0].where.line == 2);
    CHECK(r.kb->overrides[1].kind == "rule");
    CHECK(r.kb->overrides[1].id == "low_level");
}
