// Shared Lua modules: require("NAME") loads knowledge-folder/rules/lib/NAME.lua once, read-only, confined.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/kb_cache.hpp"
#include "kb_fixture.hpp"
#include "tests/unit/test_lua_support.hpp"

using namespace kbdiag;
using kbdiag::lua_test::LuaFixture;
using kbdiag::test::TempDir;
namespace fs = std::filesystem;

namespace {

// One file named two ways: on Windows a module's path is reported with the platform's separators.
bool same_file(const std::string& a, const std::string& b) {
    return fs::path(a).lexically_normal().make_preferred() == fs::path(b).lexically_normal().make_preferred();
}

// A fixture whose knowledge folder is its temp dir, with a module `name` in rules/lib.
struct ModuleFixture : LuaFixture {
    ModuleFixture() { kb.folders = {dir.path()}; }
    std::string module(const std::string& name, const std::string& lua) {
        return dir.write("rules/lib/" + name + ".lua", lua);
    }
    bool has_message(const std::string& part) const {
        for (const Diagnostic& d : diagnostics.items())
            if (d.message.find(part) != std::string::npos) return true;
        return false;
    }
};

// A rule file with one rule `f` whose body is `body` (after `local h = require("helpers")`-style lines in `top`).
void rule_file(ModuleFixture& f, const std::string& file, const std::string& top, const std::string& body,
               const std::string& id = "f") {
    f.file(file, top + "local M = {}\nfunction M.f(ctx)\n" + body + "\nend\nreturn M\n");
    f.rule({id, file, "f", {}, {}, {"c"}, {"t.x"}});
}

}  // namespace

TEST_CASE("lua modules: require returns the module's functions, and the same table to two rule files") {
    ModuleFixture f;
    f.fact("t.x", FactType::boolean);
    f.fact("t.n", FactType::integer);
    f.module("helpers",
             "local M = {}\nlocal calls = 0\nM.loaded = (M.loaded or 0) + 1\n"
             "function M.twice(n) return n * 2 end\nfunction M.bump() calls = calls + 1; return calls end\nreturn M\n");
    f.file("rules/a.lua",
           "local h = require('helpers')\nreturn { f = function(ctx)\n"
           "  if h.twice(21) == 42 then ctx.evidence('c', 2) end\n  ctx.derive('t.n', h.bump())\nend }\n");
    f.rule({"a", "rules/a.lua", "f", {}, {}, {"c"}, {"t.n"}});
    f.file("rules/b.lua", "local h = require('helpers')\nlocal again = require('helpers')\nreturn { f = function(ctx)\n"
                          "  ctx.derive('t.x', h == again and h.loaded == 1)\n  ctx.derive('t.n', h.bump())\nend }\n");
    f.rule({"b", "rules/b.lua", "f", {}, {}, {"c"}, {"t.x", "t.n"}});
    f.load();
    CHECK(f.diagnostics.items().empty());
    const ScriptOutcome a = f.run("a");
    REQUIRE(a.ok);
    CHECK(a.evidence.size() == 1);
    CHECK(*lua_test::derived(a, "t.n") == FactValue{std::int64_t{1}});
    const ScriptOutcome b = f.run("b");
    REQUIRE(b.ok);
    CHECK(*lua_test::derived(b, "t.x") == FactValue{true});             // one view, from a module run once
    CHECK(*lua_test::derived(b, "t.n") == FactValue{std::int64_t{2}});  // the module a's rule called
}

TEST_CASE("lua modules: the view is read-only, nested tables included, and rawset cannot go around it") {
    ModuleFixture f;
    f.fact("t.x", FactType::boolean);
    f.module("consts", "return { limit = 3, names = { 'a', 'b' } }\n");
    const char* writes[] = {"h.limit = 4", "h.names[1] = 'z'", "rawset(h, 'limit', 4)", "table.insert(h.names, 'c')",
                            "setmetatable(h, nil)"};
    for (const char* write : writes) {
        CAPTURE(write);
        ModuleFixture g;
        g.fact("t.x", FactType::boolean);
        g.module("consts", "return { limit = 3, names = { 'a', 'b' } }\n");
        rule_file(g, "rules/w.lua", "local h = require('consts')\n", std::string("  ") + write, "w");
        rule_file(g, "rules/r.lua", "local h = require('consts')\n",
                  "ctx.derive('t.x', h.limit == 3 and h.names[1] == 'a' and #h.names == 2)", "r");
        g.load();
        REQUIRE(g.diagnostics.items().empty());
        const ScriptOutcome w = g.run("w");
        CHECK_FALSE(w.ok);
        const bool refused = w.error.message.find("read-only") != std::string::npos ||
                             w.error.message.find("protected metatable") != std::string::npos;
        CHECK(refused);
        CHECK(w.error.primary().line == 4);   // the writing line of rules/w.lua
        const ScriptOutcome r = g.run("r");
        REQUIRE(r.ok);
        CHECK(*lua_test::derived(r, "t.x") == FactValue(true));
    }
    // Reading goes on working: pairs, ipairs and # see through the view.
    rule_file(f, "rules/p.lua", "local h = require('consts')\n",
              "local n = 0\n for _ in pairs(h) do n = n + 1 end\n for _ in ipairs(h.names) do n = n + 1 end\n"
              " ctx.derive('t.x', n == 4 and #h.names == 2)",
              "p");
    f.load();
    const ScriptOutcome p = f.run("p");
    REQUIRE(p.ok);
    CHECK(*lua_test::derived(p, "t.x") == FactValue(true));
}

