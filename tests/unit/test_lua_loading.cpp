// Loading rule files: compile errors, load errors, missing functions, fresh state per load.
#include <doctest/doctest.h>

#include "engine/core/diagnostic_codes.hpp"
#include "tests/unit/test_lua_support.hpp"

using namespace kbdiag;
using kbdiag::lua_test::LuaFixture;

TEST_CASE("lua: a syntax error is KB009 at the exact file:line, and its rules are skipped") {
    LuaFixture f;
    const std::string path =
        f.file("rules/broken.lua", "local M = {}\nfunction M.f(ctx)\n  local x = = 1\nend\nreturn M\n");
    f.file("rules/good.lua", "return { g = function(ctx) ctx.evidence('c', 2) end }\n");
    f.rule({"f", "rules/broken.lua", "f", {}, {}, {"c"}});
    f.rule({"g", "rules/good.lua", "g", {}, {}, {"c"}});
    f.load();
    REQUIRE(f.diagnostics.items().size() == 1);
    const Diagnostic& d = f.diagnostics.items()[0];
    CHECK(d.code == codes::kb_lua_compile);
    CHECK(d.severity == Severity::error);
    CHECK(d.primary().file == path);
    CHECK(d.primary().line == 3);
    CHECK(d.message.find("does not compile") != std::string::npos);
    CHECK(d.message.find("near '='") != std::string::npos);
    CHECK(d.snippet == "  local x = = 1");

    CHECK_FALSE(f.runtime->loaded(*f.find_rule("f").script));
    ScriptOutcome skipped = f.run("f");
    CHECK_FALSE(skipped.ok);
    CHECK(skipped.error.code == codes::rule_skipped);
    CHECK(skipped.error.message.find("not loaded") != std::string::npos);
    CHECK(skipped.error.primary().file == "rules.yaml");

    CHECK(f.runtime->loaded(*f.find_rule("g").script));
    CHECK(f.run("g").ok);
}

TEST_CASE("lua: the line is found for a path longer than Lua's chunk-id limit") {
    LuaFixture f;
    const std::string name =
        "rules/a_rather_long_folder_name/another_long_folder_name/yet_another_one/broken_rule_file.lua";
    const std::string path = f.file(name, "local M = {}\n\n\nreturn M M\n");
    REQUIRE(path.size() > 60);
    f.load();
    const Diagnostic* d = f.diagnostic(codes::kb_lua_compile);
    REQUIRE(d != nullptr);
    CHECK(d->primary().file == path);
    CHECK(d->primary().line == 4);
}

TEST_CASE("lua: errors while a file runs, and a file not returning a table, are KB009") {
    LuaFixture f;
    const std::string throws = f.file("rules/throws.lua", "local M = {}\nlocal cfg = nil\nM.x = cfg.value\nreturn M\n");
    const std::string number = f.file("rules/number.lua", "return 42\n");
    f.load();
    REQUIRE(f.diagnostics.items().size() == 2);
    for (const Diagnostic& d : f.diagnostics.items()) {
        CHECK(d.code == codes::kb_lua_compile);
        if (d.primary().file == throws) {
            CHECK(d.primary().line == 3);
            CHECK(d.message.find("failed while loading") != std::string::npos);
            CHECK(d.message.find("cfg") != std::string::npos);
        } else {
            CHECK(d.primary().file == number);
            CHECK(d.message.find("table of functions") != std::string::npos);
            CHECK(d.message.find("number") != std::string::npos);
        }
    }
}

TEST_CASE("lua: a rule naming a function its file does not return is KB006 at the rule") {
    LuaFixture f;
    f.file("rules/a.lua", "return { present = function(ctx) end, not_a_function = 3 }\n");
    f.rule({"present", "rules/a.lua", "present"});
    f.rule({"missing", "rules/a.lua", "missing"});
    f.rule({"number", "rules/a.lua", "not_a_function"});
    f.load();
    int kb006 = 0;
    for (const Diagnostic& d : f.diagnostics.items()) {
        CHECK(d.code == codes::kb_dangling_ref);
        CHECK(d.primary().file == "rules.yaml");
        ++kb006;
    }
    CHECK(kb006 == 2);
    CHECK(f.runtime->loaded(*f.find_rule("present").script));
    CHECK_FALSE(f.runtime->loaded(*f.find_rule("missing").script));
    CHECK(f.run("present").ok);
    CHECK(f.run("missing").error.code == codes::rule_skipped);
}

TEST_CASE("lua: a missing file is KB009 at the rule naming it") {
    LuaFixture f;
    f.kb.script_files.push_back(f.path("rules/nowhere.lua"));
    f.rule({"r", "rules/nowhere.lua", "f"});
    f.load();
    const Diagnostic* d = f.diagnostic(codes::kb_lua_compile);
    REQUIRE(d != nullptr);
    CHECK(d->primary().file == "rules.yaml");
    CHECK(d->primary().line == 1);
    CHECK(d->message.find(f.path("rules/nowhere.lua")) != std::string::npos);
    CHECK(f.run("r").error.code == codes::rule_skipped);
}

TEST_CASE("lua: each load starts a fresh state; state persists between calls within one load") {
    LuaFixture f;
    f.file("rules/counter.lua", R"(local M = {}
local calls = 0
function M.count(ctx)
  calls = calls + 1
  ctx.evidence("c", calls)
end
return M
)");
    f.rule({"count", "rules/counter.lua", "count", {}, {}, {"c"}});
    f.load();
    CHECK(f.run("count").evidence.at(0).lr == 1.0);
    CHECK(f.run("count").evidence.at(0).lr == 2.0);
    f.runtime->load(f.kb, f.diagnostics);
    CHECK(f.run("count").evidence.at(0).lr == 1.0);
    CHECK(f.diagnostics.empty());
}

TEST_CASE("lua: run before load, or for a rule without a script, is a RULE005 note") {
    LuaFixture f;
    f.file("rules/a.lua", "return { f = function(ctx) end }\n");
    f.rule({"f", "rules/a.lua", "f"});
    LuaRuleRuntime runtime;
    ScriptOutcome before = runtime.run(f.find_rule("f"), f.facts);
    CHECK_FALSE(before.ok);
    CHECK(before.error.code == codes::rule_skipped);
    RuleDecl native;
    native.id = "native";
    f.load();
    ScriptOutcome none = f.runtime->run(native, f.facts);
    CHECK_FALSE(none.ok);
    CHECK(none.error.code == codes::rule_skipped);
}

TEST_CASE("lua: a rule file that cannot be read is KB009 at the first rule naming it (it has no line itself)") {
    LuaFixture f;
    f.file("rules/good.lua", "return { g = function(ctx) end }\n");
    // A folder where the file should be: present in the listing, unreadable as a file.
    std::filesystem::create_directories(std::filesystem::path(f.dir.path()) / "rules" / "gone.lua");
    f.rule({"g", "rules/good.lua", "g"});
    f.rule({"first", "rules/gone.lua", "a"});
    f.rule({"second", "rules/gone.lua", "b"});
    f.load();
    REQUIRE(f.diagnostics.items().size() == 1);
    const Diagnostic& d = f.diagnostics.items()[0];
    CHECK(d.code == codes::kb_lua_compile);
    CHECK(d.primary().file == "rules.yaml");
    CHECK(d.primary().line == 2);   // the rule "first" (the fixture puts rule n at line n)
    CHECK(d.message.find("cannot read Lua rule file") != std::string::npos);
    CHECK(d.message.find("gone.lua") != std::string::npos);
    CHECK(f.runtime->loaded(*f.find_rule("g").script));
}
