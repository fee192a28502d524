// The text report's first screen (summary) and its defences: the answer and the next step within 24 lines,
// plain words in the default view, each missing fact once, collectable facts as a command, control characters
// from values escaped. Also the shipped knowledge's questions read as questions.
#include <doctest/doctest.h>

#include <sstream>

#include "engine/kb/knowledge_base.hpp"
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

std::string first_lines(const std::string& text, std::size_t n) {
    std::string out;
    const auto lines = lines_of(text);
    for (std::size_t i = 0; i < std::min(n, lines.size()); ++i) out += lines[i] + "\n";
    return out;
}

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

RankedCause cause(const std::string& id, const std::string& title, double p) {
    RankedCause c;
    c.id = id;
    c.title = title;
    c.prior = p;
    c.probability = p;
    return c;
}

Finding finding(const std::string& cause_id, const std::string& title, double lr) {
    Finding f;
    f.cause = cause_id;
    f.rule = "rule_" + cause_id;
    f.title = title;
    f.lr = f.applied_lr = lr;
    f.facts = {{"credman.has_entry_for_server", "true"}};
    f.where = SourceLocation{"knowledge/rules/credentials.yaml", 12, 3};
    return f;
}

PlannedFix fix(const std::string& id, const std::string& title, std::vector<std::string> steps) {
    PlannedFix f;
    f.id = id;
    f.title = title;
    f.cost_minutes = 5;
    f.p_success = 0.63;
    f.causes = {"stale_saved_credential"};
    for (auto& s : steps) f.steps.push_back({std::move(s), ""});
    f.verify = "`cmdkey /list` shows no entry for the server.";
    return f;
}

Question question(const std::string& fact, const std::string& text, double value, const std::string& collector = "") {
    Question q;
    q.fact = fact;
    q.question = text;
    q.value = value;
    q.entropy_gain = 0.4;
    q.causes = {"stale_saved_credential"};
    q.collector = collector;
    return q;
}

ReportFact known_fact(const std::string& name, const std::string& value, const std::string& source) {
    ReportFact f;
    f.name = name;
    f.value = value;
    f.state = "known";
    f.source = source;
    return f;
}

// A diagnosis like `kbdiag infer --error 0x963` gives: three causes, a plan, a cheap question worth asking first
// and a server fact only the probe can tell.
Report diagnosis() {
    Report r;
    r.kbdiag_version = "0.1.0";
    r.problem_id = "share_name_or_password_invalid";
    r.problem_title = "The share name or password is invalid (0x00000963)";
    r.problem_message = "This share name or password is invalid.";
    r.error_as_typed = "0x963";
    r.host_name = "pc42";
    r.problem_platform = "windows";
    r.target_server = "nas01";
    r.target_share = "public";
    RankedCause top = cause("stale_saved_credential",
                            "Credential Manager still holds the old password for the server, and Windows offers it "
                            "without asking",
                            0.62);
    top.evidence.push_back(finding(top.id, "A saved credential for the server predates the password change", 4));
    RankedCause second = cause("client_sends_ntlmv1", "The PC sends NTLMv1, which the NAS refuses", 0.21);
    second.evidence.push_back(finding(second.id, "The LAN Manager level is 3 or more", 0.05));
    r.ranking.causes = {top, second, cause("other", "Another cause not in the knowledge base", 0.17)};
    r.ranking.other_probability = 0.17;
    r.ranking.plan = {fix("delete_saved_credential", "Delete the saved credential for the server",
                          {"Run `cmdkey /delete:nas01` for every name of the server.", "Sign out and in again."}),
                      fix("raise_lm_level", "Raise the LAN Manager level to 5", {"Open secpol.msc."}),
                      fix("escalate", "Escalate", {"Call the NAS administrator."})};
    r.ranking.expected_cost_minutes = 12;
    r.ranking.questions = {
        question("user.password_changed_recently", "Did you (or an admin) change this account's password recently?",
                 3.25),
        question("server.auth_status", "What is server.auth_status? (what the server answered to the sign-in)", 2.0,
                 "probe.smb"),
        question("server.smb1_accepted", "What is server.smb1_accepted? (whether the server accepts SMB1)", 1.0,
                 "probe.smb"),
    };
    r.fact_info["user.password_changed_recently"] = {"Did you (or an admin) change this account's password recently?",
                                                     "", "", 1.0};
    r.fact_info["server.auth_status"] = {"", "probe.smb", "what the server answered", 1.0};
    r.fact_info["server.smb1_accepted"] = {"", "probe.smb", "SMB1", 1.0};
    r.fact_info["user.password_changed_at"] = {"When was the password changed on the server?", "", "", 2.0};
    NearMiss a;
    a.rule = "credential_predates_change";
    a.title = "A saved credential predates the password change";
    a.causes = {top.id};
    a.missing_facts = {"user.password_changed_at"};
    a.condition = "credman.entry_predates_password_change == true";
    NearMiss b = a;
    b.rule = "password_changed_after_last_logon";
    b.title = "The password changed after the last good logon";
    NearMiss c = a;
    c.rule = "server_refuses_login";
    c.title = "The server refuses the sign-in";
    c.missing_facts = {"server.auth_status"};
    NearMiss d = c;
    d.rule = "server_smb1";
    d.title = "The server speaks SMB1 only";
    d.missing_facts = {"server.smb1_accepted"};
    r.near_misses = {a, b, c, d};
    r.facts = {known_fact("target.server", "nas01", "target")};
    r.collectors = {{"host.info", CollectorStatus::ok, 3, ""}};
    return r;
}

