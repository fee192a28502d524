// Patches by id (engine/kb/kb_patch.cpp): add, set, update and remove on problems, causes and fixes of an earlier
// folder; unknown ids and fields as errors with suggestions; load order; the cache image; and the load errors that
// must not cascade (an item that failed to load, an unquoted ': ').
#include <doctest/doctest.h>

#include <algorithm>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/kb_image.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;
using kbdiag::test::find_code;
using kbdiag::test::has_code;
using kbdiag::test::TempDir;

namespace {

struct File {
    std::string name, text;
};

// The mini knowledge base in one folder, `overlay` in a second.
struct Layered {
    TempDir base, site;
    LoadResult result;

    explicit Layered(std::initializer_list<File> overlay) {
        base.write("kb.yaml", test::mini_kb_yaml);
        for (const auto& f : overlay) site.write(f.name, f.text);
        result = load_knowledge_base(LoadOptions{{base.path(), site.path()}, false});
    }
    const KnowledgeBase& kb() const { return *result.kb; }
    std::string errors() const {
        std::string out;
        for (const auto& d : result.diagnostics.items())
            if (d.severity == Severity::error) out += format_diagnostic(d) + "\n";
        return out;
    }
};

const CauseLink* link_of(const Problem& p, const std::string& cause) {
    for (const auto& l : p.causes)
        if (l.cause == cause) return &l;
    return nullptr;
}

std::vector<std::string> patch_notes(const Diagnostics& d) {
    std::vector<std::string> out;
    for (const auto& x : d.items())
        if (x.code == codes::kb_patch_applied) out.push_back(x.primary().file_line() + " " + x.message);
    return out;
}

const char* site_cause = R"y(causes:
  - id: site_quota
    title: The NAS share is over its quota
    fixes: [delete_cred]
)y";

}  // namespace

TEST_CASE("patch add: a cause joins a problem, its prior taken from 'other', noted as KB019") {
    Layered l(
        {{"causes.yaml", site_cause},
         {"patch.yaml", "patch:\n  - problem: bad_password\n    add: {causes: [{cause: site_quota, prior: 0.05}]}\n"}});
    REQUIRE(l.result.kb);
    CHECK(l.errors() == "");
    const Problem& p = *l.kb().problem("bad_password");
    REQUIRE(link_of(p, "site_quota"));
    CHECK(link_of(p, "site_quota")->prior == doctest::Approx(0.05));
    CHECK(p.causes.back().cause == "site_quota");
    CHECK(p.other_prior == doctest::Approx(0.15));
    const Diagnostic* note = find_code(l.result.diagnostics, codes::kb_patch_applied);
    REQUIRE(note);
    CHECK(note->severity == Severity::note);
    CHECK(note->primary().file == l.site.file("patch.yaml"));
    CHECK(note->primary().line == 3);
    CHECK(note->message ==
          "patch applied: problem 'bad_password': cause 'site_quota' added (prior 0.05; 'other' 0.2 -> 0.15)");
    REQUIRE(l.kb().patches.size() == 1);
    CHECK(l.kb().patches[0].folder == l.site.path());
    CHECK(l.kb().patches[0].kind == "problem");
    CHECK(l.kb().patches[0].id == "bad_password");
}

