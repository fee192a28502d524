// Hostile rules (issue 10): per-call memory, C library calls the hook cannot see, the per-diagnosis budget, and
// what a rule can hand to C++. The CLI side (shipped knowledge + overlays) is tests/cli/test_hostile_rules.sh.
#include <doctest/doctest.h>

#include <string>

#include "bindings/lua/library_limits.hpp"
#include "bindings/lua/rule_call.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "tests/unit/test_lua_support.hpp"

using namespace kbdiag;
using kbdiag::lua_test::LuaFixture;

namespace {

const char* kInnocentLua = R"LUA(return {
  innocent = function(ctx)
    local t = {}
    for i = 1, 2000 do t[i] = string.rep("y", 200) .. i end
    ctx.evidence("c1", 3, "innocent " .. #t)
  end,
})LUA";

void add_innocent(LuaFixture& f) {
    f.file("rules/innocent.lua", kInnocentLua);
    f.rule({"innocent", "rules/innocent.lua", "innocent", {}, {}, {"c1"}});
}

// Memory limits small enough to hit quickly; no wall-clock limits, which a busy machine could trip.
RuntimeLimits small_limits() {
    RuntimeLimits limits;
    limits.memory_per_state = 16u << 20;
    limits.memory_per_call = 4u << 20;
    limits.milliseconds_per_call = 0;
    limits.milliseconds_per_diagnosis = 0;
    limits.milliseconds_per_rule_per_diagnosis = 0;
    return limits;
}

}  // namespace

