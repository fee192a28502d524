#include <doctest/doctest.h>

#include "engine/rules/compiled_condition.hpp"
#include "engine/rules/condition.hpp"

using namespace kbdiag;

namespace {
Condition cmp(std::string fact, CompareOp op, FactValue v) {
    Condition c;
    c.fact = std::move(fact);
    c.op = op;
    c.operand.literal = std::move(v);
    return c;
}
Condition group(Condition::Kind k, std::vector<Condition> children) {
    Condition c;
    c.kind = k;
    c.children = std::move(children);
    return c;
}
}  // namespace

TEST_CASE("three-valued logic: unknown is not false") {
    FactStore f;
    f.set("windows.build", FactValue{22631}, "t");
    auto old_build = cmp("windows.build", CompareOp::lt, FactValue{26100});
    auto level_low = cmp("lsa.level", CompareOp::le, FactValue{2});
    CHECK(evaluate(old_build, f) == Truth::yes);
    CHECK(evaluate(level_low, f) == Truth::unknown);
    CHECK(evaluate(group(Condition::Kind::all, {old_build, level_low}), f) == Truth::unknown);
    CHECK(evaluate(group(Condition::Kind::any, {old_build, level_low}), f) == Truth::yes);
    auto new_build = cmp("windows.build", CompareOp::ge, FactValue{26100});
    CHECK(evaluate(group(Condition::Kind::all, {new_build, level_low}), f) == Truth::no);
    CHECK(evaluate(group(Condition::Kind::negate, {level_low}), f) == Truth::unknown);
    CHECK(evaluate(group(Condition::Kind::negate, {new_build}), f) == Truth::yes);
}

TEST_CASE("exists distinguishes absent from unknown and failed") {
    FactStore f;
    Condition c = cmp("lsa.level", CompareOp::exists, FactValue{false});
    CHECK(evaluate(c, f) == Truth::unknown);
    f.set_failed("lsa.level", "t");
    CHECK(evaluate(c, f) == Truth::unknown);
    f.set_absent("lsa.level", "t");
    CHECK(evaluate(c, f) == Truth::yes);
    f.set("lsa.level", FactValue{3}, "t");
    CHECK(evaluate(c, f) == Truth::no);
}

TEST_CASE("in, contains, fact operands and traces") {
    FactStore f;
    f.set("windows.edition", FactValue{"enterprise"}, "t");
    f.set("credman.targets", FactValue{std::vector<std::string>{"Domain:target=NAS01"}}, "t");
    f.set("a.time", FactValue{100}, "t");
    f.set("b.time", FactValue{200}, "t");
    Condition in = cmp("windows.edition", CompareOp::in, FactValue{});
    in.operand.literal.reset();
    in.operand.set = {FactValue{"Enterprise"}, FactValue{"Education"}};
    CHECK(evaluate(in, f) == Truth::yes);   // text compares without case
    CHECK(evaluate(cmp("credman.targets", CompareOp::contains, FactValue{"domain:target=nas01"}), f) == Truth::yes);
    Condition before;
    before.fact = "a.time";
    before.op = CompareOp::lt;
    before.operand.fact = "b.time";
    CHECK(evaluate(before, f) == Truth::yes);
    before.operand.fact = "c.time";
    EvalTrace trace;
    CHECK(evaluate(before, f, &trace) == Truth::unknown);
    CHECK(trace.used == std::vector<std::string>{"a.time"});
    CHECK(trace.missing == std::vector<std::string>{"c.time"});
    CHECK(before.facts() == std::vector<std::string>{"a.time", "c.time"});
    CHECK(evaluate(cmp("windows.edition", CompareOp::lt, FactValue{3}), f) == Truth::unknown);   // type mismatch
}

TEST_CASE("describe is readable") {
    auto c = group(Condition::Kind::all, {cmp("windows.build", CompareOp::ge, FactValue{26100}),
                                          cmp("lsa.level", CompareOp::exists, FactValue{false})});
    CHECK(c.describe() == "windows.build >= 26100 and lsa.level is not set");
}