TEST_CASE("patch add: steps, codes and fix links; a duplicate is an error") {
    Layered l({{"patch.yaml", R"y(patch:
  - fix: upgrade_nas
    add: {steps: ["Open the NAS admin page.", {text: "On Windows 11", when: {fact: windows.build, gte: 22000}}]}
  - problem: bad_password
    add: {codes: ["0x80070963b"]}
  - cause: stale
    add: {fixes: [{fix: upgrade_nas, success: 0.3}]}
  - cause: stale
    add: {fixes: [delete_cred]}
)y"}});
    REQUIRE(l.result.kb);
    const Fix& f = *l.kb().fix("upgrade_nas");
    REQUIRE(f.steps.size() == 3);
    CHECK(f.steps[1].text == "Open the NAS admin page.");
    CHECK(f.steps[2].when.has_value());
    CHECK(l.kb().problem("bad_password")->codes.back() == "0x80070963b");
    REQUIRE(l.kb().cause("stale")->fixes.size() == 2);
    CHECK(l.kb().cause("stale")->fixes[1].success == doctest::Approx(0.3));
    const Diagnostic* dup = find_code(l.result.diagnostics, codes::kb_duplicate_id);
    REQUIRE(dup);
    CHECK(dup->message == "patch on cause 'stale': already lists fix 'delete_cred' (change it with 'update')");
    CHECK(dup->primary().line == 9);
}

TEST_CASE("patch set: scalar fields of a problem, a cause and a fix; out of range is an error") {
    Layered l({{"patch.yaml", R"y(patch:
  - cause: ntlmv1
    set: {title: "The client sends NTLMv1 (site wording)", not_applicable_lr: 0.1}
  - fix: set_level
    set: {cost_minutes: 25}
  - problem: bad_password
    set: {other: 2}
)y"}});
    REQUIRE(l.result.kb);
    CHECK(l.kb().cause("ntlmv1")->title == "The client sends NTLMv1 (site wording)");
    CHECK(l.kb().cause("ntlmv1")->not_applicable_lr == doctest::Approx(0.1));
    CHECK(l.kb().fix("set_level")->cost_minutes == doctest::Approx(25));
    CHECK(l.kb().problem("bad_password")->other_prior == doctest::Approx(0.2));   // refused
    const Diagnostic* bad = find_code(l.result.diagnostics, codes::kb_bad_value);
    REQUIRE(bad);
    CHECK(bad->primary().line == 7);
    CHECK(patch_notes(l.result.diagnostics).size() == 3);
}

TEST_CASE("patch update and remove: list entries by id, 'other' keeps the sum at 1") {
    Layered l({{"patch.yaml", R"y(patch:
  - problem: bad_password
    update: {causes: [{cause: stale, prior: 0.3}]}
    remove: {causes: [smb1]}
  - cause: smb1
    update: {fixes: [{fix: enable_smb1, success: 0.5}]}
    remove: {fixes: [upgrade_nas]}
)y"}});
    REQUIRE(l.result.kb);
    const Problem& p = *l.kb().problem("bad_password");
    CHECK(link_of(p, "stale")->prior == doctest::Approx(0.3));
    CHECK(link_of(p, "smb1") == nullptr);
    CHECK(p.other_prior == doctest::Approx(0.5));   // 0.2 + 0.1 from stale + 0.2 from smb1
    REQUIRE(l.kb().cause("smb1")->fixes.size() == 1);
    CHECK(l.kb().cause("smb1")->fixes[0].success == doctest::Approx(0.5));
    CHECK_FALSE(has_code(l.result.diagnostics, codes::kb_priors));
    CHECK(patch_notes(l.result.diagnostics).size() == 4);
}

TEST_CASE("patch errors: an unknown id or field names the close ones at file:line:col") {
    Layered l({{"patch.yaml", R"y(patch:
  - problem: bad_pasword
    add: {causes: [{cause: stale, prior: 0.1}]}
  - cause: stale
    set: {titel: x}
  - cause: stale
    set: {fixes: [upgrade_nas]}
  - problem: bad_password
    update: {causes: [{cause: stal, prior: 0.1}]}
  - problem: bad_password
    ad: {causes: []}
)y"}});
    std::vector<std::string> errors;
    for (const auto& d : l.result.diagnostics.items())
        if (d.severity == Severity::error) errors.push_back(d.primary().to_string() + " " + d.code + " " + d.message);
    const std::string f = l.site.file("patch.yaml");
    REQUIRE(errors.size() == 5);
    CHECK(errors[0] == f + ":2:14 KB006 patch: no problem 'bad_pasword' (did you mean 'bad_password'?)");
    CHECK(errors[1] ==
          f + ":5:11 KB003 patch on cause 'stale': a cause has no field 'titel' to set (did you mean 'title'?)");
    CHECK(errors[2] ==
          f + ":7:11 KB003 patch on cause 'stale': 'fixes' cannot be changed with 'set' (use add or update or remove)");
    CHECK(errors[3] ==
          f + ":9:23 KB006 patch on problem 'bad_password': lists no cause 'stal' to update (did you mean 'stale'?)");
    CHECK(errors[4] == f + ":11:5 KB003 patch: unknown key 'ad' (did you mean 'add'?)");
}

TEST_CASE("patch order: folder, then file name, then position; the same every load") {
    auto set_title = [](const char* title) {
        return std::string("patch:\n  - cause: stale\n    set: {title: \"") + title + "\"}\n";
    };
    Layered l({{"b.yaml", set_title("from b")},
               {"a.yaml", set_title("from a 1") + "  - cause: stale\n    set: {title: \"from a 2\"}\n"}});
    REQUIRE(l.result.kb);
    CHECK(l.kb().cause("stale")->title == "from b");
    REQUIRE(l.kb().patches.size() == 3);
    CHECK(l.kb().patches[0].change == "title set to \"from a 1\"");
    CHECK(l.kb().patches[1].change == "title set to \"from a 2\"");
    CHECK(l.kb().patches[2].where.file == l.site.file("b.yaml"));
    auto again = load_knowledge_base(LoadOptions{{l.base.path(), l.site.path()}, false});
    REQUIRE(again.kb);
    CHECK(again.kb->patches == l.kb().patches);
    CHECK(again.diagnostics.items() == l.result.diagnostics.items());
}

TEST_CASE("patch: a patched knowledge base round-trips through the cache image") {
    Layered l(
        {{"causes.yaml", site_cause},
         {"patch.yaml", "patch:\n  - problem: bad_password\n    add: {causes: [{cause: site_quota, prior: 0.05}]}\n"}});
    REQUIRE(l.result.kb);
    KbImage image;
    image.folders = {l.base.path(), l.site.path()};
    image.kb = l.kb();
    image.diagnostics = l.result.diagnostics.items();
    std::string why;
    auto back = decode_kb_image(encode_kb_image(image, "test"), "test", why);
    REQUIRE(back);
    CHECK(back->kb.patches == l.kb().patches);
    CHECK(*back == image);
}

TEST_CASE("cascade: a reference to an item that failed to load is a note, not a second error") {
    SUBCASE("a fix with a reader error") {
        Layered l({{"fixes.yaml", "fixes:\n  - id: site_fix\n    cost_minutes: 5\n    steps: [Do it.]\n"},  // no title
                   {"causes.yaml", "causes:\n  - id: site_quota\n    title: Quota\n    fixes: [site_fix]\n"}});
        CHECK(l.errors().find("KB004") != std::string::npos);
        CHECK(l.result.diagnostics.count(Severity::error) == 1);
        CHECK(l.result.diagnostics.count(Severity::warning) == 1);   // site_quota belongs to no problem (true)
        const Diagnostic* note = find_code(l.result.diagnostics, codes::kb_dangling_ref);
        REQUIRE(note);
        CHECK(note->severity == Severity::note);
    }
    SUBCASE("a cause with a reader error: its fixes are not 'unused' warnings") {
        Layered l(
            {{"causes.yaml", "causes:\n  - id: site_quota\n    titel: Quota\n    fixes: [site_fix]\n"},   // no title
             {"fixes.yaml", "fixes:\n  - id: site_fix\n    title: Site fix\n    steps: [Do it.]\n"},
             {"patch.yaml",
              "patch:\n  - problem: bad_password\n    add: {causes: [{cause: site_quota, prior: 0.05}]}\n"}});
        CHECK(l.result.diagnostics.count(Severity::error) == 1);   // the missing title; not "no cause", not "unused"
        CHECK(l.result.diagnostics.count(Severity::warning) == 1); // the unknown key 'titel'
    }
    SUBCASE("a fix file that does not parse") {
        TempDir dir;
        std::string kb = test::mini_kb_yaml;
        const auto at = kb.find("  - {id: set_level");
        dir.write("kb.yaml", kb.erase(at, kb.find('\n', at) + 1 - at));
        dir.write("fixes.yaml", "fixes:\n  - id: set_level\n    title: [unclosed\n");
        auto r = load_knowledge_base(LoadOptions{{dir.path()}, false});
        std::string errors;
        for (const auto& d : r.diagnostics.items())
            if (d.severity == Severity::error) errors += format_diagnostic(d) + "\n";
        CHECK(r.diagnostics.count(Severity::error) == 1);
        CHECK(errors.find("KB001") != std::string::npos);
        CHECK(errors.find("no fix") == std::string::npos);
    }
}

TEST_CASE("an unquoted ': ' in a step gets the hint to quote the text") {
    SUBCASE("read as a mapping") {
        Layered l({{"fixes.yaml",
                    "fixes:\n  - id: site_fix\n    title: Site fix\n    steps:\n      - Open Settings: Network\n"}});
        const Diagnostic* d = find_code(l.result.diagnostics, codes::kb_wrong_type);
        REQUIRE(d);
        CHECK(d->message.find("quote the text: it contains ': '") != std::string::npos);
        CHECK(d->primary().line == 5);
        CHECK(d->primary().column == 9);
    }
    SUBCASE("a YAML error") {
        Layered l(
            {{"fixes.yaml",
              "fixes:\n  - id: site_fix\n    title: Site fix\n    steps:\n      - text: Open Settings: Network\n"}});
        const Diagnostic* d = find_code(l.result.diagnostics, codes::kb_yaml_syntax);
        REQUIRE(d);
        CHECK(d->message.find("quote the text: it contains ': '") != std::string::npos);
        CHECK(d->primary().line == 5);
    }
}
