// Snapshot files: deterministic YAML, round trips, JSON input, and bad input that never crashes.
#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "test_collect_support.hpp"

using namespace kbdiag;
using namespace kbdiag::testing;

namespace {

Snapshot small_snapshot() {
    Snapshot s;
    s.created = 1764000000;   // 2025-11-24T16:00:00Z
    s.kbdiag_version = "0.1.0";
    s.host_name = "pc42";
    s.platform = "linux";
    s.collectors = {{"host.info", CollectorStatus::ok, 3, ""},
                    {"linux.samba_client", CollectorStatus::skipped, 0, "testparm is not installed"}};
    s.facts.set("host.name", std::string("pc42"), "host.info");
    s.facts.set_absent("lsa.lm_compatibility_level", "windows.lsa", "value not set");
    s.facts.set("windows.build", std::int64_t{22631}, "windows.os");
    s.facts.set("smb_client.block_ntlm_exceptions", std::vector<std::string>{"nas01", "a b"}, "windows.smb_client");
    s.facts.set("credman.entries",
                std::vector<Record>{{{"target", std::string("Domain:target=nas01")},
                                     {"type", std::string("generic")},
                                     {"user", std::string("bob")},
                                     {"persist", std::string("enterprise")},
                                     {"last_written", std::int64_t{1764000000}}}},
                "windows.credman");
    return s;
}

void check_same(const Snapshot& a, const Snapshot& b) {
    CHECK(a.schema == b.schema);
    CHECK(a.created == b.created);
    CHECK(a.kbdiag_version == b.kbdiag_version);
    CHECK(a.host_name == b.host_name);
    CHECK(a.platform == b.platform);
    REQUIRE(a.collectors.size() == b.collectors.size());
    for (std::size_t i = 0; i < a.collectors.size(); ++i) {
        CHECK(a.collectors[i].id == b.collectors[i].id);
        CHECK(a.collectors[i].status == b.collectors[i].status);
        CHECK(a.collectors[i].duration_ms == b.collectors[i].duration_ms);
        CHECK(a.collectors[i].message == b.collectors[i].message);
    }
    REQUIRE(a.facts.size() == b.facts.size());
    for (const auto& [name, e] : a.facts.entries()) {
        const FactEntry* o = b.facts.find(name);
        REQUIRE_MESSAGE(o, name);
        CHECK_MESSAGE(e.state == o->state, name);
        CHECK_MESSAGE(e.value == o->value, name);
        CHECK_MESSAGE(e.source == o->source, name);
        CHECK_MESSAGE(e.note == o->note, name);
    }
}

const Diagnostic* find_code(const Diagnostics& d, const std::string& code, const std::string& text = {}) {
    for (const auto& item : d.items())
        if (item.code == code && item.message.find(text) != std::string::npos) return &item;
    return nullptr;
}

// 1-based column of `needle` on 1-based `line` of `text`.
int column_of(const std::string& text, int line, const std::string& needle) {
    std::size_t pos = 0;
    for (int i = 1; i < line; ++i) pos = text.find('\n', pos) + 1;
    return static_cast<int>(text.find(needle, pos) - pos) + 1;
}

#ifdef _WIN32   // Windows build (issue 3): no setenv/unsetenv; _putenv_s with "" removes a variable
inline int setenv(const char* n, const char* v, int) { return ::_putenv_s(n, v); }
inline int unsetenv(const char* n) { return ::_putenv_s(n, ""); }
#endif

struct EnvVar {   // sets or unsets one variable for a scope
    std::string name;
    std::optional<std::string> old;
    EnvVar(std::string n, const char* value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) old = v;
        if (value)
            setenv(name.c_str(), value, 1);
        else
            unsetenv(name.c_str());
    }
    ~EnvVar() {
        if (old)
            setenv(name.c_str(), old->c_str(), 1);
        else
            unsetenv(name.c_str());
    }
};

}  // namespace

TEST_CASE("to_yaml: the documented shape, sorted and typed") {
    const std::string expected =
        "schema: kbdiag-snapshot/1\n"
        "created: \"2025-11-24T16:00:00Z\"\n"
        "kbdiag_version: \"0.1.0\"\n"
        "host: {name: pc42, platform: linux}\n"
        "collectors:\n"
        "  - {id: host.info, status: ok, duration_ms: 3, message: \"\"}\n"
        "  - {id: linux.samba_client, status: skipped, duration_ms: 0, message: \"testparm is not installed\"}\n"
        "facts:\n"
        "  credman.entries:\n"
        "    value:\n"
        "      - {last_written: \"2025-11-24T16:00:00Z\", persist: enterprise, target: \"Domain:target=nas01\", "
        "type: generic, user: bob}\n"
        "    source: windows.credman\n"
        "  host.name: {value: pc42, source: host.info}\n"
        "  lsa.lm_compatibility_level: {state: absent, source: windows.lsa, note: value not set}\n"
        "  smb_client.block_ntlm_exceptions: {value: [nas01, a b], source: windows.smb_client}\n"
        "  windows.build: {value: 22631, source: windows.os}\n";
    KnowledgeBase kb = collect_test_kb();
    CHECK(to_yaml(small_snapshot(), kb) == expected);
    CHECK(to_yaml(small_snapshot(), kb) == to_yaml(small_snapshot(), kb));
}

