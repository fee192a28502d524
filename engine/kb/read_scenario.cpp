#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

static ScenarioExpect read_expect(NodeReader& r) {
    ScenarioExpect e;
    YAML::Node n = r.child("expect");
    if (!n) {
        r.error(codes::kb_missing_key, fmt::format("{} has no 'expect'", r.what()), r.where());
        return e;
    }
    if (!expect_map(n, r.file(), r.diagnostics(), r.what() + ": 'expect'")) {
        r.fail();
        return e;
    }
    NodeReader er(n, r.file(), r.diagnostics(), r.what() + " expect");
    er.check_keys({"top", "not_top", "order", "min_probability", "fixes", "first_fix", "step_contains",
                    "step_not_contains"});
    e.top = er.string_or("top", "");
    e.not_top = er.strings("not_top");
    e.order = er.strings("order");
    if (er.has("min_probability")) e.min_probability = er.number_or("min_probability", 0.0, 0.0, 1.0);
    e.fixes = er.strings("fixes");
    e.first_fix = er.string_or("first_fix", "");
    e.step_contains = er.strings("step_contains");
    e.step_not_contains = er.strings("step_not_contains");
    if (e.top.empty() && e.not_top.empty() && e.order.empty())
        er.error(codes::kb_missing_key, r.what() + ": 'expect' needs 'top', 'not_top' or 'order'", er.where());
    if (!er.ok()) r.fail();
    return e;
}

std::optional<Scenario> read_scenario(NodeReader& r) {
    r.check_keys({"id", "description", "error", "facts", "expect"});
    Scenario s;
    s.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        s.id = *id;
        r.set_name(*id);
    }
    s.description = r.string_or("description", "");
    s.error = r.string_or("error", "");
    if (s.error.empty()) r.error(codes::kb_missing_key, fmt::format("{} has no 'error'", r.what()), s.where);
    s.facts = read_value_map(r, "facts", &s.fact_where);
    s.expect = read_expect(r);
    if (!r.ok()) return std::nullopt;
    return s;
}

}  // namespace kbdiag