std::string text_of(const Report& r, bool verbose = false, bool color = false) {
    TextOptions o;
    o.verbose = verbose;
    o.color = color;
    return render_text(r, o);
}

}  // namespace

TEST_CASE("summary: the answer and the next step are in the first 24 lines, in plain words") {
    const std::string text = text_of(diagnosis());
    const std::string screen = first_lines(text, 24);
    INFO(text);
    CHECK(has(screen, "SUMMARY"));
    CHECK(has(screen, "62.0%  Credential Manager still holds the old password"));
    CHECK(has(screen, "21.0%  The PC sends NTLMv1"));
    CHECK(has(screen, "Then fix: Delete the saved credential for the server"));
    CHECK(has(screen, "a) Run `cmdkey /delete:nas01`"));
    CHECK(has(screen, "Did you (or an admin) change this account's password recently?"));
    // The cheap question can change the plan: it comes before the fix.
    CHECK(screen.find("Check first") < screen.find("Then fix"));
    // No likelihood ratios anywhere in the default view, no fact ids on the first screen.
    CHECK_FALSE(has(text, "×"));
    CHECK_FALSE(has(text, "÷"));
    CHECK_FALSE(has(screen, "user.password_changed_recently"));
    CHECK_FALSE(has(screen, "server.auth_status"));
    for (const auto& line : lines_of(text)) CHECK(display_width(line) <= 80);
    // The rest is still there, after the summary.
    CHECK(text.find("LIKELY CAUSES") > text.find("SUMMARY"));
    CHECK(has(text, "FIX PLAN"));
    CHECK(has(text, "Raise the LAN Manager level to 5"));
}

TEST_CASE("summary: facts a collector can get are not asked; the report names the command with the share") {
    const Report r = diagnosis();
    const Summary s = summarize(r);
    REQUIRE(s.checks.size() == 2);   // the question, then one probe run for both server facts
    CHECK(s.checks[0].kind == "question");
    CHECK(s.checks[1].kind == "collect");
    CHECK(s.checks[1].command == "kbdiag collect --error 0x963 --target \\\\nas01\\public");
    const std::string text = text_of(r);
    CHECK(has(text, "kbdiag collect --error 0x963 --target \\\\nas01\\public"));
    CHECK_FALSE(has(text, "What is server."));
    CHECK_FALSE(has(text, "server.auth_status"));   // neither in the checks nor in the near misses
    // --verbose keeps the ids and the numbers for knowledge authors.
    const std::string verbose = text_of(r, true);
    CHECK(has(verbose, "fact server.auth_status"));
    CHECK(has(verbose, "×4"));
    CHECK(has(verbose, "÷20"));
    CHECK(has(verbose, "credentials.yaml:12"));
    CHECK(has(verbose, "[delete_saved_credential]"));
}

