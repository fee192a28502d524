// The rule API: ctx.evidence / ctx.derive / ctx.fact contracts, runtime errors and their locations.
#include <doctest/doctest.h>

#include "bindings/lua/lua_errors.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "tests/unit/test_lua_support.hpp"

using namespace kbdiag;
using kbdiag::lua_test::LuaFixture;

namespace {

const char* kContractLua = R"(local M = {}
function M.runtime(ctx)
  local entries = nil
  return entries.first
end
function M.error_table(ctx)
  error({ code = 1 })
end
function M.undeclared_cause(ctx)
  ctx.evidence("c_ok", 4, "fine")
  ctx.evidence("c_other", 4, "not mine")
end
function M.bad_lr(ctx)
  ctx.evidence("c_ok", LR, "bad")
end
function M.caught(ctx)
  local ok = pcall(ctx.evidence, "c_other", 2)
  ctx.evidence("c_ok", 3, "caught: " .. tostring(ok))
end
function M.derive_wrong_type(ctx)
  ctx.derive("d.flag", "yes")
end
function M.derive_undeclared(ctx)
  ctx.derive("d.other", true)
end
function M.derive_enum(ctx)
  ctx.derive("d.os", "plan9")
end
function M.derive_float(ctx)
  ctx.derive("d.count", 2.5)
end
function M.derive_list(ctx)
  ctx.derive("d.names", { "a", 2 })
end
function M.derive_record_field(ctx)
  ctx.derive("d.entries", { { target = "x", bogus = 1 } })
end
function M.read_undeclared(ctx)
  local a = ctx.fact("f.req")
  local b = ctx.fact("f.secret")
end
function M.state_undeclared(ctx)
  return ctx.state("f.secret")
end
function M.reads(ctx)
  ctx.fact("f.when")
  ctx.fact("f.req")
  ctx.state("f.read")
  ctx.fact("f.req")
  ctx.derive("d.flag", true)
  ctx.derive("d.count", 3.0)
  ctx.derive("d.count", 4)
  ctx.derive("d.os", "linux")
  ctx.evidence("c_ok", 0.25)
end
return M
)";

struct ContractFixture : LuaFixture {
    std::string path;
    ContractFixture() {
        path = file("rules/contract.lua", kContractLua);
        fact("f.req", FactType::string);
        fact("f.read", FactType::integer);
        fact("f.when", FactType::boolean);
        fact("f.secret", FactType::string);
        fact("d.flag", FactType::boolean);
        fact("d.other", FactType::boolean);
        fact("d.count", FactType::integer);
        fact("d.os", FactType::enumeration, {}, {"linux", "windows"});
        fact("d.names", FactType::string_list);
        fact("d.entries", FactType::records, {{"target", FactType::string}, {"when", FactType::timestamp}});
        facts.set("f.req", FactValue{"x"}, "test");
        facts.set("f.secret", FactValue{"hunter2"}, "test");
        for (const char* fn : {"runtime", "error_table", "undeclared_cause", "bad_lr", "caught", "derive_wrong_type",
                               "derive_undeclared", "derive_enum", "derive_float", "derive_list",
                               "derive_record_field", "read_undeclared", "state_undeclared", "reads"}) {
            rule({fn, "rules/contract.lua", fn, {"f.req"}, {"f.read"}, {"c_ok"},
                  {"d.flag", "d.count", "d.os", "d.names", "d.entries"}});
        }
        Condition when;
        when.fact = "f.when";
        when.op = CompareOp::eq;
        when.operand.literal = FactValue{true};
        kb.rules.back().when = when;   // "reads" may read the fact of its `when`
    }
};

}  // namespace

TEST_CASE("lua: a runtime error is RULE001 with file:line and the rule's location in the chain") {
    ContractFixture f;
    f.load();
    REQUIRE(f.diagnostics.empty());
    ScriptOutcome out = f.run("runtime");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_runtime_error);
    CHECK(out.error.primary().file == f.path);
    CHECK(out.error.primary().line == 4);
    CHECK(out.error.snippet == "  return entries.first");
    CHECK(out.error.message.find("attempt to index a nil value") != std::string::npos);
    CHECK(out.error.message.find(f.path) == std::string::npos);   // the position is in `where`, not the text
    CHECK(out.error.where.back().file == "rules.yaml");
    CHECK(out.error.where.back().line == 1);

    ScriptOutcome table = f.run("error_table");
    CHECK(table.error.code == codes::rule_runtime_error);
    CHECK(table.error.primary().line == 7);
    CHECK(table.error.message.find("table value") != std::string::npos);
}