TEST_CASE("snapshot round trip: to_yaml then parse_snapshot gives the same snapshot") {
    KnowledgeBase kb = collect_test_kb();
    Snapshot s = small_snapshot();
    const char* tricky[] = {"yes",
                            "No",
                            "123",
                            "0x10",
                            "-1",
                            "a: b",
                            "x #y",
                            "quote\"d",
                            "\\\\server\\share",
                            "line\nbreak",
                            "tab\there",
                            "Gr\xc3\xbc\xc3\x9f"
                            "e",
                            "",
                            " lead",
                            "trail ",
                            "[x]",
                            "{y}",
                            "a,b",
                            "-",
                            "- x",
                            "~",
                            "null",
                            "@at",
                            "%pct",
                            "*star",
                            "&amp",
                            "!bang",
                            "|pipe",
                            ">gt",
                            "'single'",
                            "ctrl\x01\x7f",
                            "2025-11-24",
                            ".inf",
                            "? q",
                            "key: value # c",
                            "---",
                            "..."};
    int i = 0;
    std::vector<std::string> all;
    for (const char* t : tricky) {
        s.facts.set(i % 2 ? "host.kernel" : "host.arch", std::string(t), std::string("src ") + t, std::string(t));
        all.push_back(t);
        Snapshot one = s;
        Diagnostics d;
        auto back = parse_snapshot(to_yaml(one, kb), "mem.yaml", kb, d);
        REQUIRE_MESSAGE(back, t << "\n" << to_yaml(one, kb));
        CHECK_MESSAGE(d.empty(), t);
        check_same(one, *back);
        ++i;
    }
    s.facts.set("smb_client.block_ntlm_exceptions", all, "windows.smb_client");
    s.facts.set("smb_client.require_signing", true, "windows.smb_client");
    s.facts.set("server.password_changed_at", std::int64_t{-86400}, "manual");
    s.facts.set("linux.cifs.mounts", std::vector<Record>{}, "linux.cifs");
    s.facts.set("linux.cifs.credentials_files",
                std::vector<Record>{{{"path", std::string("/etc/x y")},
                                     {"exists", true},
                                     {"modified", std::int64_t{1764000000}},
                                     {"mode", std::string("0600")},
                                     {"world_readable", false}},
                                    {{"path", std::string("/etc/none")}, {"exists", false}}},
                "linux.cifs");
    s.facts.set_failed("host.os_release", "host.info", "permission denied: /etc/os-release");
    s.collectors.push_back({"weird", CollectorStatus::timeout, 5000, "said \"hi\"\nand left"});
    Diagnostics d;
    std::string yaml = to_yaml(s, kb);
    auto back = parse_snapshot(yaml, "mem.yaml", kb, d);
    REQUIRE(back);
    CHECK(d.empty());
    check_same(s, *back);
    CHECK(to_yaml(*back, kb) == yaml);
}

// Found by fuzz_snapshot: a snapshot may carry any 64-bit time, but parse_iso8601 reads four-digit years only, and
// format_iso8601 overflowed on INT64_MIN (UBSan). Such times are written as @epoch (facts) or seconds (created).
TEST_CASE("snapshot round trip: times outside years 0000-9999, down to INT64_MIN, read back the same") {
    KnowledgeBase kb = collect_test_kb();
    const std::int64_t times[] = {std::numeric_limits<std::int64_t>::min(),
                                  std::numeric_limits<std::int64_t>::min() + 1,
                                  -62167219201,   // one second before 0000-01-01T00:00:00Z
                                  -62167219200,
                                  -1,
                                  0,
                                  253402300799,   // 9999-12-31T23:59:59Z
                                  253402300800,
                                  std::numeric_limits<std::int64_t>::max()};
    for (std::int64_t t : times) {
        CAPTURE(t);
        Snapshot s = small_snapshot();
        s.created = t;
        s.facts.set("server.password_changed_at", t, "manual");
        s.facts.set("credman.entries",
                    std::vector<Record>{{{"target", std::string("x")}, {"last_written", t}}}, "windows.credman");
        const std::string yaml = to_yaml(s, kb);
        Diagnostics d;
        auto back = parse_snapshot_general(yaml, "mem.yaml", kb, d);
        REQUIRE_MESSAGE(back, yaml);
        CHECK_MESSAGE(d.empty(), yaml);
        check_same(s, *back);
        CHECK(to_yaml(*back, kb) == yaml);
    }
    // Inside the range the text stays ISO 8601; outside it names the seconds.
    Snapshot s = small_snapshot();
    s.created = 253402300800;
    s.facts.set("server.password_changed_at", std::int64_t{-62167219201}, "manual");
    const std::string yaml = to_yaml(s, kb);
    CHECK(yaml.find("created: \"253402300800\"") != std::string::npos);
    CHECK(yaml.find("{value: \"@-62167219201\", source: manual}") != std::string::npos);
    CHECK(yaml.find("last_written: \"2025-11-24T16:00:00Z\"") != std::string::npos);
    // Floor division for negative times, to the last second of the 64-bit range.
    CHECK(format_iso8601(-1) == "1969-12-31T23:59:59Z");
    CHECK(format_iso8601(-86400) == "1969-12-31T00:00:00Z");
    CHECK(format_iso8601(-86401) == "1969-12-30T23:59:59Z");
    const std::string earliest = format_iso8601(std::numeric_limits<std::int64_t>::min());
    CHECK(earliest.substr(earliest.size() - 10) == "T08:29:52Z");   // INT64_MIN mod 86400 = 30592 s
}

