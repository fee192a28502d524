// Static checks of literal fact and cause names in Lua rule files (engine/kb/script_refs), as kb lint runs them.
#include <doctest/doctest.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/script_refs.hpp"
#include "kb_fixture.hpp"

using namespace kbdiag;

TEST_CASE("Lua literal references: unknown facts and causes at file:line:col, comments and dynamic names ignored") {
    test::TempKbDir dir;
    dir.write("kb.yaml", test::mini_kb_yaml);
    auto r = load_knowledge_base(LoadOptions{{dir.path()}, false});
    REQUIRE(r.kb);
    const std::string lua =
        "local M = {}\n"
        "-- ctx.fact(\"in.a.comment\") is not read\n"
        "function M.f(ctx)\n"
        "  local b = ctx.fact(\"windows.build\")            -- known\n"
        "  if ctx.state('windows.biuld') == 'known' then    -- line 5: unknown fact\n"
        "    ctx.derive(\"lsa.effective\", 3)\n"
        "    ctx.evidence(\"stale\", 2, \"x\")\n"
        "    ctx.evidence(\"stael\", 2)                      -- line 8: unknown cause\n"
        "    ctx.fact(name_from_somewhere)\n"
        "    ctx.derive( \"no.such.derived\", 1)             -- line 10: unknown fact\n"
        "  end\n"
        "end\n"
        "return M\n";
    Diagnostics d;
    check_script_text(*r.kb, "rules/x.lua", lua, d);
    REQUIRE(d.items().size() == 3);
    d.sort();
    const auto& fact = d.items()[0];
    CHECK(fact.code == codes::kb_unknown_fact);
    CHECK(fact.primary().to_string() == "rules/x.lua:5:17");
    CHECK(fact.message.find("'windows.biuld'") != std::string::npos);
    const auto& cause = d.items()[1];
    CHECK(cause.code == codes::kb_dangling_ref);
    CHECK(cause.primary().to_string() == "rules/x.lua:8:19");
    CHECK(cause.message.find("no cause 'stael'") != std::string::npos);
    const auto& derived = d.items()[2];
    CHECK(derived.code == codes::kb_unknown_fact);
    CHECK(derived.primary().to_string() == "rules/x.lua:10:18");
}