TEST_CASE("lua: evidence for an undeclared cause is RULE004 and earlier effects are discarded") {
    ContractFixture f;
    f.load();
    ScriptOutcome out = f.run("undeclared_cause");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_bad_output);
    CHECK(out.error.primary().file == f.path);
    CHECK(out.error.primary().line == 11);
    CHECK(out.error.message.find("c_other") != std::string::npos);
    CHECK(out.evidence.empty());
}

TEST_CASE("lua: a likelihood ratio must be a finite number within [1e-9, 1e9]") {
    for (const char* lr : {"0", "-2", "0/0", "math.huge", "'4'", "nil", "{}", "1e308", "1e10", "1e-10"}) {
        CAPTURE(lr);
        ContractFixture f;
        f.file("rules/contract.lua", std::string("LR = ") + lr + "\n" + kContractLua);
        f.load();
        REQUIRE(f.diagnostics.empty());
        ScriptOutcome out = f.run("bad_lr");
        CHECK_FALSE(out.ok);
        CHECK(out.error.code == codes::rule_bad_output);
        CHECK(out.error.primary().line == 15);   // one line down: LR = ... comes first
    }
}

TEST_CASE("lua: a contract violation caught with pcall still fails the rule") {
    ContractFixture f;
    f.load();
    ScriptOutcome out = f.run("caught");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_bad_output);
    CHECK(out.error.primary().line == 17);
    CHECK(out.evidence.empty());
}

TEST_CASE("lua: derived values must be declared and fit the catalog type") {
    ContractFixture f;
    f.load();
    struct Case {
        const char* rule;
        int line;
        const char* says;
    };
    for (Case c : {Case{"derive_wrong_type", 21, "boolean"}, Case{"derive_undeclared", 24, "derives"},
                   Case{"derive_enum", 27, "plan9"}, Case{"derive_float", 30, "integer"},
                   Case{"derive_list", 33, "item 2"}, Case{"derive_record_field", 36, "bogus"}}) {
        CAPTURE(c.rule);
        ScriptOutcome out = f.run(c.rule);
        CHECK_FALSE(out.ok);
        CHECK(out.error.code == codes::rule_bad_output);
        CHECK(out.error.primary().line == c.line);
        CHECK(out.error.message.find(c.says) != std::string::npos);
        CHECK(out.derived.empty());
    }
}

TEST_CASE("lua: reading an undeclared fact is RULE006") {
    ContractFixture f;
    f.load();
    ScriptOutcome out = f.run("read_undeclared");
    CHECK_FALSE(out.ok);
    CHECK(out.error.code == codes::rule_undeclared_fact);
    CHECK(out.error.message.find("rule read_undeclared read undeclared fact f.secret") != std::string::npos);
    CHECK(out.error.primary().line == 40);
    ScriptOutcome state = f.run("state_undeclared");
    CHECK(state.error.code == codes::rule_undeclared_fact);
}

TEST_CASE("lua: declared reads, derivations and evidence come back; facts_read is sorted and unique") {
    ContractFixture f;
    f.load();
    ScriptOutcome out = f.run("reads");
    REQUIRE(out.ok);
    CHECK(out.facts_read == std::vector<std::string>{"f.read", "f.req", "f.when"});
    REQUIRE(out.derived.size() == 3);
    CHECK(*lua_test::derived(out, "d.flag") == FactValue{true});
    CHECK(*lua_test::derived(out, "d.count") == FactValue{std::int64_t{4}});   // the last derive wins
    CHECK(*lua_test::derived(out, "d.os") == FactValue{"linux"});
    REQUIRE(out.evidence.size() == 1);
    CHECK(out.evidence[0].lr == 0.25);
    CHECK(out.evidence[0].note.empty());
}

TEST_CASE("lua: parse_message_line finds the position for short and shortened chunk names") {
    using kbdiag::lua::parse_message_line;
    std::string text;
    CHECK(parse_message_line("/k/rules/a.lua:12: boom", "/k/rules/a.lua", &text) == 12);
    CHECK(text == "boom");
    const std::string long_path = "/very/long/directory/name/that/goes/on/and/on/for/a/while/rules/credentials.lua";
    CHECK(parse_message_line("...s/on/and/on/for/a/while/rules/credentials.lua:7: x", long_path, &text) == 7);
    CHECK(text == "x");
    CHECK(parse_message_line("/other.lua:3: y", "/k/rules/a.lua", &text) == 0);
    CHECK(text == "/other.lua:3: y");
    CHECK(parse_message_line("C:/k/a.lua:9: z", "C:/k/a.lua", &text) == 9);
    CHECK(parse_message_line("not enough memory", "/k/a.lua") == 0);
}