TEST_CASE("read_snapshot: a file written atomically reads back; JSON is accepted") {
    KnowledgeBase kb = collect_test_kb();
    TempDir dir;
    std::string path = (dir.path / "state" / "snapshot.yaml").string();
    REQUIRE(write_file_atomically(path, to_yaml(small_snapshot(), kb)) == "");
    Diagnostics d;
    auto back = read_snapshot(path, kb, d);
    REQUIRE(back);
    check_same(small_snapshot(), *back);

    const std::string json = R"({
  "schema": "kbdiag-snapshot/1",
  "created": "2025-11-24T16:00:00Z",
  "host": {"name": "pc42", "platform": "windows"},
  "collectors": [{"id": "windows.os", "status": "ok", "duration_ms": 12, "message": ""}],
  "facts": {
    "windows.build": {"value": 22631, "source": "windows.os"},
    "smb_client.require_signing": {"value": true, "source": "windows.smb_client"},
    "lsa.lm_compatibility_level": {"state": "absent", "source": "windows.lsa"},
    "credman.entries": {"value": [{"target": "nas01", "last_written": "2025-11-24T16:00:00Z"}], "source": "x"},
    "smb_client.block_ntlm_exceptions": {"value": [], "source": "x"}
  }
})";
    Diagnostics dj;
    auto j = parse_snapshot(json, "snap.json", kb, dj);
    REQUIRE(j);
    CHECK(dj.empty());
    CHECK(j->created == 1764000000);
    CHECK(j->platform == "windows");
    CHECK(j->collectors.at(0).duration_ms == 12);
    CHECK(j->facts.value("windows.build")->as_int() == 22631);
    CHECK(j->facts.value("smb_client.require_signing")->as_bool());
    CHECK(j->facts.find("lsa.lm_compatibility_level")->state == FactState::absent);
    CHECK(std::get<std::int64_t>(j->facts.value("credman.entries")->as_records().at(0).at("last_written")) ==
          1764000000);
    CHECK(j->facts.value("smb_client.block_ntlm_exceptions")->as_list().empty());
}

TEST_CASE("bad snapshot: a YAML syntax error is SNAP001 at its exact line and column") {
    KnowledgeBase kb = collect_test_kb();
    const std::string text =
        "schema: kbdiag-snapshot/1\n"
        "facts:\n"
        "  host.name:\n"
        "    value: a\n"
        "   bad: 1\n";
    Diagnostics d;
    CHECK_FALSE(parse_snapshot(text, "broken.yaml", kb, d));
    REQUIRE(d.items().size() == 1);
    const Diagnostic& e = d.items()[0];
    CHECK(e.code == codes::snap_syntax);
    CHECK(e.severity == Severity::error);
    CHECK(e.primary().file == "broken.yaml");
    CHECK(e.primary().line == 5);
    CHECK(e.primary().column == 4);
    CHECK(e.snippet == "   bad: 1");

    // The same through a file: the location names the file.
    TempDir dir;
    std::string path = (dir.path / "broken.yaml").string();
    REQUIRE(write_file_atomically(path, "schema: kbdiag-snapshot/1\nfacts: {host.name: [a, b\n") == "");
    Diagnostics df;
    CHECK_FALSE(read_snapshot(path, kb, df));
    REQUIRE(find_code(df, codes::snap_syntax));
    CHECK(find_code(df, codes::snap_syntax)->primary().file == path);
    CHECK(find_code(df, codes::snap_syntax)->primary().line >= 2);
}

TEST_CASE("bad snapshot: wrong or missing schema, wrong top-level shape") {
    KnowledgeBase kb = collect_test_kb();
    struct Case {
        const char* text;
        int line;
    } cases[] = {
        {"schema: kbdiag-snapshot/2\nfacts: {}\n", 1},
        {"facts: {}\nschema: [kbdiag-snapshot/1]\n", 2},
        {"facts: {}\n", 1},
        {"- schema: kbdiag-snapshot/1\n", 1},
        {"just a string\n", 1},
        {"", 1},
        {"schema: kbdiag-snapshot/1\nfacts: [a, b]\n", 2},
    };
    for (const auto& c : cases) {
        Diagnostics d;
        CHECK_FALSE_MESSAGE(parse_snapshot(c.text, "s.yaml", kb, d), c.text);
        const Diagnostic* e = find_code(d, codes::snap_schema);
        REQUIRE_MESSAGE(e, c.text);
        CHECK(e->severity == Severity::error);
        CHECK_MESSAGE(e->primary().line == c.line, c.text);
    }
    Diagnostics d;
    parse_snapshot("schema: kbdiag-snapshot/2\n", "s.yaml", kb, d);
    CHECK(find_code(d, codes::snap_schema, "kbdiag-snapshot/2"));
}

