// Report exports: escaping for HTML and Markdown (hostile markup, terminal escapes, every byte), where the
// templates are found (shipped knowledge, then --kb overlays), and every way a template can fail, each with its
// file:line.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "bindings/lua/report_templates.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/report/markup_escape.hpp"
#include "engine/report/report.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace kbdiag;
using kbdiag::lua::TemplateError;
using kbdiag::test::TempDir;
using nlohmann::json;

namespace {

const std::string script_tag = "<script>alert(1)</script>";
const std::string terminal_attack = "\x1b[2J\x1b[31mALL CLEAR";

bool has_byte(const std::string& s, unsigned char byte) { return s.find(static_cast<char>(byte)) != std::string::npos; }

// True when `s` is well-formed UTF-8.
bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

// Runs `lua` as the only template of a temp knowledge folder; returns the TemplateError it must throw.
TemplateError render_failure(const std::string& lua, const json& report = json::object(),
                             const lua::TemplateLimits& limits = {}) {
    TempDir dir;
    dir.write("templates/markdown.lua", lua);
    try {
        lua::render_report_template(report, "markdown", {dir.path()}, limits);
    } catch (const TemplateError& e) {
        return e;
    }
    FAIL("the template did not fail");
    return TemplateError(Diagnostic{});
}

std::string render_markdown(const std::string& lua, const json& report) {
    TempDir dir;
    dir.write("templates/markdown.lua", lua);
    return lua::render_report_template(report, "markdown", {dir.path()});
}

std::string render_html(const std::string& lua, const json& report) {
    TempDir dir;
    dir.write("templates/html.lua", lua);
    return lua::render_report_template(report, "html", {dir.path()});
}

}  // namespace

// ---- escaping ---------------------------------------------------------------------------------------------