TEST_CASE("lua hostile: a heap filler that swallows the memory error is blamed, the next rule runs") {
    LuaFixture f;
    const std::string path = f.file("rules/filler.lua", R"LUA(local kept = {}
return {
  local_filler = function(ctx)
    local t = {}
    pcall(function() while true do t[#t + 1] = string.rep("x", 1000) .. #t end end)
  end,
  global_filler = function(ctx)
    pcall(function() while true do kept[#kept + 1] = string.rep("x", 1000) .. #kept end end)
  end,
})LUA");
    f.rule({"local_filler", "rules/filler.lua", "local_filler", {}, {}, {"c1"}});
    f.rule({"global_filler", "rules/filler.lua", "global_filler", {}, {}, {"c1"}});
    add_innocent(f);
    f.load(small_limits());
    REQUIRE(f.diagnostics.empty());
    const std::size_t baseline = f.runtime->memory_used();

    for (const char* filler : {"local_filler", "global_filler"}) {
        CAPTURE(filler);
        f.runtime->begin_diagnosis();
        ScriptOutcome out = f.run(filler);
        CHECK_FALSE(out.ok);
        CHECK(out.error.code == codes::rule_memory_budget);
        CHECK(out.error.primary().file == path);
        CHECK(out.error.primary().line > 3);
        CHECK(f.runtime->memory_used() < baseline + (1u << 20));   // back to the baseline
        ScriptOutcome innocent = f.run("innocent");
        CHECK(innocent.ok);
    }
    CHECK_FALSE(f.runtime->loaded(*f.find_rule("global_filler").script));   // it kept the heap: unloaded
}

TEST_CASE("lua hostile: garbage an emergency collection reclaims is not a refusal") {
    LuaFixture f;
    f.file("rules/churn.lua", R"LUA(return {
  churn = function(ctx)
    local last
    for i = 1, 100 do last = string.rep("z", 100000) .. i end
    ctx.evidence("c1", 2, "churned " .. #last)
  end,
})LUA");
    f.rule({"churn", "rules/churn.lua", "churn", {}, {}, {"c1"}});
    f.load(small_limits());
    for (int i = 0; i < 5; ++i) {
        f.runtime->begin_diagnosis();
        ScriptOutcome out = f.run("churn");
        CHECK_MESSAGE(out.ok, out.error.message);
    }
}

TEST_CASE("lua hostile: a call that keeps memory in its file is failed and its file unloaded") {
    LuaFixture f;
    f.file("rules/keeper.lua", R"LUA(local kept = {}
return {
  keep = function(ctx)
    for i = 1, 3000 do kept[#kept + 1] = string.rep("k", 1000) .. i end
  end,
})LUA");
    f.rule({"keep", "rules/keeper.lua", "keep", {}, {}, {"c1"}});
    add_innocent(f);
    f.load(small_limits());
    ScriptOutcome out = f.run("keep");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_memory_budget);
    CHECK(out.error.message.find("kept") != std::string::npos);
    CHECK_FALSE(f.runtime->loaded(*f.find_rule("keep").script));
    CHECK(f.run("innocent").ok);
}

TEST_CASE("lua hostile: pattern cost estimates") {
    auto steps = [](std::size_t n, const std::string& p, bool anchor = true, bool plain = false) {
        return lua::pattern_steps(n, p.data(), p.size(), anchor, plain);
    };
    CHECK(steps(300000, ".-b") > lua::kMaxPatternSteps);
    CHECK(steps(5000, "a*a*a*a*a*b") > lua::kMaxPatternSteps);
    CHECK(steps(8u << 20, std::string(4u << 20, 'a'), true, true) > lua::kMaxPatternSteps);
    // What the shipped rules do, on values far longer than facts are.
    CHECK(steps(5000, "^([^=]+)=(.*)$") <= lua::kMaxPatternSteps);
    CHECK(steps(200, "(%d+)%.(%d+)") <= lua::kMaxPatternSteps);
    CHECK(steps(5000, "%s+$") <= lua::kMaxPatternSteps);
    CHECK(steps(1000000, "[%s%-_]") <= lua::kMaxPatternSteps);
    CHECK(steps(1000000, ":", true, true) <= lua::kMaxPatternSteps);
    // Sets, escapes and optional items are not unbounded; %b and back references are.
    CHECK(steps(1000, "^[%]*+-]x?%*") < 100);
    CHECK(steps(1000, "^%b()") > steps(1000, "^%f[%w]"));
    CHECK(steps(1000, "^(a)%1") > steps(1000, "^(a)b"));
    // A last quantified item never backtracks; before '$' it does.
    CHECK(steps(1000000, "%a+", false) <= lua::kMaxPatternSteps);
    CHECK(steps(1000, "(%a+)") < 1001 * 10);
    CHECK(steps(1000, "%a+$") > steps(1000, "%a+"));
    // '^' does not anchor in gmatch.
    CHECK(steps(1000, "^a+", false) > steps(1000, "^a+", true));
}

TEST_CASE("lua hostile: library calls the hook cannot see are refused with RULE008, also under pcall") {
    LuaFixture f;
    const std::string path = f.file("rules/c_calls.lua", R"LUA(local M = {}
function M.move() table.move({}, 1, 1 << 40, 2) end
function M.lazy() return ("a"):rep(3e5):find(".-b") end
function M.stars() return string.rep("a", 5000):match("a*a*a*a*a*b") end
function M.plain() return string.rep("a", 1 << 21):find(string.rep("a", (1 << 20) - 1) .. "b", 1, true) end
function M.gmatch() for _ in string.gmatch(string.rep("a", 5000), "a*a*a*b") do end end
function M.gsub() return (string.rep("a", 5000):gsub("a-a-a-b", "")) end
function M.unpack() return table.unpack({}, 1, 1 << 40) end
function M.concat() return table.concat({}, "", 1, 1 << 40) end
function M.long() local t = setmetatable({}, {__len = function() return 1 << 40 end}); table.insert(t, 1, 0) end
function M.caught() pcall(table.move, {}, 1, 1 << 40, 2); ctx_ok = true end
function M.fine()
  local s = string.rep("word ", 2000)
  local n = 0
  for w in s:gmatch("%a+") do n = n + 1 end
  table.move({1, 2, 3}, 1, 3, 2)
  return s:find("word", 1, true), s:match("^(%a+)"), table.concat({"a", "b"}, ",", 1, 2), n
end
return M
)LUA");
    const char* refused[] = {"move", "lazy", "stars", "plain", "gmatch", "gsub", "unpack", "concat", "long", "caught"};
    for (const char* fn : refused) f.rule({fn, "rules/c_calls.lua", fn, {}, {}, {"c1"}});
    f.rule({"fine", "rules/c_calls.lua", "fine", {}, {}, {"c1"}});
    f.load();
    REQUIRE(f.diagnostics.empty());
    int line = 2;
    for (const char* fn : refused) {
        CAPTURE(fn);
        ScriptOutcome out = f.run(fn);
        CHECK_FALSE(out.ok);
        CHECK(out.error.code == codes::rule_library_limit);
        CHECK(out.error.primary().file == path);
        CHECK(out.error.primary().line == line++);
    }
    CHECK(f.run("fine").ok);
}

TEST_CASE("lua hostile: a wall-clock deadline stops a call (RULE007)") {
    LuaFixture f;
    const std::string path = f.file("rules/slow.lua", R"LUA(return {
  slow = function(ctx)
    while true do end
  end,
})LUA");
    f.rule({"slow", "rules/slow.lua", "slow", {}, {}, {"c1"}});
    RuntimeLimits limits;
    limits.instructions_per_call = std::uint64_t{1} << 62;   // only the clock can stop it
    limits.milliseconds_per_call = 50;
    f.load(limits);
    ScriptOutcome out = f.run("slow");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_time_budget);
    CHECK(out.error.primary().file == path);
    CHECK(out.error.primary().line == 3);
}

TEST_CASE("lua hostile: a rule whose calls together take too long in one diagnosis is failed (RULE007)") {
    LuaFixture f;
    const std::string path = f.file("rules/slowish.lua", R"LUA(return {
  slowish = function(ctx)
    local n = 0
    for i = 1, 200000 do n = n + i end
  end,
})LUA");
    f.rule({"slowish", "rules/slowish.lua", "slowish", {}, {}, {"c1"}});
    RuntimeLimits limits;
    limits.milliseconds_per_rule_per_diagnosis = 1;   // each call alone is within its own budgets
    f.load(limits);
    f.runtime->begin_diagnosis();
    ScriptOutcome out;
    for (int i = 0; i < 1000 && (out = f.run("slowish")).ok; ++i) {}
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_time_budget);
    CHECK(out.error.primary().file == path);
    CHECK(out.error.message.find("in this diagnosis") != std::string::npos);
    CHECK(f.run("slowish").already_reported);
}

