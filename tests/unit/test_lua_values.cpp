// Facts and hints as plain Lua values, and back.
#include <doctest/doctest.h>

#include "engine/core/diagnostic_codes.hpp"
#include "tests/unit/test_lua_support.hpp"

using namespace kbdiag;
using kbdiag::lua_test::LuaFixture;

namespace {

const char* kValuesLua = R"(local M = {}
function M.echo(ctx)
  local entries = ctx.fact("credman.entries")
  local out = { "n=" .. #entries }
  for i, e in ipairs(entries) do
    out[#out + 1] = string.format("%d:%s:%s:%s:%s", i, e.target, math.type(e.last_written),
                                  tostring(e.last_written), tostring(e.saved))
  end
  local list = ctx.fact("smb.exceptions")
  out[#out + 1] = "list=" .. table.concat(list, ",") .. "#" .. #list
  out[#out + 1] = "bool=" .. tostring(ctx.fact("smb.signing")) .. ":" .. type(ctx.fact("smb.signing"))
  out[#out + 1] = "int=" .. math.type(ctx.fact("win.build")) .. ":" .. ctx.fact("win.build")
  out[#out + 1] = "ts=" .. math.type(ctx.fact("pw.changed")) .. ":" .. ctx.fact("pw.changed")
  for _, name in ipairs({ "smb.signing", "lsa.level", "col.failed", "never.set" }) do
    out[#out + 1] = name .. "=" .. ctx.state(name) .. ":" .. tostring(ctx.fact(name))
  end
  ctx.derive("echo.summary", out)
  ctx.derive("echo.entries", entries)
  ctx.derive("echo.list", list)
  ctx.derive("echo.changed", ctx.fact("pw.changed"))
  ctx.derive("echo.empty", {})
end
function M.hints(ctx)
  local out = {}
  local r = ctx.windows_release(ctx.fact("win.build"))
  out[#out + 1] = r.name .. "|" .. r.family .. "|" .. r.version .. "|" .. r.build
  out[#out + 1] = "smb1=" .. tostring(r.defaults.smb1_client_installed) .. " level=" .. tostring(r.defaults.level)
  out[#out + 1] = "guest=" .. table.concat(r.guest_blocked_editions, ",")
  out[#out + 1] = "signing=" .. table.concat(r.signing_required_editions, ",")
  out[#out + 1] = "below=" .. tostring(ctx.windows_release(1000))
  out[#out + 1] = "later=" .. ctx.windows_release(30000).version
  local s = ctx.windows_release(20348, true)
  out[#out + 1] = "server=" .. (s and s.name or "nil")
  local v = ctx.vendor("synology")
  out[#out + 1] = v.id .. "|" .. v.name .. "|" .. v.ui_paths.smb_protocol .. "|" .. v.notes
  out[#out + 1] = "acme=" .. tostring(ctx.vendor("acme"))
  ctx.derive("echo.summary", out)
end
return M
)";

Record entry(const char* target, std::int64_t when, bool saved) {
    return Record{{"target", Scalar{std::string(target)}}, {"last_written", Scalar{when}}, {"saved", Scalar{saved}}};
}

WindowsRelease release(std::int64_t build, const char* name, const char* family, const char* version) {
    WindowsRelease r;
    r.build = build;
    r.name = name;
    r.family = family;
    r.version = version;
    return r;
}

struct ValuesFixture : LuaFixture {
    std::vector<Record> entries{entry("Domain:target=nas01", 1768035600, true), entry("nas02", 0, false)};
    ValuesFixture() {
        file("rules/values.lua", kValuesLua);
        const std::map<std::string, FactType> fields{
            {"target", FactType::string}, {"last_written", FactType::timestamp}, {"saved", FactType::boolean}};
        fact("credman.entries", FactType::records, fields);
        fact("smb.exceptions", FactType::string_list);
        fact("smb.signing", FactType::boolean);
        fact("win.build", FactType::integer);
        fact("pw.changed", FactType::timestamp);
        fact("lsa.level", FactType::integer);
        fact("col.failed", FactType::string);
        fact("never.set", FactType::string);
        fact("echo.summary", FactType::string_list);
        fact("echo.entries", FactType::records, fields);
        fact("echo.list", FactType::string_list);
        fact("echo.changed", FactType::timestamp);
        fact("echo.empty", FactType::string_list);
        facts.set("credman.entries", FactValue{entries}, "test");
        facts.set("smb.exceptions", FactValue{std::vector<std::string>{"a", "b"}}, "test");
        facts.set("smb.signing", FactValue{true}, "test");
        facts.set("win.build", FactValue{std::int64_t{22631}}, "test");
        facts.set("pw.changed", FactValue{std::int64_t{1768035600}}, "test");
        facts.set_absent("lsa.level", "test", "not set");
        facts.set_failed("col.failed", "test", "access denied");
        const std::vector<std::string> reads{"credman.entries", "smb.exceptions", "smb.signing", "win.build",
                                             "pw.changed",      "lsa.level",      "col.failed",  "never.set"};
        const std::vector<std::string> derives{"echo.summary", "echo.entries", "echo.list", "echo.changed",
                                               "echo.empty"};
        rule({"echo", "rules/values.lua", "echo", {}, reads, {}, derives});
        rule({"hints", "rules/values.lua", "hints", {}, reads, {}, derives});

        WindowsRelease server = release(20348, "Windows Server 2022", "server", "21H2");
        WindowsRelease w21 = release(22000, "Windows 11 21H2", "windows11", "21H2");
        WindowsRelease w23 = release(22631, "Windows 11 23H2", "windows11", "23H2");
        w23.defaults = {{"smb1_client_installed", FactValue{false}}, {"level", FactValue{std::int64_t{3}}}};
        w23.guest_blocked_editions = {"Enterprise", "Education"};
        w23.signing_required_editions = {"Enterprise"};
        WindowsRelease w24 = release(26100, "Windows 11 24H2", "windows11", "24H2");
        kb.windows_releases = {server, w21, w23, w24};
        Vendor synology;
        synology.id = "synology";
        synology.name = "Synology DSM";
        synology.ui_paths = {{"smb_protocol", "Control Panel > File Services > SMB > Advanced Settings"}};
        synology.notes = "DSM 7";
        kb.vendors["synology"] = synology;
    }
};

}  // namespace

TEST_CASE("lua: fact values reach Lua as plain values and round-trip through derive") {
    ValuesFixture f;
    f.load();
    REQUIRE(f.diagnostics.empty());
    ScriptOutcome out = f.run("echo");
    REQUIRE_MESSAGE(out.ok, out.error.message);
    const FactValue* summary = lua_test::derived(out, "echo.summary");
    REQUIRE(summary != nullptr);
    CHECK(summary->as_list() == std::vector<std::string>{
                                    "n=2",
                                    "1:Domain:target=nas01:integer:1768035600:true",
                                    "2:nas02:integer:0:false",
                                    "list=a,b#2",
                                    "bool=true:boolean",
                                    "int=integer:22631",
                                    "ts=integer:1768035600",
                                    "smb.signing=known:true",
                                    "lsa.level=absent:nil",
                                    "col.failed=failed:nil",
                                    "never.set=unknown:nil",
                                });
    CHECK(*lua_test::derived(out, "echo.entries") == FactValue{f.entries});
    CHECK(*lua_test::derived(out, "echo.list") == FactValue{std::vector<std::string>{"a", "b"}});
    CHECK(*lua_test::derived(out, "echo.changed") == FactValue{std::int64_t{1768035600}});
    CHECK(*lua_test::derived(out, "echo.empty") == FactValue{std::vector<std::string>{}});
    CHECK(out.facts_read == std::vector<std::string>{"col.failed", "credman.entries", "lsa.level", "never.set",
                                                     "pw.changed", "smb.exceptions", "smb.signing", "win.build"});
}

TEST_CASE("lua: windows_release and vendor hints reach Lua") {
    ValuesFixture f;
    f.load();
    ScriptOutcome out = f.run("hints");
    REQUIRE_MESSAGE(out.ok, out.error.message);
    const FactValue* summary = lua_test::derived(out, "echo.summary");
    REQUIRE(summary != nullptr);
    CHECK(summary->as_list() ==
          std::vector<std::string>{
              "Windows 11 23H2|windows11|23H2|22631",
              "smb1=false level=3",
              "guest=Enterprise,Education",
              "signing=Enterprise",
              "below=nil",
              "later=24H2",
              "server=Windows Server 2022",
              "synology|Synology DSM|Control Panel > File Services > SMB > Advanced Settings|DSM 7",
              "acme=nil",
          });
}

TEST_CASE("lua: facts are copies: a script changing a fact's table does not change the store") {
    ValuesFixture f;
    f.file("rules/mutate.lua", R"(return { m = function(ctx)
  local e = ctx.fact("credman.entries")
  e[1].target = "changed"
  e[3] = { target = "added" }
  ctx.derive("echo.summary", { ctx.fact("credman.entries")[1].target, tostring(#ctx.fact("credman.entries")) })
end }
)");
    f.rule({"m", "rules/mutate.lua", "m", {}, {"credman.entries"}, {}, {"echo.summary"}});
    f.load();
    REQUIRE(f.diagnostics.empty());
    ScriptOutcome out = f.run("m");
    REQUIRE_MESSAGE(out.ok, out.error.message);
    CHECK(lua_test::derived(out, "echo.summary")->as_list() == std::vector<std::string>{"Domain:target=nas01", "2"});
    CHECK(*f.facts.value("credman.entries") == FactValue{f.entries});
}