TEST_CASE("HTML escaping turns markup into text") {
    CHECK(escape_html(script_tag) == "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK(escape_html(R"(a "b" & 'c')") == "a &quot;b&quot; &amp; &#39;c&#39;");
    CHECK(escape_html("&lt;") == "&amp;lt;");   // an entity in a value stays visible as typed
    CHECK(escape_html("line 1\nline\t2") == "line 1\nline\t2");
}

TEST_CASE("terminal escape sequences become visible, inert text in both formats") {
    const std::string html = escape_html(terminal_attack);
    CHECK(html == "\\x1b[2J\\x1b[31mALL CLEAR");
    CHECK_FALSE(has_byte(html, 0x1b));
    const std::string md = escape_markdown(terminal_attack);
    CHECK(md == "\\\\x1b\\[2J\\\\x1b\\[31mALL CLEAR");   // renders as \x1b[2J\x1b[31m
    CHECK_FALSE(has_byte(md, 0x1b));
}

TEST_CASE("control characters: C0, DEL, C1 and bidi overrides as escape text, bad bytes as U+FFFD") {
    CHECK(neutralize_controls(std::string("a\0b", 3), true) == "a\\x00b");
    CHECK(neutralize_controls("\x07\x08\x7f", true) == "\\x07\\x08\\x7f");
    CHECK(neutralize_controls("\xc2\x9b" "31m", true) == "\\x9b31m");                 // U+009B, the 8-bit CSI
    CHECK(neutralize_controls("\x9b" "31m", true) == "\ufffd31m");                    // a lone byte: not UTF-8
    CHECK(neutralize_controls("abc\xe2\x80\xae" "fed", true) == "abc\\u202efed");    // RIGHT-TO-LEFT OVERRIDE
    CHECK(neutralize_controls("\xc0\xbc", true) == "\ufffd\ufffd");                   // overlong '<'
    CHECK(neutralize_controls("\xed\xa0\x80", true) == "\ufffd\ufffd\ufffd");         // a surrogate
    CHECK(neutralize_controls("a\r\nb\rc", true) == "a\nb\\x0dc");
    CHECK(neutralize_controls("a\nb\tc", false) == "a b c");
    const std::string plain_unicode = "h\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80";   // é ✓ 😀 stay as they are
    CHECK(neutralize_controls(plain_unicode, true) == plain_unicode);
}

TEST_CASE("every single byte, alone, escapes to valid UTF-8 without controls or live markup") {
    for (int b = 0; b < 256; ++b) {
        CAPTURE(b);
        const std::string in(1, static_cast<char>(b));
        const std::string html = escape_html(in);
        const std::string md = escape_markdown(in);
        CHECK(valid_utf8(html));
        CHECK(valid_utf8(md));
        for (unsigned char c = 0; c < 0x20; ++c) {
            if (c != '\n' && c != '\t') CHECK_FALSE(has_byte(html, c));
            CHECK_FALSE(has_byte(md, c));   // Markdown keeps no line break either: it would end a table row
        }
        CHECK_FALSE(has_byte(html, 0x7f));
        CHECK_FALSE(has_byte(md, 0x7f));
        for (char c : std::string("<>\"'")) CHECK_FALSE(has_byte(html, static_cast<unsigned char>(c)));
        if (b == '&') CHECK(html == "&amp;");
    }
}

TEST_CASE("Markdown escaping keeps values literal, in text and in table cells") {
    CHECK(escape_markdown(script_tag) == "\\<script\\>alert(1)\\</script\\>");
    CHECK(escape_markdown("*bold* _it_ `code` ~~gone~~") == "\\*bold\\* \\_it\\_ \\`code\\` \\~\\~gone\\~\\~");
    CHECK(escape_markdown("[click](http://x.example)") == "\\[click\\](http://x.example)");
    CHECK(escape_markdown("a | b") == "a \\| b");
    CHECK(escape_markdown("C:\\Users\\x") == "C:\\\\Users\\\\x");
    CHECK(escape_markdown("&lt; &#60;") == "\\&lt; \\&\\#60;");
    CHECK(escape_markdown("ping @admin about #12, $x$") == "ping \\@admin about \\#12, \\$x\\$");
    CHECK(escape_markdown("# not a heading") == "\\# not a heading");
    CHECK(escape_markdown("- not a list") == "\\- not a list");
    CHECK(escape_markdown("  + not a list") == "  \\+ not a list");
    CHECK(escape_markdown("=== not an underline") == "\\=== not an underline");
    CHECK(escape_markdown("12. not a list") == "12\\. not a list");
    CHECK(escape_markdown("3) not a list") == "3\\) not a list");
    CHECK(escape_markdown("7.") == "7\\.");
    CHECK(escape_markdown("0.1.0 and 2)x") == "0.1.0 and 2)x");   // no list marker: no space after it
    CHECK(escape_markdown("> not a quote") == "\\> not a quote");
    CHECK(escape_markdown("smb-signing 3.1.1 (x)") == "smb-signing 3.1.1 (x)");   // readable where it is safe
    CHECK(escape_markdown("two\nlines") == "two lines");
}

TEST_CASE("the report a template sees: strings escaped, data keys escaped, field names as they are") {
    const json report = {{"host", script_tag},
                         {"rules_run", 3},
                         {"facts", json::array({json{{"name", "a.b"}, {"value", true}}})},
                         {"evidence", json{{"<k>", "v & w"}, {"other_probability", 0.25}}}};
    const json html = lua::escaped_report(report, Markup::html);
    CHECK(html["host"] == "&lt;script&gt;alert(1)&lt;/script&gt;");
    CHECK(html["rules_run"] == 3);
    CHECK(html["facts"][0]["value"] == true);
    CHECK(html["evidence"]["&lt;k&gt;"] == "v &amp; w");
    CHECK(html["evidence"]["other_probability"] == 0.25);
    const json md = lua::escaped_report(report, Markup::markdown);
    CHECK(md["evidence"]["\\<k\\>"] == "v \\& w");
    CHECK(md["evidence"].contains("other_probability"));
}

// ---- templates --------------------------------------------------------------------------------------------

TEST_CASE("a template gets escaped values and escaping helpers") {
    const json report = {{"host", script_tag + terminal_attack}, {"causes", json::array({json{{"p", 0.624}}})}};
    const char* lua = R"(return function(report, h)
  return table.concat({report.host, h.percent(report.causes[1].p), h.percent(0.001), h.percent(0), h.percent(0.999),
                       h.minutes(90), h.minutes(5), h.minutes(120), h.ratio(4), h.ratio(0.05),
                       h.join({"a", 2, "c"}, "+"), h.format}, " ")
end
)";
    CHECK(render_html(lua, report) ==
          "&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[2J\\x1b[31mALL CLEAR 62% &lt;1% 0% &gt;99% 1 h 30 min 5 min "
          "2 h \u00d74 \u00f720 a+2+c html");
    CHECK(render_markdown(lua, report) ==
          "\\<script\\>alert(1)\\</script\\>\\\\x1b\\[2J\\\\x1b\\[31mALL CLEAR 62% \\<1% 0% \\>99% 1 h 30 min 5 min "
          "2 h \u00d74 \u00f720 a+2+c markdown");
}