TEST_CASE("lua hostile: a failed rule is not re-run in the same diagnosis; the next diagnosis runs it again") {
    LuaFixture f;
    f.file("rules/once.lua", R"LUA(local runs = 0
return {
  fails = function(ctx) runs = runs + 1; error("failure " .. runs) end,
})LUA");
    f.rule({"fails", "rules/once.lua", "fails", {}, {}, {"c1"}});
    f.load();
    f.runtime->begin_diagnosis();
    ScriptOutcome first = f.run("fails");
    CHECK_FALSE(first.ok);
    CHECK_FALSE(first.already_reported);
    CHECK(first.error.message.find("failure 1") != std::string::npos);
    ScriptOutcome again = f.run("fails");
    CHECK_FALSE(again.ok);
    CHECK(again.already_reported);
    CHECK(again.error.message == first.error.message);   // not run: the counter did not move
    f.runtime->begin_diagnosis();
    ScriptOutcome next = f.run("fails");
    CHECK_FALSE(next.already_reported);
    CHECK(next.error.message.find("failure 2") != std::string::npos);
}

TEST_CASE("lua hostile: once a diagnosis's budget is spent no rule runs, with one diagnostic") {
    LuaFixture f;
    f.file("rules/busy.lua", R"LUA(return {
  busy = function(ctx) local n = 0; for i = 1, 300000 do n = n + i end; ctx.evidence("c1", 2, "busy") end,
  other = function(ctx) ctx.evidence("c1", 2, "other") end,
})LUA");
    f.rule({"busy", "rules/busy.lua", "busy", {}, {}, {"c1"}});
    f.rule({"other", "rules/busy.lua", "other", {}, {}, {"c1"}});
    RuntimeLimits limits;
    limits.instructions_per_diagnosis = 2'000'000;
    f.load(limits);
    f.runtime->begin_diagnosis();
    int ran = 0;
    while (f.run("busy").ok) ++ran;
    CHECK(ran >= 1);
    ScriptOutcome busy = f.run("busy");
    ScriptOutcome other = f.run("other");
    CHECK_FALSE(other.ok);
    CHECK(other.already_reported);   // the first refusal (of busy) carried the diagnostic
    CHECK(busy.error.code == codes::rule_time_budget);
    CHECK(busy.error.message.find("most of it by rule 'busy'") != std::string::npos);
    f.runtime->begin_diagnosis();
    CHECK(f.run("other").ok);
}

TEST_CASE("lua hostile: what a rule hands to C++ is capped (RULE004)") {
    LuaFixture f;
    f.fact("d.text", FactType::string);
    const std::string path = f.file("rules/big.lua", R"LUA(local M = {}
function M.note(ctx) ctx.evidence("c1", 2, string.rep("n", 1 << 20)) end
function M.many(ctx) for i = 1, 1000 do ctx.evidence("c1", 1.5, "n") end end
function M.derive(ctx) ctx.derive("d.text", string.rep("d", 1 << 20)) end
function M.cause(ctx) ctx.evidence(string.rep("c", 1 << 20), 2) end
function M.fine(ctx) ctx.evidence("c1", 2, string.rep("n", 4000)); ctx.derive("d.text", string.rep("d", 60000)) end
return M
)LUA");
    for (const char* fn : {"note", "many", "derive", "cause"})
        f.rule({fn, "rules/big.lua", fn, {}, {}, {"c1"}, {"d.text"}});
    f.rule({"fine", "rules/big.lua", "fine", {}, {}, {"c1"}, {"d.text"}});
    f.load();
    REQUIRE(f.diagnostics.empty());
    int line = 2;
    for (const char* fn : {"note", "many", "derive", "cause"}) {
        CAPTURE(fn);
        ScriptOutcome out = f.run(fn);
        CHECK_FALSE(out.ok);
        CHECK(out.error.code == codes::rule_bad_output);
        CHECK(out.error.primary().file == path);
        CHECK(out.error.primary().line == line++);
        CHECK(out.error.message.size() < 1000);
    }
    ScriptOutcome fine = f.run("fine");
    CHECK(fine.ok);
    CHECK(fine.evidence.size() == 1);
}