TEST_CASE("bad snapshot: values of the wrong type are SNAP004 at their line; unknown facts SNAP003; the rest loads") {
    KnowledgeBase kb = collect_test_kb();
    const std::string text =
        "schema: kbdiag-snapshot/1\n"                                            // 1
        "facts:\n"                                                               // 2
        "  host.name: {value: pc42, source: host.info}\n"                        // 3
        "  windows.build: {value: twenty-two, source: windows.os}\n"             // 4
        "  lsa.lm_compatibility_level: {value: [1, 2], source: windows.lsa}\n"   // 5
        "  no.such.fact: {value: 1}\n"                                           // 6
        "  smb_client.require_signing: {value: {a: 1}}\n"                        // 7
        "  host.kernel: [not, a, map]\n"                                         // 8
        "  host.arch: {state: sideways}\n"                                       // 9
        "  host.os: {value: beos}\n"                                             // 10
        "  credman.entries:\n"                                                   // 11
        "    value:\n"                                                           // 12
        "      - {target: x, last_written: yesterday}\n"                         // 13
        "  host.os_release: {source: host.info}\n"                               // 14
        "  smb_client.block_ntlm_exceptions: {value: [[nested]]}\n"              // 15
        "  target.server: {value: ~}\n"                                          // 16
        "  linux.cifs.mounts: {value: [{server: [x]}]}\n"                        // 17
        "  server.password_changed_at: {value: \"2026-13-45\"}\n";               // 18
    Diagnostics d;
    auto s = parse_snapshot(text, "s.yaml", kb, d);
    REQUIRE(s);
    CHECK(s->facts.size() == 1);
    CHECK(s->facts.value("host.name")->as_string() == "pc42");

    const Diagnostic* build = find_code(d, codes::snap_bad_value, "windows.build");
    REQUIRE(build);
    CHECK(build->primary().line == 4);
    CHECK(build->primary().column == column_of(text, 4, "twenty-two"));
    CHECK(build->snippet == "  windows.build: {value: twenty-two, source: windows.os}");
    const Diagnostic* unknown = find_code(d, codes::snap_unknown_fact, "no.such.fact");
    REQUIRE(unknown);
    CHECK(unknown->severity == Severity::warning);
    CHECK(unknown->primary().line == 6);
    CHECK(unknown->primary().column == 3);
    struct Expect {
        const char* fact;
        int line;
    } expects[] = {{"lsa.lm_compatibility_level", 5},
                   {"smb_client.require_signing", 7},
                   {"host.kernel", 8},
                   {"host.arch", 9},
                   {"host.os", 10},
                   {"credman.entries", 13},
                   {"host.os_release", 14},
                   {"smb_client.block_ntlm_exceptions", 15},
                   {"target.server", 16},
                   {"linux.cifs.mounts", 17},
                   {"server.password_changed_at", 18}};
    for (const auto& e : expects) {
        const Diagnostic* diag = find_code(d, codes::snap_bad_value, e.fact);
        REQUIRE_MESSAGE(diag, e.fact);
        CHECK_MESSAGE(diag->primary().line == e.line, e.fact);
        CHECK(diag->primary().file == "s.yaml");
    }
    CHECK(d.count(Severity::error) == 12);
}