TEST_CASE("h.code and h.inline: commands as inline code, holding the value's own characters") {
    const json report = {{"cmd", "kbdiag collect --target \\\\nas\\pub"},
                         {"ticks", "a`b"},
                         {"edge", "`x"},
                         {"hostile", "<script>*x*</script>"},
                         {"text", "run `kbdiag infer` again, `unpaired"}};
    const char* lua = R"(return function(report, h)
  return table.concat({h.code(report.cmd), h.code(report.ticks), h.code(report.edge), h.code(report.hostile),
                       h.inline(report.text), h.code("")}, "|")
end
)";
    CHECK(render_markdown(lua, report) ==
          "`kbdiag collect --target \\\\nas\\pub`|``a`b``|`` `x ``|`<script>*x*</script>`|"
          "run `kbdiag infer` again, \\`unpaired|");
    CHECK(render_html(lua, report) ==
          "<code>kbdiag collect --target \\\\nas\\pub</code>|<code>a`b</code>|<code>`x</code>|"
          "<code>&lt;script&gt;*x*&lt;/script&gt;</code>|run <code>kbdiag infer</code> again, `unpaired|<code></code>");
}

TEST_CASE("the template is the one of the last knowledge folder that has it") {
    TempDir shipped, plain_overlay, site_overlay;
    shipped.write("templates/markdown.lua", "return function() return 'shipped' end\n");
    shipped.write("templates/html.lua", "return function() return 'shipped html' end\n");
    plain_overlay.write("causes.yaml", "causes: []\n");
    site_overlay.write("templates/markdown.lua", "return function() return 'site' end\n");
    const std::vector<std::filesystem::path> all{shipped.path(), site_overlay.path(), plain_overlay.path()};

    CHECK(lua::find_report_template("markdown", all) ==
          std::filesystem::path(site_overlay.path()) / "templates" / "markdown.lua");
    CHECK(lua::render_report_template(json::object(), "markdown", all) == "site");
    CHECK(lua::render_report_template(json::object(), "html", all) == "shipped html");   // the overlay has none
    CHECK(lua::render_report_template(json::object(), "markdown", {shipped.path(), plain_overlay.path()}) ==
          "shipped");
    CHECK(lua::find_report_template("../markdown", all).empty());   // a format is a name, not a path
}

TEST_CASE("a missing template is a located KB017 error naming the folders looked in") {
    TempDir empty;
    try {
        lua::render_report_template(json::object(), "html", {empty.path()});
        FAIL("no error");
    } catch (const TemplateError& e) {
        CHECK(e.diagnostic().code == codes::kb_report_template);
        CHECK(std::string(e.what()).find("no report template for format 'html'") != std::string::npos);
        CHECK(std::string(e.what()).find(empty.path()) != std::string::npos);
    }
    CHECK_THROWS_AS(lua::render_report_template(json::object(), "pdf", {empty.path()}), TemplateError);
}

