// Budgets and the protected-call path: stack balance, instruction budget, memory cap, recovery.
#include <doctest/doctest.h>

#include "engine/core/diagnostic_codes.hpp"
#include "tests/unit/test_lua_support.hpp"

using namespace kbdiag;
using kbdiag::lua_test::LuaFixture;

namespace {

const char* kBudgetLua = R"(local M = {}
function M.spin(ctx)
  while true do end
end
function M.ok(ctx)
  ctx.evidence("c1", 3, "fine")
end
function M.spin_in_pcall(ctx)
  local n = 0
  while true do
    pcall(function() while true do n = n + 1 end end)
  end
end
function M.fail(ctx)
  error("boom")
end
function M.undeclared(ctx)
  return ctx.fact("not.declared")
end
function M.reads(ctx)
  local v = ctx.fact("a.int")
  ctx.evidence("c1", 2, "read " .. tostring(v))
  return 1, 2, 3
end
return M
)";

const char* kMemoryLua = R"(local M = {}
function M.doubling(ctx)
  local s = "xxxxxxxxxxxxxxxx"
  while true do
    s = s .. s
  end
end
function M.table_growth(ctx)
  local t = {}
  for i = 1, 100000000 do
    t[i] = i
  end
end
function M.rep(ctx)
  return string.rep("x", 1 << 30)
end
function M.ok(ctx)
  local t = {}
  for i = 1, 1000 do t[i] = string.rep("y", 100) end
  ctx.evidence("c1", 5, "after " .. #t)
end
return M
)";

void add_budget_rules(LuaFixture& f) {
    f.fact("a.int", FactType::integer);
    f.facts.set("a.int", FactValue{std::int64_t{7}}, "test");
    for (const char* fn : {"spin", "ok", "spin_in_pcall", "fail", "undeclared", "reads"}) {
        f.rule({fn, "rules/budget.lua", fn, {}, {"a.int"}, {"c1"}, {}});
    }
}

}  // namespace