TEST_CASE("bad snapshot: hostile shapes never crash") {
    KnowledgeBase kb = collect_test_kb();
    const std::string deep = std::string(5000, '[') + std::string(5000, ']');
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    const std::string cases[] = {
        "schema: kbdiag-snapshot/1\ncollectors: {a: b}\nhost: [x]\ncreated: [1]\n",
        "schema: kbdiag-snapshot/1\ncollectors: [1, [2], {id: x}, {id: y, status: nope}, {status: ok}]\n",
        "schema: kbdiag-snapshot/1\nhost: {name: [a], platform: {b: c}}\nkbdiag_version: {x: 1}\n",
        "schema: kbdiag-snapshot/1\nfacts: {[a, b]: {value: 1}, {k: v}: 2, host.name: }\n",
        "schema: kbdiag-snapshot/1\nfacts: {host.name: {value: x, source: [a], note: {b: c}, state: [known]}}\n",
        "schema: kbdiag-snapshot/1\nfacts:\n  credman.entries: {value: [{target: x}, plain, [list]]}\n",
        "schema: kbdiag-snapshot/1\ncreated: not-a-time\nfacts: 7\n",
        "schema: !!binary aGVsbG8=\n",
        "schema: &a kbdiag-snapshot/1\nfacts: {host.name: {value: *a}}\n",
        "schema: kbdiag-snapshot/1\nfacts: {host.name: {value: *undefined_alias}}\n",
        "%YAML 9.9\n--- \nschema: x\n",
        "schema: kbdiag-snapshot/1\n---\nschema: kbdiag-snapshot/1\n",
        "\t\tschema:\t\"kbdiag-snapshot/1\"\n",
        "{\"schema\": \"kbdiag-snapshot/1\", \"facts\": {\"host.name\": {\"value\": null}}}",
        deep,
        "schema: kbdiag-snapshot/1\nfacts: {host.name: {value: " + deep + "}}\n",
        bytes,
        "schema: kbdiag-snapshot/1\nfacts: {host.name: {value: \"\xff\xfe\"}}\n",
    };
    for (const auto& text : cases) {
        Diagnostics d;
        auto s = parse_snapshot(text, "hostile.yaml", kb, d);
        if (!s) CHECK_MESSAGE(d.has_errors(), text.substr(0, 80));
    }
    Diagnostics d;
    CHECK_FALSE(read_snapshot("/nonexistent/kbdiag/snapshot.yaml", kb, d));
    REQUIRE(find_code(d, codes::snap_io));
    CHECK(find_code(d, codes::snap_io)->primary().file == "/nonexistent/kbdiag/snapshot.yaml");
    TempDir dir;
    Diagnostics dd;
    CHECK_FALSE(read_snapshot(dir.str(), kb, dd));
    CHECK(find_code(dd, codes::snap_io));
}

TEST_CASE("default_snapshot_path: KBDIAG_SNAPSHOT, then XDG_STATE_HOME, then ~/.local/state") {
    EnvVar snap("KBDIAG_SNAPSHOT", "/tmp/explicit.yaml");
    EnvVar xdg("XDG_STATE_HOME", "/xdg/state");
    EnvVar home("HOME", "/home/tech");
    CHECK(default_snapshot_path() == "/tmp/explicit.yaml");
#ifdef _WIN32   // Windows build (issue 3): the default place is %LOCALAPPDATA%\kbdiag\snapshot.yaml
    {
        EnvVar no_snap("KBDIAG_SNAPSHOT", nullptr);
        EnvVar local("LOCALAPPDATA", "C:\\Users\\tech\\AppData\\Local");
        CHECK(default_snapshot_path() == "C:\\Users\\tech\\AppData\\Local\\kbdiag\\snapshot.yaml");
    }
#else
    {
        EnvVar no_snap("KBDIAG_SNAPSHOT", nullptr);
        CHECK(default_snapshot_path() == "/xdg/state/kbdiag/snapshot.yaml");
        EnvVar relative_xdg("XDG_STATE_HOME", "relative/state");   // invalid per the XDG spec: ignored
        CHECK(default_snapshot_path() == "/home/tech/.local/state/kbdiag/snapshot.yaml");
        EnvVar no_xdg("XDG_STATE_HOME", nullptr);
        CHECK(default_snapshot_path() == "/home/tech/.local/state/kbdiag/snapshot.yaml");
    }
#endif
}

// ---------------------------------------------------------------------------------------------- age warning

namespace {

std::chrono::system_clock::time_point at(std::int64_t epoch_seconds) {
    return std::chrono::system_clock::time_point(std::chrono::seconds(epoch_seconds));
}

Snapshot created_at(std::int64_t epoch_seconds) {
    Snapshot s;
    s.created = epoch_seconds;
    return s;
}

}  // namespace

TEST_CASE("snapshot_age_warning: a fresh snapshot, and one just inside the limit, say nothing") {
    const std::int64_t created = 1796032920;   // 2026-11-30T10:02:00Z
    CHECK_FALSE(snapshot_age_warning(created_at(created), at(created)));
    CHECK_FALSE(snapshot_age_warning(created_at(created), at(created + 3600)));
    CHECK_FALSE(snapshot_age_warning(created_at(created), at(created + 72 * 3600)));   // exactly 72 h: not older
}

TEST_CASE("snapshot_age_warning: older than the limit names the age, the UTC time and what to do") {
    const std::int64_t created = 1796032920;   // 2026-11-30T10:02:00Z
    auto w = snapshot_age_warning(created_at(created), at(created + 5 * 86400 + 7 * 3600));
    REQUIRE(w);
    CHECK(*w == "This snapshot was collected 5 days ago (2026-11-30 10:02 UTC); things may have changed: "
                "run `kbdiag collect` again.");
    auto just_over = snapshot_age_warning(created_at(created), at(created + 72 * 3600 + 1));
    REQUIRE(just_over);
    CHECK(just_over->find("3 days ago") != std::string::npos);
}