TEST_CASE("template errors carry the template's file:line") {
    SUBCASE("syntax error") {
        const TemplateError e = render_failure("return function(report, h)\n  local x = = 1\nend\n");
        CHECK(e.diagnostic().primary().line == 2);
        CHECK(std::filesystem::path(e.diagnostic().primary().file).filename() == "markdown.lua");
        CHECK(e.diagnostic().message.find("does not compile") != std::string::npos);
        CHECK(e.diagnostic().snippet == "  local x = = 1");
        CHECK(std::string(e.what()).find("markdown.lua:2: error[KB017]") != std::string::npos);
    }
    SUBCASE("runtime error in the function") {
        const TemplateError e =
            render_failure("return function(report, h)\n  local a = 1\n  return report.missing.field\nend\n");
        CHECK(e.diagnostic().primary().line == 3);
        CHECK(e.diagnostic().message.find("failed") != std::string::npos);
        CHECK(e.diagnostic().message.find("missing") != std::string::npos);
    }
    SUBCASE("error() in a helper function of the file") {
        const TemplateError e = render_failure(
            "local function boom()\n  error('no good')\nend\nreturn function(report, h)\n  return boom()\nend\n");
        CHECK(e.diagnostic().primary().line == 2);
        CHECK(e.diagnostic().message.find("no good") != std::string::npos);
    }
    SUBCASE("instruction budget") {
        lua::TemplateLimits limits;
        limits.instructions = 100'000;
        const TemplateError e =
            render_failure("return function(report, h)\n  local n = 0\n  while true do n = n + 1 end\nend\n",
                           json::object(), limits);
        CHECK(e.diagnostic().message.find("instruction budget (100000 instructions)") != std::string::npos);
        CHECK(e.diagnostic().primary().line == 3);
    }
    SUBCASE("a budget is not escaped with pcall") {
        lua::TemplateLimits limits;
        limits.instructions = 100'000;
        const TemplateError e = render_failure(
            "return function()\n  while true do pcall(function() while true do end end) end\nend\n", json::object(),
            limits);
        CHECK(e.diagnostic().message.find("instruction budget") != std::string::npos);
    }
    SUBCASE("memory budget") {
        lua::TemplateLimits limits;
        limits.memory = 4u << 20;
        const TemplateError e = render_failure(
            "return function(report, h)\n  local t = {}\n"
            "  for i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end\nend\n",
            json::object(), limits);
        CHECK(e.diagnostic().message.find("memory budget (4194304 bytes)") != std::string::npos);
    }
    SUBCASE("the file does not return a function") {
        const TemplateError e = render_failure("return { title = 'x' }\n");
        CHECK(e.diagnostic().message.find("must return a function(report, h), but returned table") !=
              std::string::npos);
    }
    SUBCASE("the function does not return a string") {
        const TemplateError e = render_failure("-- comment\nreturn function(report, h)\n  return nil\nend\n");
        CHECK(e.diagnostic().message.find("must return the document as a string, but returned nil") !=
              std::string::npos);
        CHECK(e.diagnostic().primary().line == 2);
    }
}

TEST_CASE("templates run in the sandbox") {
    SUBCASE("no io, os or require") {
        for (const char* use : {"io.open('/etc/passwd')", "os.execute('true')", "require('os')", "load('x=1')",
                                "debug.getinfo(1)", "dofile('/etc/passwd')"}) {
            CAPTURE(use);
            const TemplateError e = render_failure(std::string("return function()\n  return ") + use + "\nend\n");
            CHECK(e.diagnostic().primary().line == 2);
            CHECK(e.diagnostic().message.find("failed") != std::string::npos);
        }
    }
    SUBCASE("no binary chunks") {
        const TemplateError e = render_failure("\x1bLua\x54\x00 binary");
        CHECK(e.diagnostic().message.find("does not compile") != std::string::npos);
    }
}

// ---- the shipped templates ---------------------------------------------------------------------------------