TEST_CASE("summary: the most valuable check is the collector's when it ranks first; placeholders for unsafe names") {
    Report r = diagnosis();
    std::swap(r.ranking.questions[0], r.ranking.questions[1]);
    Summary s = summarize(r);
    CHECK(s.next_check.kind == "collect");
    CHECK(s.next_check.before_fix);
    CHECK(s.next_check.minutes_saved == doctest::Approx(2.0));
    // A server name that is not a plain host name never goes into a command to paste.
    r.target_server = "nas01; rm -rf ~";
    r.error_as_typed = "System error 2403 has occurred.";
    s = summarize(r);
    CHECK(s.next_check.command == "kbdiag collect --target \\\\SERVER\\public");
    CHECK(has(s.next_check.text, "put in the share the user opened"));
    // A Linux client writes the share with slashes; with only the server known the probe gets --server.
    r.target_server = "nas01";
    r.problem_platform = "linux";
    CHECK(summarize(r).next_check.command == "kbdiag collect --target //nas01/public");
    r.target_share.clear();
    CHECK(summarize(r).next_check.command == "kbdiag collect --server nas01");
    // Once the probe ran and could not tell, its facts are not offered again; the question is.
    r.collectors.push_back({"probe.smb", CollectorStatus::ok, 900, ""});
    s = summarize(r);
    REQUIRE(s.checks.size() == 1);
    CHECK(s.checks[0].kind == "question");
}

TEST_CASE("summary: a check that cannot change the plan comes after the fix") {
    Report r = diagnosis();
    for (auto& q : r.ranking.questions) q.value = 0;
    const std::string screen = first_lines(text_of(r), 24);
    INFO(screen);
    CHECK(has(screen, "Fix first: Delete the saved credential"));
    CHECK(has(screen, "Worth knowing too"));
    CHECK(screen.find("Fix first") < screen.find("Worth knowing too"));
    CHECK_FALSE(has(screen, "Check first"));
}

TEST_CASE("summary: long texts are cut so the first fix's first step still shows on the first screen") {
    Report r = diagnosis();
    const std::string words = " and then some more words that make this line much longer than any terminal is wide";
    r.problem_message += words + words;
    for (auto& c : r.ranking.causes) c.title += words + words + words;
    r.ranking.questions[0].question += words + words + words;
    r.fact_info["user.password_changed_recently"].question += words + words + words;
    r.ranking.plan[0].title += words;
    r.ranking.plan[0].steps[0].text = "FIRST-STEP" + words + words + words + words;
    const std::string text = text_of(r);
    const std::string screen = first_lines(text, 24);
    INFO(text);
    CHECK(has(screen, "a) FIRST-STEP"));
    CHECK(has(screen, "Check first"));
    CHECK(has(screen, "Most likely"));
    for (const auto& line : lines_of(text)) CHECK(display_width(line) <= 80);
}

TEST_CASE("summary: 'would change if you knew' lists each fact once") {
    const Report r = diagnosis();
    const std::string verbose = text_of(r, true);
    auto count = [](const std::string& text, const std::string& what) {
        std::size_t n = 0;
        for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
        return n;
    };
    CHECK(count(verbose, "  - user.password_changed_at\n") == 1);
    CHECK(has(verbose, "The password changed after the last good logon"));
    const std::string plain = text_of(r);
    const auto from = plain.find("WOULD CHANGE IF YOU KNEW");
    REQUIRE(from != std::string::npos);
    const std::string section = plain.substr(from, plain.find("FIX PLAN") - from);
    INFO(section);
    CHECK(count(section, "When was the password changed on the server?") == 1);
    CHECK(count(section, "kbdiag collect") == 1);   // both server facts: one probe run
    CHECK(has(section, "bears on: Credential Manager still holds the old password"));
    CHECK(has(verbose, "A saved credential predates the password change"));
}

