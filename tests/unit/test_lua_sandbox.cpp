// The sandbox: what a rule script can reach, and that one file cannot break another.
#include <doctest/doctest.h>

#include "engine/core/diagnostic_codes.hpp"
#include "tests/unit/test_lua_support.hpp"

using namespace kbdiag;
using kbdiag::lua_test::LuaFixture;

namespace {

// `require` is reachable but is the sandbox's own: it loads only rules/lib modules (use_require below: require("os")
// fails; test_lua_modules.cpp has the rest).
const char* kProbeLua = R"(local M = {}
function M.probe(ctx)
  local seen = {}
  for _, name in ipairs({"io", "os", "dofile", "loadfile", "load", "loadstring", "debug",
                         "collectgarbage", "print", "package", "coroutine", "module", "warn"}) do
    if _ENV[name] ~= nil or _G[name] ~= nil then seen[#seen + 1] = name end
  end
  if string.dump ~= nil then seen[#seen + 1] = "string.dump" end
  if ("").dump ~= nil then seen[#seen + 1] = "(''):dump" end
  if getmetatable("") ~= false then seen[#seen + 1] = "string metatable" end
  ctx.derive("probe.reachable", seen)
  local usable = {}
  for _, name in ipairs({"string", "table", "math", "utf8", "pairs", "ipairs", "pcall", "error", "tostring",
                         "tonumber", "type", "select", "next", "setmetatable", "getmetatable", "rawget"}) do
    if _ENV[name] ~= nil then usable[#usable + 1] = name end
  end
  ctx.derive("probe.usable", usable)
end
function M.use_io(ctx) return io.open("/etc/passwd") end
function M.use_os(ctx) return os.execute("true") end
function M.use_require(ctx) return require("os") end
function M.use_dofile(ctx) return dofile("/etc/passwd") end
function M.use_loadfile(ctx) return loadfile("/etc/passwd") end
function M.use_load(ctx) return load("return 1") end
function M.use_dump(ctx) return string.dump(function() end) end
function M.use_method_dump(ctx) return ("x").dump(function() end) end
function M.use_debug(ctx) return debug.getregistry() end
function M.use_collectgarbage(ctx) return collectgarbage("count") end
function M.string_metatable(ctx)
  local mt = getmetatable("")
  mt.__index = { upper = function() return "pwned" end }
end
function M.gc_metamethod(ctx)
  return setmetatable({}, { __gc = function() while true do end end })
end
return M
)";

const char* kEscapes[] = {"use_io",          "use_os",        "use_require",     "use_dofile",
                          "use_loadfile",    "use_load",      "use_dump",        "use_method_dump",
                          "use_debug",       "use_collectgarbage", "string_metatable", "gc_metamethod"};

}  // namespace

TEST_CASE("lua: the sandbox hides io, os, loaders, debug, string.dump and the string metatable") {
    LuaFixture f;
    f.file("rules/probe.lua", kProbeLua);
    f.fact("probe.reachable", FactType::string_list);
    f.fact("probe.usable", FactType::string_list);
    f.rule({"probe", "rules/probe.lua", "probe", {}, {}, {}, {"probe.reachable", "probe.usable"}});
    f.load();
    REQUIRE(f.diagnostics.empty());
    ScriptOutcome out = f.run("probe");
    REQUIRE(out.ok);
    const FactValue* reachable = lua_test::derived(out, "probe.reachable");
    REQUIRE(reachable != nullptr);
    CHECK(reachable->as_list() == std::vector<std::string>{});
    const FactValue* usable = lua_test::derived(out, "probe.usable");
    REQUIRE(usable != nullptr);
    CHECK(usable->as_list().size() == 16);   // the probe itself can see what it should
}

TEST_CASE("lua: escape attempts fail as runtime errors with file and line") {
    LuaFixture f;
    const std::string path = f.file("rules/probe.lua", kProbeLua);
    for (const char* fn : kEscapes) f.rule({fn, "rules/probe.lua", fn});
    f.load();
    REQUIRE(f.diagnostics.empty());
    for (const char* fn : kEscapes) {
        CAPTURE(fn);
        ScriptOutcome out = f.run(fn);
        CHECK_FALSE(out.ok);
        CHECK(out.error.code == codes::rule_runtime_error);
        CHECK(out.error.primary().file == path);
        CHECK(out.error.primary().line > 1);
    }
    // After all that, strings still have their methods.
    f.file("rules/after.lua",
           "return { f = function(ctx) ctx.evidence('c', ('abc'):upper() == 'ABC' and 2 or 0.5) end }\n");
    f.rule({"after", "rules/after.lua", "f", {}, {}, {"c"}});
    f.load();
    ScriptOutcome after = f.run("after");
    REQUIRE(after.ok);
    REQUIRE(after.evidence.size() == 1);
    CHECK(after.evidence[0].lr == 2.0);
}

TEST_CASE("lua: the messages of escape attempts say what was missing") {
    LuaFixture f;
    f.file("rules/probe.lua", kProbeLua);
    f.rule({"use_io", "rules/probe.lua", "use_io"});
    f.rule({"gc_metamethod", "rules/probe.lua", "gc_metamethod"});
    f.load();
    ScriptOutcome io = f.run("use_io");
    CHECK(io.error.message.find("global 'io'") != std::string::npos);
    CHECK(io.error.primary().line == 19);
    ScriptOutcome gc = f.run("gc_metamethod");
    CHECK(gc.error.message.find("__gc") != std::string::npos);
}

TEST_CASE("lua: a binary chunk is refused at load with KB009") {
    LuaFixture f;
    const std::string path = f.file("rules/binary.lua", std::string("\x1bLua\x54\x00\x19\x93\r\n\x1a\n", 12) + "junk");
    f.rule({"bin", "rules/binary.lua", "f"});
    f.load();
    const Diagnostic* d = f.diagnostic(codes::kb_lua_compile);
    REQUIRE(d != nullptr);
    CHECK(d->primary().file == path);
    CHECK(d->message.find("binary") != std::string::npos);
    CHECK_FALSE(f.runtime->loaded(*f.find_rule("bin").script));
    ScriptOutcome out = f.run("bin");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_skipped);
}

TEST_CASE("lua: one file's environment cannot break another's") {
    LuaFixture f;
    f.file("rules/a_breaker.lua", R"(string.lower = nil
table.insert = nil
math.floor = nil
leaked = "from a"
local M = {}
function M.break_more(ctx)
  string.upper = nil
  utf8.char = nil
  _G.pairs = nil
  ctx.evidence("c", string.lower == nil and 2 or 0.5, "a sees its own damage")
end
return M
)");
    f.file("rules/b_user.lua", R"(local M = {}
function M.use(ctx)
  local t = {}
  table.insert(t, string.lower("ABC"))
  table.insert(t, string.upper("x"))
  table.insert(t, tostring(math.floor(2.5)))
  table.insert(t, utf8.char(72))
  for _ in pairs({}) do end
  table.insert(t, tostring(leaked))
  ctx.derive("b.result", t)
end
return M
)");
    f.fact("b.result", FactType::string_list);
    f.rule({"break_more", "rules/a_breaker.lua", "break_more", {}, {}, {"c"}});
    f.rule({"use", "rules/b_user.lua", "use", {}, {}, {}, {"b.result"}});
    f.load();
    REQUIRE(f.diagnostics.empty());
    ScriptOutcome a = f.run("break_more");
    REQUIRE(a.ok);
    CHECK(a.evidence.at(0).lr == 2.0);
    ScriptOutcome b = f.run("use");
    REQUIRE(b.ok);
    const FactValue* result = lua_test::derived(b, "b.result");
    REQUIRE(result != nullptr);
    CHECK(result->as_list() == std::vector<std::string>{"abc", "X", "2", "H", "nil"});
}

TEST_CASE("lua: a ctx kept from an earlier call cannot be used later") {
    LuaFixture f;
    const std::string path = f.file("rules/keep.lua", R"(local M = {}
local kept
function M.keep(ctx) kept = ctx end
function M.use_old(ctx)
  kept.evidence("c", 2, "stale")
end
return M
)");
    f.rule({"keep", "rules/keep.lua", "keep", {}, {}, {"c"}});
    f.rule({"use_old", "rules/keep.lua", "use_old", {}, {}, {"c"}});
    f.load();
    REQUIRE(f.run("keep").ok);
    ScriptOutcome out = f.run("use_old");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_runtime_error);
    CHECK(out.error.message.find("ctx is only valid") != std::string::npos);
    CHECK(out.error.primary().line == 5);
    CHECK(out.evidence.empty());
}