TEST_CASE("an empty group says what it evaluates to (found by the condition fuzzer: {any: []} described as '')") {
    FactStore facts;
    const Condition none = group(Condition::Kind::any, {});
    const Condition every = group(Condition::Kind::all, {});
    CHECK(evaluate(none, facts, nullptr) == Truth::no);
    CHECK(none.describe() == "never");
    CHECK(evaluate(every, facts, nullptr) == Truth::yes);
    CHECK(every.describe() == "always");
    CHECK(group(Condition::Kind::all, {cmp("a.b", CompareOp::eq, FactValue{std::int64_t{1}}), none}).describe()
          .find("(never)") != std::string::npos);
}

namespace {

// The compiled condition and the condition itself on the same facts: the same truth, and (with a trace) the same
// facts used and missing, in the same order.
void check_compiled_same(const Condition& c, const FactStore& facts) {
    FactSlots slots;
    slots.add("unrelated.fact");   // slots need not start at the condition's facts
    const CompiledCondition compiled = compile(c, slots);
    SlotView view(slots, facts);
    CHECK_MESSAGE(evaluate(compiled, view) == evaluate(c, facts), c.describe());
    EvalTrace a, b;
    CHECK(evaluate(compiled, view, &a) == evaluate(c, facts, &b));
    CHECK(a.used == b.used);
    CHECK(a.missing == b.missing);
}

}  // namespace

TEST_CASE("compiled conditions evaluate as their conditions do, traces included") {
    auto fact_operand = [](std::string fact, CompareOp op, std::string other) {
        Condition c = cmp(std::move(fact), op, FactValue{});
        c.operand.literal.reset();
        c.operand.fact = std::move(other);
        return c;
    };
    Condition in = cmp("windows.edition", CompareOp::in, FactValue{});
    in.operand.literal.reset();
    in.operand.set = {FactValue{"Enterprise"}, FactValue{"Education"}};
    const std::vector<Condition> leaves = {
        cmp("windows.build", CompareOp::lt, FactValue{26100}),
        cmp("lsa.level", CompareOp::le, FactValue{2}),
        cmp("lsa.level", CompareOp::exists, FactValue{false}),
        cmp("credman.targets", CompareOp::contains, FactValue{"nas01"}),
        in,
        fact_operand("a.time", CompareOp::lt, "b.time"),
        fact_operand("b.time", CompareOp::exists, "a.time"),   // exists ignores a fact operand
    };
    std::vector<Condition> conditions = leaves;
    for (auto kind : {Condition::Kind::all, Condition::Kind::any}) {
        conditions.push_back(group(kind, leaves));
        conditions.push_back(group(kind, {}));
        conditions.push_back(group(kind, {leaves[1], group(Condition::Kind::negate, {leaves[0]}), leaves[5]}));
    }
    conditions.push_back(group(Condition::Kind::negate, {}));

    std::vector<FactStore> stores(4);
    stores[1].set("windows.build", FactValue{22631}, "t");
    stores[1].set_absent("lsa.level", "t");
    stores[1].set("a.time", FactValue{100}, "t");
    stores[2] = stores[1];
    stores[2].set("lsa.level", FactValue{1}, "t");
    stores[2].set("b.time", FactValue{200}, "t");
    stores[2].set("windows.edition", FactValue{"education"}, "t");
    stores[2].set("credman.targets", FactValue{std::vector<std::string>{"x", "NAS01"}}, "t");
    stores[3].set("windows.build", FactValue{26100}, "t");
    stores[3].set_failed("lsa.level", "t");
    stores[3].set("a.time", FactValue{300}, "t");
    stores[3].set("b.time", FactValue{"not a time"}, "t");
    for (const auto& facts : stores)
        for (const auto& c : conditions) check_compiled_same(c, facts);
}

TEST_CASE("a slot view looks a fact up again once told it was set") {
    FactSlots slots;
    const Condition c = cmp("lsa.level", CompareOp::le, FactValue{2});
    const CompiledCondition compiled = compile(c, slots);
    FactStore facts;
    SlotView view(slots, facts);
    CHECK(evaluate(compiled, view) == Truth::unknown);
    facts.set("lsa.level", FactValue{1}, "derived:x");
    view.forget("lsa.level");
    CHECK(evaluate(compiled, view) == Truth::yes);
    facts.set("lsa.level", FactValue{5}, "derived:y");   // the same entry, changed in place
    CHECK(evaluate(compiled, view) == Truth::no);
    view.forget("not.a.slot");   // harmless
}