TEST_CASE("text report: control characters in values are escaped; the reporter's own colours still work") {
    Report r = diagnosis();
    r.host_name = "\x1b[2J\x1b[31mALL CLEAR";
    r.ranking.causes[0].title = "Evil\rtitle\x7f with a C1 CSI \xc2\x9b" "2J and a raw \x9b byte";
    r.ranking.causes[0].evidence[0].note = "note from Lua \x1b]0;pwned\x07";
    r.notes = {"a note\x1b[1A"};
    r.facts.push_back(known_fact("host.name", "\x1b[2Jpc", "host.info"));
    for (bool verbose : {false, true}) {
        const std::string plain = text_of(r, verbose, false);
        CHECK(plain.find('\x1b') == std::string::npos);
        CHECK(plain.find('\x07') == std::string::npos);
        CHECK(plain.find('\r') == std::string::npos);
        CHECK(plain.find('\x7f') == std::string::npos);
        CHECK(plain.find("\xc2\x9b") == std::string::npos);
        CHECK(plain.find('\x9b') == std::string::npos);
        CHECK(has(plain, "Host:     \\x1b[2J\\x1b[31mALL CLEAR"));
        CHECK(has(plain, "\\u009b2J"));
        const std::string coloured = text_of(r, verbose, true);
        // Every ESC left is one of the reporter's SGR codes.
        for (auto at = coloured.find('\x1b'); at != std::string::npos; at = coloured.find('\x1b', at + 1)) {
            const std::string seq = coloured.substr(at, 5);
            const bool own = seq.rfind("\x1b[0m", 0) == 0 || seq.rfind("\x1b[1m", 0) == 0 ||
                             seq.rfind("\x1b[2m", 0) == 0 || seq.rfind("\x1b[31m", 0) == 0 ||
                             seq.rfind("\x1b[32m", 0) == 0 || seq.rfind("\x1b[33m", 0) == 0;
            CHECK_MESSAGE(own, "foreign escape at byte ", at);
        }
        CHECK(has(coloured, "\x1b[1m"));
        CHECK_FALSE(has(coloured, "\x1b[2J"));
    }
}

TEST_CASE("escape_controls: C0 (but newline and tab), DEL, C1 and non-UTF-8 bytes are written out") {
    CHECK(escape_controls("plain \\\\nas01\\share é × ÷ 日本") == "plain \\\\nas01\\share é × ÷ 日本");
    CHECK(escape_controls("a\tb\nc") == "a\tb\nc");
    CHECK(escape_controls("\x1b[2J") == "\\x1b[2J");
    CHECK(escape_controls("x\ry\x7f\x01") == "x\\x0dy\\x7f\\x01");
    CHECK(escape_controls("\xc2\x9b" "1m") == "\\u009b1m");
    CHECK(escape_controls("\xc2\x85") == "\\u0085");
    CHECK(escape_controls("\x9b" "1m") == "\\x9b1m");
    CHECK(escape_controls("\xe0\x80\x80") == "\\xe0\\x80\\x80");   // overlong
    CHECK(escape_controls("\xed\xa0\x80") == "\\xed\\xa0\\x80");   // surrogate
    CHECK(escape_controls("\xf0\x9f\x98\x80") == "\xf0\x9f\x98\x80");
    CHECK(escape_controls(std::string("a\0b", 3)) == "a\\x00b");
}

TEST_CASE("summary: a triage (no error given) shows the top suspects and the next step on the first screen") {
    Report r;
    r.kbdiag_version = "0.1.0";
    r.is_triage = true;
    r.host_name = "pc42";
    r.triage.problems_considered = 14;
    for (int i = 0; i < 5; ++i) {
        TriageEntry e;
        e.problem_id = "problem_" + std::to_string(i);
        e.problem_title = "Problem number " + std::to_string(i) + " with a reasonably long title for a terminal";
        e.codes = {"0x00000" + std::to_string(960 + i), "other spelling"};
        e.cause_id = "cause_" + std::to_string(i);
        e.cause_title = "Cause number " + std::to_string(i);
        e.probability = 0.5 - 0.05 * i;
        e.prior = 0.2;
        e.evidence_factor = 8;
        e.evidence = {"A saved credential for the server predates the password change", "Second reason"};
        e.first_fix = "Fix number " + std::to_string(i);
        r.triage.entries.push_back(e);
    }
    r.triage.next_steps = {"Ask which error the user sees and run `kbdiag infer --error CODE`.",
                           "Run `kbdiag collect --target \\\\SERVER\\SHARE` to ask the server."};
    const std::string text = text_of(r);
    const std::string screen = first_lines(text, 24);
    INFO(text);
    CHECK(has(screen, "1. 0x00000960 - Problem number 0"));
    CHECK(has(screen, "Cause (50.0% if it is this error): Cause number 0"));
    CHECK(has(screen, "Why: A saved credential"));
    CHECK(has(screen, "Fix: Fix number 0"));
    CHECK(has(screen, "Next:"));
    CHECK(has(screen, "kbdiag infer --error CODE"));
    CHECK_FALSE(has(text, "LIKELY CAUSES"));
    CHECK_FALSE(has(text, "FIX PLAN"));
    CHECK(has(text, "Cause number 4"));   // every entry after the summary
    CHECK_FALSE(has(text, "×"));
    CHECK(has(text_of(r, true), "evidence ×8"));
    for (const auto& line : lines_of(text)) CHECK(display_width(line) <= 80);
    const Summary s = summarize(r);
    CHECK(s.triage);
    CHECK(s.causes.size() == 3);
    CHECK(s.next_check.kind == "error");
    CHECK(s.next_check.command == "kbdiag infer --error CODE");
}

