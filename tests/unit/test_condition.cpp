#include <doctest/doctest.h>

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