TEST_CASE("snapshot_age_warning: a shorter limit speaks in hours") {
    const std::int64_t created = 1796032920;
    auto w = snapshot_age_warning(created_at(created), at(created + 30 * 3600), std::chrono::hours(24));
    REQUIRE(w);
    CHECK(w->find("collected 30 hours ago (2026-11-30 10:02 UTC)") != std::string::npos);
    auto one = snapshot_age_warning(created_at(created), at(created + 3600 + 59), std::chrono::hours(0));
    REQUIRE(one);
    CHECK(one->find("collected 1 hour ago") != std::string::npos);
}

TEST_CASE("snapshot_age_warning: a collection time in the future is a clock problem, small skew is not") {
    const std::int64_t created = 1796032920;
    CHECK_FALSE(snapshot_age_warning(created_at(created), at(created - 4 * 60)));   // 4 minutes of skew
    auto w = snapshot_age_warning(created_at(created), at(created - 3 * 86400));
    REQUIRE(w);
    CHECK(*w == "This snapshot's collection time (2026-11-30 10:02 UTC) is 3 days in the future: the clock of "
                "this computer or of the one that collected it is wrong, so its age is unknown.");
    auto minutes = snapshot_age_warning(created_at(created), at(created - 10 * 60));
    REQUIRE(minutes);
    CHECK(minutes->find("is 10 minutes in the future") != std::string::npos);
}

TEST_CASE("snapshot_age_warning: no collection time recorded, no warning") {
    CHECK_FALSE(snapshot_age_warning(created_at(0), at(1796032920)));
    CHECK_FALSE(snapshot_age_warning(created_at(-5), at(1796032920)));
}

// ------------------------------------------------------------------------------ the JSON fast path (batch lines)

namespace {

// The fast path and the general reader on the same text (or on `general_text`, the same snapshot spelled without
// \uXXXX surrogate pairs, which yaml-cpp refuses): both read it, and to the same snapshot.
void check_fast_path_same(const std::string& json, const KnowledgeBase& kb, std::string general_text = {}) {
    if (general_text.empty()) general_text = json;
    auto fast = parse_clean_json_snapshot(json, kb);
    Diagnostics d;
    auto general = parse_snapshot_general(general_text, "mem.json", kb, d);
    for (const auto& item : d.items()) MESSAGE(item.code << " " << item.message);   // why, when not
    REQUIRE_MESSAGE(general, json);
    REQUIRE_MESSAGE(fast, json);
    CHECK_MESSAGE(d.empty(), json);
    check_same(*general, *fast);
    CHECK(to_yaml(*fast, kb) == to_yaml(*general, kb));
}

nlohmann::json json_snapshot() {
    return {{"schema", "kbdiag-snapshot/1"},
            {"created", "2025-11-24T16:00:00Z"},
            {"kbdiag_version", "0.1.0"},
            {"host", {{"name", "pc42"}, {"platform", "windows"}}},
            {"collectors",
             {{{"id", "host.info"}, {"status", "ok"}, {"duration_ms", 3}, {"message", ""}},
              {{"id", "weird"}, {"status", "timeout"}, {"duration_ms", 5000}, {"message", "said \"hi\"\nand left"}}}},
            {"facts",
             {{"windows.build", {{"value", 22631}, {"source", "windows.os"}}},
              {"smb_client.require_signing", {{"value", true}, {"source", "windows.smb_client"}}},
              {"server.password_changed_at", {{"value", "@-86400"}, {"source", "manual"}, {"note", "typed"}}},
              {"smb_client.block_ntlm_exceptions", {{"value", {"nas01", "a b", "123", "yes"}}, {"source", "x"}}},
              {"linux.cifs.credentials_files",
               {{"value",
                 {{{"path", "/etc/x y"}, {"exists", true}, {"modified", "2025-11-24T16:00:00Z"}, {"mode", "0600"},
                   {"world_readable", false}},
                  {{"path", "/etc/none"}, {"exists", false}}}},
                {"source", "linux.cifs"}}},
              {"linux.cifs.mounts", {{"value", nlohmann::json::array()}, {"source", "linux.cifs"}}},
              {"lsa.lm_compatibility_level", {{"state", "absent"}, {"source", "windows.lsa"}, {"note", "not set"}}},
              {"host.os_release", {{"state", "failed"}, {"source", "host.info"}, {"note", "permission denied"}}}}}};
}

}  // namespace

TEST_CASE("JSON fast path: the same snapshot as the general reader, for every kind of value and tricky strings") {
    KnowledgeBase kb = collect_test_kb();
    nlohmann::json j = json_snapshot();
    check_fast_path_same(j.dump(), kb);
    check_fast_path_same(j.dump(2), kb);   // pretty-printed JSON too
    const char* tricky[] = {"yes", "No", "123", "0x10", "-1", "a: b", "x #y", "quote\"d", "\\\\server\\share",
                            "line\nbreak", "tab\there", "Gr\xc3\xbc\xc3\x9f" "e", "", " lead", "trail ", "[x]", "{y}",
                            "~", "null", "*star", "&amp", "!bang", "ctrl\x01\x7f", "2025-11-24", ".inf", "---",
                            "\xe2\x80\xa8 line separator", "\xf0\x9f\x98\x80 emoji"};
    for (const char* t : tricky) {
        j["facts"]["host.arch"] = {{"value", t}, {"source", std::string("src ") + t}, {"note", t}};
        j["host"]["name"] = t;
        check_fast_path_same(j.dump(), kb);
        check_fast_path_same(j.dump(-1, ' ', /*ensure_ascii=*/true), kb, j.dump());   // \uXXXX escapes
    }
}