TEST_CASE("summary: the JSON report carries it") {
    const auto j = report_to_json(diagnosis());
    REQUIRE(j.contains("summary"));
    const auto& s = j["summary"];
    CHECK(s["triage"] == false);
    REQUIRE(s["causes"].size() == 3);
    CHECK(s["causes"][0]["id"] == "stale_saved_credential");
    CHECK(s["causes"][0]["probability"] == 0.62);
    CHECK(s["first_fix"]["id"] == "delete_saved_credential");
    CHECK(s["first_fix"]["steps"][0] == "Run `cmdkey /delete:nas01` for every name of the server.");
    CHECK(s["first_fix"]["more_fixes"] == 2);
    CHECK(s["next_check"]["kind"] == "question");
    CHECK(s["next_check"]["before_fix"] == true);
    CHECK(s["next_check"]["minutes_saved"] == 3.25);
    CHECK(s["checks"][1]["kind"] == "collect");
    CHECK(s["checks"][1]["command"] == "kbdiag collect --error 0x963 --target \\\\nas01\\public");
}

TEST_CASE("knowledge: every fact a person is asked has a question in plain words") {
    LoadOptions lo;
    lo.folders = {KBDIAG_SOURCE_KB};
    lo.scenarios = false;
    const auto loaded = load_knowledge_base(lo);
    REQUIRE(loaded.kb);
    std::size_t asked = 0;
    for (const auto& [id, def] : loaded.kb->facts) {
        const bool collectable =
            std::any_of(def.provided_by.begin(), def.provided_by.end(), [](const auto& c) { return c != "manual"; });
        if (collectable || def.question.empty()) continue;   // a collector tells, or it is never asked
        ++asked;
        INFO(id, ": ", def.question);
        CHECK(def.question.find('?') != std::string::npos);
        CHECK(def.question.find(id) == std::string::npos);
    }
    CHECK(asked > 10);
}

TEST_CASE("without_weights: the default view drops LRs and source tags from rule titles, and nothing else") {
    CHECK(without_weights("The auth check got LOGON_FAILURE: that password or user is wrong (LR 8) [S40][S53]") ==
          "The auth check got LOGON_FAILURE: that password or user is wrong");
    CHECK(without_weights("The password was changed recently (stale story needs it: LR 4; no change: 0.25)") ==
          "The password was changed recently");
    CHECK(without_weights("The server answers: the path works (unreachable 0.03; a drop stays possible)") ==
          "The server answers: the path works");
    CHECK(without_weights("No guest session to block (guest 0.15, guest+signing 0.5)") == "No guest session to block");
    CHECK(without_weights("A stale password may have locked it (1); more") ==
          "A stale password may have locked it; more");
    CHECK(without_weights("The kernel version from uname [L1]") == "The kernel version from uname");
    // Versions, years, percentages and option values are words, not weights.
    for (const char* kept : {"Open Credential Manager (Windows 10)", "The dialect range (24H2 / Server 2025 policy)",
                             "The vendor guess (60% or surer)", "The mount asks for SMB1 (vers=1.0)",
                             "Level 0 (only on Windows 2000)", "Use DSM settings (DSM 7)"})
        CHECK(without_weights(kept) == kept);
}