TEST_CASE("lua: the stack is balanced over many calls, whatever the outcome") {
    LuaFixture f;
    f.file("rules/budget.lua", kBudgetLua);
    add_budget_rules(f);
    f.load(RuntimeLimits{20'000, 8u << 20});
    REQUIRE(f.diagnostics.empty());
    const int top = f.runtime->stack_top();
    std::size_t memory_after_warmup = 0;
    for (int i = 0; i < 300; ++i) {
        CHECK(f.run("reads").ok);
        CHECK(f.run("fail").error.code == codes::rule_runtime_error);
        CHECK(f.run("undeclared").error.code == codes::rule_undeclared_fact);
        CHECK(f.run("spin").error.code == codes::rule_instruction_budget);
        REQUIRE(f.runtime->stack_top() == top);
        if (i == 10) memory_after_warmup = f.runtime->memory_used();
    }
    // No leak through the registry or the stack: memory stays near where it was after warm-up.
    CHECK(f.runtime->memory_used() < memory_after_warmup + 256 * 1024);
}

TEST_CASE("lua: an infinite loop is RULE002 at its file and line, and the next rule runs") {
    LuaFixture f;
    const std::string path = f.file("rules/budget.lua", kBudgetLua);
    add_budget_rules(f);
    f.load(RuntimeLimits{100'000, 8u << 20});
    REQUIRE(f.diagnostics.empty());

    ScriptOutcome spin = f.run("spin");
    CHECK_FALSE(spin.ok);
    CHECK(spin.error.code == codes::rule_instruction_budget);
    CHECK(spin.error.severity == Severity::error);
    REQUIRE_FALSE(spin.error.where.empty());
    CHECK(spin.error.primary().file == path);
    CHECK(spin.error.primary().line == 3);
    CHECK(spin.error.snippet == "  while true do end");
    CHECK(spin.error.where.back().file == "rules.yaml");   // the chain ends at the rule's declaration
    CHECK(spin.error.message.find("spin") != std::string::npos);

    ScriptOutcome ok = f.run("ok");
    CHECK(ok.ok);
    REQUIRE(ok.evidence.size() == 1);
    CHECK(ok.evidence[0].cause == "c1");
    CHECK(ok.evidence[0].lr == 3.0);
}

TEST_CASE("lua: catching the budget error with pcall does not let a rule run on") {
    LuaFixture f;
    const std::string path = f.file("rules/budget.lua", kBudgetLua);
    add_budget_rules(f);
    f.load(RuntimeLimits{100'000, 8u << 20});
    ScriptOutcome spin = f.run("spin_in_pcall");
    CHECK_FALSE(spin.ok);
    CHECK(spin.error.code == codes::rule_instruction_budget);
    CHECK(spin.error.primary().file == path);
    const int line = spin.error.primary().line;
    CHECK((line == 11 || line == 12));
    CHECK(f.run("ok").ok);
}

TEST_CASE("lua: a memory bomb is RULE003 and the state recovers") {
    LuaFixture f;
    const std::string path = f.file("rules/memory.lua", kMemoryLua);
    f.fact("a.int", FactType::integer);
    for (const char* fn : {"doubling", "table_growth", "rep", "ok"})
        f.rule({fn, "rules/memory.lua", fn, {}, {}, {"c1"}});
    const std::size_t limit = 4u << 20;
    f.load(RuntimeLimits{50'000'000, limit});
    REQUIRE(f.diagnostics.empty());
    const int top = f.runtime->stack_top();

    struct Expect {
        const char* rule;
        int line;
    };
    for (Expect e : {Expect{"doubling", 5}, Expect{"table_growth", 11}, Expect{"rep", 15}}) {
        CAPTURE(e.rule);
        ScriptOutcome bomb = f.run(e.rule);
        CHECK_FALSE(bomb.ok);
        CHECK(bomb.error.code == codes::rule_memory_budget);
        CHECK(bomb.error.primary().file == path);
        CHECK(bomb.error.primary().line == e.line);
        CHECK(bomb.evidence.empty());
        CHECK(f.runtime->memory_used() < limit / 2);   // the garbage was collected
        CHECK(f.runtime->stack_top() == top);

        ScriptOutcome ok = f.run("ok");
        CHECK(ok.ok);
        REQUIRE(ok.evidence.size() == 1);
        CHECK(ok.evidence[0].note == "after 1000");
    }
}

TEST_CASE("lua: a file that keeps a memory bomb in a global is unloaded; other files go on") {
    LuaFixture f;
    f.file("rules/hoard.lua", R"(local M = {}
hoard = {}
function M.grab(ctx)
  for i = 1, 100000000 do hoard[#hoard + 1] = string.rep("z", 64) .. i end
end
function M.after(ctx) ctx.evidence("c1", 2, "still here") end
return M
)");
    f.file("rules/other.lua", R"(return { fine = function(ctx) ctx.evidence("c1", 4, "other file") end })");
    f.rule({"grab", "rules/hoard.lua", "grab", {}, {}, {"c1"}});
    f.rule({"after", "rules/hoard.lua", "after", {}, {}, {"c1"}});
    f.rule({"fine", "rules/other.lua", "fine", {}, {}, {"c1"}});
    const std::size_t limit = 4u << 20;
    f.load(RuntimeLimits{100'000'000, limit});
    REQUIRE(f.diagnostics.empty());

    ScriptOutcome grab = f.run("grab");
    CHECK(grab.error.code == codes::rule_memory_budget);
    CHECK(grab.error.primary().line == 4);
    CHECK(f.runtime->memory_used() < limit / 2);

    ScriptOutcome after = f.run("after");
    CHECK_FALSE(after.ok);
    CHECK(after.error.code == codes::rule_skipped);
    CHECK(after.error.message.find("unloaded") != std::string::npos);
    CHECK_FALSE(f.runtime->loaded(*f.find_rule("after").script));

    ScriptOutcome fine = f.run("fine");
    CHECK(fine.ok);
    REQUIRE(fine.evidence.size() == 1);
    CHECK(fine.evidence[0].note == "other file");
}

TEST_CASE("lua: budgets apply while a file loads") {
    LuaFixture f;
    const std::string spin = f.file("rules/spin.lua", "local x = 0\nwhile true do x = x + 1 end\nreturn {}\n");
    const std::string bomb = f.file("rules/bomb.lua", "local s = string.rep('x', 1 << 30)\nreturn {}\n");
    f.file("rules/fine.lua", "return { f = function(ctx) end }\n");
    f.rule({"fine", "rules/fine.lua", "f"});
    f.load(RuntimeLimits{100'000, 4u << 20});
    int kb009 = 0;
    for (const Diagnostic& d : f.diagnostics.items()) {
        REQUIRE(d.code == codes::kb_lua_compile);
        ++kb009;
        if (d.primary().file == spin) {
            CHECK(d.primary().line == 2);
            CHECK(d.message.find("instruction budget") != std::string::npos);
        } else {
            CHECK(d.primary().file == bomb);
            CHECK(d.primary().line == 1);
            CHECK(d.message.find("memory budget") != std::string::npos);
        }
    }
    CHECK(kb009 == 2);
    CHECK(f.run("fine").ok);
}

TEST_CASE("lua: unbounded recursion fails the rule, not the process") {
    LuaFixture f;
    const std::string path = f.file("rules/deep.lua", R"(local M = {}
local function down(n) return 1 + down(n + 1) end
local function via_gsub(s) return (s:gsub(".", via_gsub)) end
function M.deep(ctx) return down(1) end
function M.deep_c(ctx) return via_gsub("x") end
function M.ok(ctx) ctx.evidence("c1", 2) end
return M
)");
    for (const char* fn : {"deep", "deep_c", "ok"}) f.rule({fn, "rules/deep.lua", fn, {}, {}, {"c1"}});
    f.load(RuntimeLimits{10'000'000, 16u << 20});
    REQUIRE(f.diagnostics.empty());
    const int top = f.runtime->stack_top();
    for (const char* fn : {"deep", "deep_c"}) {
        CAPTURE(fn);
        ScriptOutcome out = f.run(fn);
        CHECK_FALSE(out.ok);
        CHECK((out.error.code == codes::rule_runtime_error || out.error.code == codes::rule_memory_budget ||
               out.error.code == codes::rule_instruction_budget));
        CHECK(out.error.primary().file == path);
        CHECK(f.runtime->stack_top() == top);
        CHECK(f.run("ok").ok);
    }
}