TEST_CASE("JSON fast path: anything but a clean snapshot goes to the general reader, which reports it") {
    KnowledgeBase kb = collect_test_kb();
    const std::string good = json_snapshot().dump();
    REQUIRE(parse_clean_json_snapshot(good, kb));
    auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
        nlohmann::json j = json_snapshot();
        edit(j);
        return j.dump();
    };
    const std::vector<std::pair<std::string, std::string>> refused = {
        {"YAML", "schema: kbdiag-snapshot/1\nfacts: {}\n"},
        {"trailing text", good + " x"},
        {"two objects", good + good},
        {"duplicate key", "{\"schema\":\"kbdiag-snapshot/1\",\"facts\":{},\"facts\":{}}"},
        {"duplicate fact", "{\"schema\":\"kbdiag-snapshot/1\",\"facts\":{\"windows.build\":{\"value\":1},"
                           "\"windows.build\":{\"value\":2}}}"},
        {"wrong schema", with([](auto& j) { j["schema"] = "kbdiag-snapshot/2"; })},
        {"unknown fact", with([](auto& j) { j["facts"]["no.such_fact"] = {{"value", 1}}; })},
        {"value of the wrong type", with([](auto& j) { j["facts"]["windows.build"]["value"] = "many"; })},
        {"null value", with([](auto& j) { j["facts"]["windows.build"]["value"] = nullptr; })},
        {"float value", with([](auto& j) { j["facts"]["windows.build"]["value"] = 1e5; })},
        {"bad state", with([](auto& j) { j["facts"]["windows.build"]["state"] = "maybe"; })},
        {"bad collector", with([](auto& j) { j["collectors"][0]["status"] = "great"; })},
        {"created not a time", with([](auto& j) { j["created"] = "soon"; })},
        {"host not a mapping", with([](auto& j) { j["host"] = "pc42"; })},
    };
    for (const auto& [what, text] : refused) {
        CAPTURE(what);
        CHECK_FALSE(parse_clean_json_snapshot(text, kb));
        // ...and parse_snapshot still says what is wrong (or reads what the general reader can).
        Diagnostics via_parse, via_general;
        auto a = parse_snapshot(text, "mem.json", kb, via_parse);
        auto b = parse_snapshot_general(text, "mem.json", kb, via_general);
        CHECK(a.has_value() == b.has_value());
        CHECK(via_parse.items().size() == via_general.items().size());
        if (what != "YAML") CHECK_FALSE(via_general.empty());
    }
}

// Found by fuzz_snapshot_json: nlohmann reads the number -0 as the integer 0, so the fast path gave a string fact
// "0" where the general reader (and the file) says "-0". The fast path now leaves such a text to the general reader.
TEST_CASE("JSON fast path: the number -0 goes to the general reader, which keeps its spelling") {
    KnowledgeBase kb = collect_test_kb();
    const std::string minus_zero =
        R"({"schema": "kbdiag-snapshot/1", "facts": {"host.name": {"value": -0, "source": "x"}, )"
        R"("windows.build": {"value": 0, "source": "-0\"-0"}}})";
    CHECK_FALSE(parse_clean_json_snapshot(minus_zero, kb));
    Diagnostics d;
    auto s = parse_snapshot(minus_zero, "mem.json", kb, d);
    REQUIRE(s);
    CHECK(d.empty());
    REQUIRE(s->facts.value("host.name"));
    CHECK(*s->facts.value("host.name") == FactValue(std::string("-0")));
    // "-0" inside strings, escaped quotes included, is only text: the fast path takes it.
    const std::string in_strings =
        R"({"schema": "kbdiag-snapshot/1", "facts": {"host.name": {"value": "-0", "source": "a\"-0"}}})";
    auto fast = parse_clean_json_snapshot(in_strings, kb);
    REQUIRE(fast);
    CHECK(*fast->facts.value("host.name") == FactValue(std::string("-0")));
}

namespace {

// parse_snapshot (fast path) and the general reader on `text`: the same snapshot and the same diagnostics, item by
// item (code, message, location, snippet).
void check_same_diagnostics(const std::string& text, const KnowledgeBase& kb) {
    Diagnostics via_parse, via_general;
    auto a = parse_snapshot(text, "mem.json", kb, via_parse);
    auto b = parse_snapshot_general(text, "mem.json", kb, via_general);
    REQUIRE_MESSAGE(a, text);
    REQUIRE_MESSAGE(b, text);
    check_same(*a, *b);
    REQUIRE(via_parse.items().size() == via_general.items().size());
    for (std::size_t i = 0; i < via_parse.items().size(); ++i) {
        const Diagnostic& x = via_parse.items()[i];
        const Diagnostic& y = via_general.items()[i];
        CHECK(x.code == y.code);
        CHECK(x.severity == y.severity);
        CHECK(x.message == y.message);
        CHECK(x.where == y.where);
        CHECK(x.snippet == y.snippet);
    }
}

}  // namespace