namespace {

// A report with a hostile value in every string: markup, a terminal escape, a table-breaking pipe, a newline.
json hostile_report() {
    const std::string bad = script_tag + " | " + terminal_attack + "\n# heading [x](y) *z*";
    const json evidence = {{"rule", bad}, {"title", bad}, {"note", bad}, {"lr", 4}, {"applied_lr", 4},
                           {"counted", true}, {"facts", json{{bad, bad}, {"host.name", json::array({bad, 3})}}},
                           {"location", bad}};
    const json fix = {{"id", bad}, {"title", bad}, {"success", 0.9}, {"cost_minutes", 5}, {"risk", bad}};
    const json cause = {{"id", bad}, {"title", bad}, {"probability", 0.7}, {"prior", 0.3}, {"applies_to", bad},
                        {"location", bad}, {"evidence", json::array({evidence})}, {"fixes", json::array({fix})}};
    const json step = {{"text", bad}, {"condition", bad}};
    const json planned = {{"id", bad}, {"title", bad}, {"cost_minutes", 5}, {"risk", bad}, {"p_success", 0.8},
                          {"steps", json::array({step, step})}, {"verify", bad}};
    return {{"schema", "kbdiag-report/1"},
            {"kbdiag_version", bad},
            {"problem", {{"id", bad}, {"title", bad}, {"message", bad}, {"error", bad}, {"article_notes", bad}}},
            {"host", bad},
            {"snapshot", bad},
            {"notes", json::array({bad})},
            {"causes", json::array({cause})},
            {"other_probability", 0.1},
            {"expected_cost_minutes", 12.5},
            {"plan", json::array({planned})},
            {"questions", json::array({json{{"fact", bad}, {"question", bad}, {"value", 3}, {"collector", bad}}})},
            {"skipped", json::array({json{{"rule", bad}, {"reason", bad}}})},
            {"diagnostics", json::array({json{{"code", bad}, {"severity", bad}, {"message", bad}, {"location", bad}}})},
            {"collectors", json::array({json{{"id", bad}, {"status", bad}, {"duration_ms", 12}, {"message", bad}}})},
            {"facts", json::array({json{{"name", bad}, {"value", json::array({json{{"user", bad}}})},
                                        {"state", bad}, {"source", bad}, {"note", bad}}})},
            {"article_differs", json::array({bad})},
            {"summary", {{"causes", json::array({json{{"title", bad}, {"probability", 0.7}}})},
                         {"first_fix", {{"title", bad}, {"cost_minutes", 5}}},
                         {"next_check", {{"text", bad}, {"why", bad}}}}}};
}

json triage_report() {
    const std::string bad = script_tag + terminal_attack;
    return {{"schema", "kbdiag-report/1"},
            {"is_triage", true},
            {"host", bad},
            {"triage", {{"problems_considered", 12},
                        {"entries", json::array({json{{"problem_id", "p1"}, {"problem_title", bad},
                                                      {"codes", json::array({"0x963"})}, {"cause_id", "c1"},
                                                      {"cause_title", "Stale credential " + bad},
                                                      {"probability", 0.6}, {"prior", 0.2}, {"evidence_factor", 6},
                                                      {"evidence", json::array({bad, "second"})},
                                                      {"first_fix", bad}}})},
                        {"next_steps", json::array({"Run `kbdiag infer --error CODE` " + bad})}}}};
}

std::string render_shipped(const json& report, const char* format) {
    return lua::render_report_template(report, format, {std::filesystem::path(KBDIAG_SOURCE_KB)});
}

// No terminal escape, valid UTF-8, and no markup left live: in HTML no '<script' at all; in Markdown every '<' has
// its backslash ("\<script\>" is text).
void check_inert(const std::string& out, Markup markup) {
    CHECK_FALSE(has_byte(out, 0x1b));
    CHECK(valid_utf8(out));
    if (markup == Markup::html) {
        CHECK(out.find("<script") == std::string::npos);
        CHECK(out.find("</script") == std::string::npos);
        return;
    }
    for (std::size_t at = out.find('<'); at != std::string::npos; at = out.find('<', at + 1))
        CHECK(out[at - 1] == '\\');
}

}  // namespace

TEST_CASE("the shipped templates render hostile values as inert text") {
    for (const json& report : {hostile_report(), triage_report()}) {
        const std::string html = render_shipped(report, "html");
        check_inert(html, Markup::html);
        CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
        CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
        CHECK(html.find("\\x1b[2J") != std::string::npos);
        for (const char* external : {"://", "src=", "href=", "url(", "@import"}) {
            CAPTURE(external);
            CHECK(html.find(external) == std::string::npos);   // nothing external, not even a link
        }
        const std::string md = render_shipped(report, "markdown");
        check_inert(md, Markup::markdown);
        CHECK(md.find("\\<script\\>alert(1)\\</script\\>") != std::string::npos);
    }
}

TEST_CASE("the shipped Markdown keeps table rows whole whatever the values") {
    const std::string md = render_shipped(hostile_report(), "markdown");
    std::size_t start = 0;
    while (start < md.size()) {
        const std::size_t end = md.find('\n', start);
        const std::string line = md.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line[0] != '|') continue;
        // A row has as many unescaped pipes as its header: 4 columns -> 5 pipes for the facts table.
        int pipes = 0;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (line[i] == '\\') ++i;
            else if (line[i] == '|') ++pipes;
        }
        CAPTURE(line);
        CHECK((pipes == 5 || pipes == 6));   // facts and collectors: 4 columns; causes: 5 columns
    }
}

TEST_CASE("the shipped templates render an empty report, a report with no optional fields and a triage") {
    for (const json& report : {report_to_json(Report{}), json::object(), triage_report()}) {
        for (const char* format : {"markdown", "html"}) {
            CAPTURE(format);
            std::string out;
            CHECK_NOTHROW(out = render_shipped(report, format));
            CHECK_FALSE(out.empty());
        }
    }
    const std::string triage = render_shipped(triage_report(), "markdown");
    CHECK(triage.find("# kbdiag triage: no error code given") != std::string::npos);
    CHECK(triage.find("Stale credential") != std::string::npos);
    CHECK(triage.find("1. Run `kbdiag infer --error CODE`") != std::string::npos);
    CHECK(render_shipped(triage_report(), "html").find("<td class=\"num\">\u00d76</td>") != std::string::npos);
}