TEST_CASE("lua modules: '..', absolute paths, other names and symlinks out are refused at the calling line") {
    const char* names[] = {"../secret", "/etc/passwd", "Upper", "a.b", ""};
    for (const char* name : names) {
        CAPTURE(name);
        ModuleFixture f;
        f.dir.write("rules/secret.lua", "return {}\n");
        const std::string path =
            f.file("rules/a.lua", std::string("local M = {}\n\nlocal h = require('") + name + "')\nreturn M\n");
        f.load();
        const Diagnostic* d = f.diagnostic(codes::kb_lua_compile);
        REQUIRE(d != nullptr);
        CHECK(d->primary().file == path);
        CHECK(d->primary().line == 3);
        CHECK(d->message.find("not a module name") != std::string::npos);
    }
#ifndef _WIN32   // the Windows build's tests run under Wine, whose symbolic links are not Windows' own
    ModuleFixture f;
    TempDir outside;
    const std::string target = outside.write("evil.lua", "return { owned = true }\n");
    fs::create_directories(f.path("rules/lib"));
    fs::create_symlink(target, f.path("rules/lib/evil.lua"));
    const std::string path = f.file("rules/a.lua", "local M = {}\nlocal h = require('evil')\nreturn M\n");
    f.load();
    CHECK(f.has_message("leaves"));
    bool at_caller = false;
    for (const Diagnostic& d : f.diagnostics.items()) at_caller |= d.primary().file == path && d.primary().line == 2;
    CHECK(at_caller);
#endif
}

TEST_CASE("lua modules: an unknown module is an error at the require's file:line:col") {
    ModuleFixture f;
    const std::string path = f.file("rules/a.lua", "local M = {}\n\n  local h = require(\"nosuch\")\nreturn M\n");
    f.load();
    const Diagnostic* d = f.diagnostic(codes::kb_lua_compile);
    REQUIRE(d != nullptr);
    CHECK(d->primary().file == path);
    CHECK(d->primary().line == 3);
    CHECK(d->primary().column == 13);
    CHECK(d->message.find("no module 'nosuch'") != std::string::npos);
}

TEST_CASE("lua modules: a module's syntax error is reported at the module's file:line, and its users fail") {
    ModuleFixture f;
    const std::string module = f.module("broken", "local M = {}\n\nfunction M.f( return 1 end\nreturn M\n");
    const std::string user = f.file("rules/a.lua", "local M = {}\nlocal b = require('broken')\nreturn M\n");
    f.load();
    bool at_module = false, at_user = false;
    for (const Diagnostic& d : f.diagnostics.items()) {
        CHECK(d.code == codes::kb_lua_compile);
        at_module |= same_file(d.primary().file, module) && d.primary().line == 3;
        at_user |= same_file(d.primary().file, user) && d.primary().line == 2;
    }
    CHECK(at_module);
    CHECK(at_user);
}

TEST_CASE("lua modules: the instruction budget applies inside module code") {
    ModuleFixture f;
    const std::string module = f.module("spin", "local M = {}\nlocal n = 0\nwhile true do n = n + 1 end\nreturn M\n");
    RuntimeLimits limits;
    limits.instructions_per_call = 100'000;
    f.load(limits);
    const Diagnostic* d = f.diagnostic(codes::kb_lua_compile);
    REQUIRE(d != nullptr);
    CHECK(same_file(d->primary().file, module));
    CHECK(d->primary().line == 3);
    CHECK(d->message.find("instruction budget") != std::string::npos);
}

TEST_CASE("lua modules: an overlay's module shadows the shipped one of the same name") {
    ModuleFixture f;
    TempDir overlay;
    f.fact("t.x", FactType::boolean);
    f.module("which", "return { name = 'shipped' }\n");
    overlay.write("rules/lib/which.lua", "return { name = 'overlay' }\n");
    f.kb.folders.push_back(overlay.path());
    rule_file(f, "rules/a.lua", "local w = require('which')\n", "ctx.derive('t.x', w.name == 'overlay')", "a");
    f.load();
    REQUIRE(f.diagnostics.items().empty());
    const ScriptOutcome a = f.run("a");
    REQUIRE(a.ok);
    CHECK(*lua_test::derived(a, "t.x") == FactValue(true));
}

TEST_CASE("lua modules: editing, adding or removing a module invalidates the knowledge cache") {
    TempDir tmp;
    const std::string kb = tmp.file("kb");
    fs::copy(std::string(KBDIAG_TEST_DATA) + "/cli/kb_mini", kb, fs::copy_options::recursive);
    LoadOptions options;
    options.folders = {kb};
    KbCacheOptions cache;
    cache.dir = tmp.file("cache");
    cache.version = "test";
    KbCacheTrace t;
    auto load = [&] {
        t = {};   // the trace says hit only on a hit: start each load afresh
        load_knowledge_base_cached(options, cache, &t);
    };
    load();
    load();
    CHECK(t.hit);
    tmp.write("kb/rules/lib/util.lua", "return { a = 1 }\n");
    load();
    CHECK_FALSE(t.hit);
    CHECK(t.detail.find("Lua modules added or removed") != std::string::npos);
    load();
    CHECK(t.hit);
    tmp.write("kb/rules/lib/util.lua", "return { a = 2 }\n");   // same size, other content
    load();
    CHECK_FALSE(t.hit);
    CHECK(t.detail.find("util.lua changed") != std::string::npos);
    fs::remove(tmp.file("kb/rules/lib/util.lua"));
    load();
    CHECK_FALSE(t.hit);
}