TEST_CASE("JSON fast path: unknown facts are dropped with the general reader's warning, at the same place") {
    KnowledgeBase kb = collect_test_kb();
    nlohmann::json j = json_snapshot();
    j["facts"]["no.such_fact"] = {{"value", 1}, {"source", "import"}};
    j["facts"]["zz-newer.collector"] = {{"value", {{{"a", "b"}}}}, {"source", "x"}};
    const std::string one_line = j.dump();
    std::vector<std::string> unknown;
    REQUIRE(parse_clean_json_snapshot(one_line, kb, &unknown));
    CHECK(unknown == std::vector<std::string>{"no.such_fact", "zz-newer.collector"});
    check_same_diagnostics(one_line, kb);
    check_same_diagnostics(j.dump(2), kb);   // pretty-printed: the key's line and column
    // Where the key cannot be placed for certain, the general reader reads it (and says the same).
    j["host"]["name"] = "\\\\server";   // a backslash: keys might be spelt with escapes
    check_same_diagnostics(j.dump(), kb);
    j["host"]["name"] = "Gr\xc3\xbc\xc3\x9f" "e";   // non-ASCII before the key
    check_same_diagnostics(j.dump(), kb);
    j["host"]["name"] = "no.such_fact";   // the name as a value too: still one key
    check_same_diagnostics(j.dump(), kb);
    j["collectors"][0]["no.such_fact"] = "x";   // two keys of that name
    check_same_diagnostics(j.dump(), kb);
}

// The plain-JSON reader batch lines go through first: at its edges (what it takes, and what it leaves to nlohmann)
// the fast path still reads what the general reader reads, and refuses what is not JSON.
TEST_CASE("JSON fast path: the plain reader's edges read as the general reader does") {
    KnowledgeBase kb = collect_test_kb();
    auto with_values = [](const std::string& arch, const std::string& build, const std::string& space = "") {
        return "{" + space + "\"schema\"" + space + ":" + space + "\"kbdiag-snapshot/1\"," + space +
               "\"facts\":{\"host.arch\":{\"value\":" + arch + ",\"source\":\"x\"}," + space +
               "\"windows.build\":{\"value\":" + build + "," + space + "\"source\":\"y\"}" + space + "}}" + space;
    };
    const std::vector<std::pair<std::string, std::string>> same = {
        {R"("a\/b\\c\"d")", "123456789012345678"},       // short escapes; 18 digits (the plain reader's longest)
        {R"("\b\f\n\r\t")", "1234567890123456789"},      // 19 digits: nlohmann's
        {"12345678901234567890", "-42"},                  // a number as a string fact; negative
        {"0", "0"},
        {"true", "7"},
        {"false", "7"},
        {R"("\u00e9t\u00e9")", "7"},                      // \u: nlohmann's
        {"\"caf\xc3\xa9\"", "7"},                         // beyond ASCII: nlohmann's
        {"[\"a\",\"b\"]", "7"},
        {"[]", "7"},
    };
    for (const auto& [arch, build] : same) {
        CAPTURE(arch);
        check_fast_path_same(with_values(arch, build), kb);
        // All of JSON's whitespace between tokens (yaml-cpp refuses a tab there, or a line break before a ':'):
        // the same snapshot as without.
        auto spaced = parse_clean_json_snapshot(with_values(arch, build, " \t\r\n "), kb);
        auto compact = parse_clean_json_snapshot(with_values(arch, build), kb);
        REQUIRE(spaced);
        REQUIRE(compact);
        CHECK(to_yaml(*spaced, kb) == to_yaml(*compact, kb));
    }
    const std::vector<std::string> not_json = {
        with_values("01", "7"),   with_values("1.5", "7"),  with_values("1e5", "7"),   with_values("-", "7"),
        with_values("tru", "7"),  with_values("\"open", "7"), with_values("[1,]", "7"), with_values("'x'", "7"),
        with_values("\"a\"", "7") + "x",
        R"({"schema":"kbdiag-snapshot/1","facts":{},})",
    };
    for (const auto& text : not_json) {
        CAPTURE(text);
        CHECK_FALSE(parse_clean_json_snapshot(text, kb));
    }
    // Nesting deeper than the plain reader goes: nlohmann reads it (and the fast path refuses the shape).
    const std::string deep = with_values(std::string(40, '[') + std::string(40, ']'), "7");
    Diagnostics via_parse, via_general;
    CHECK(parse_snapshot(deep, "mem.json", kb, via_parse).has_value() ==
          parse_snapshot_general(deep, "mem.json", kb, via_general).has_value());
    CHECK(via_parse.items().size() == via_general.items().size());
}
