#pragma once
// Conditions as data: the engine evaluates and indexes them natively, without Lua.
//
// YAML forms (one key per mapping besides `fact`):
//   {fact: windows.build, gte: 26100}             compare with a literal
//   {fact: credman.last_written, lt: {fact: server.password_changed_at}}   compare with another fact
//   {fact: windows.edition, in: [Enterprise, Education]}
//   {fact: lsa.lm_compatibility_level, exists: false}   true when a collector found it absent
//   {fact: credman.targets, contains: nas01}      list contains / string contains
//   {all: [...]}, {any: [...]}, {not: {...}}
// Evaluation is three-valued: a comparison on an unknown (or failed) fact is `unknown`, and
// all/any/not follow Kleene logic. Unknown is not false.
#include <optional>
#include <string>
#include <vector>

#include "engine/core/location.hpp"
#include "engine/facts/fact_store.hpp"

namespace kbdiag {

enum class CompareOp { eq, ne, lt, le, gt, ge, in, not_in, contains, exists };
const char* to_string(CompareOp op);
std::optional<CompareOp> compare_op_from_key(std::string_view key);

enum class Truth { no, yes, unknown };
Truth truth_and(Truth a, Truth b);
Truth truth_or(Truth a, Truth b);
Truth truth_not(Truth a);

struct Operand {
    std::optional<FactValue> literal;          // either a literal...
    std::string fact;                          // ...or another fact's name
    std::vector<FactValue> set;                // for in / not_in

    friend bool operator==(const Operand&, const Operand&) = default;
};

struct Condition {
    enum class Kind { all, any, negate, compare };
    Kind kind = Kind::compare;
    std::vector<Condition> children;           // all / any / negate (one child)
    std::string fact;                          // compare: the fact on the left
    CompareOp op = CompareOp::eq;
    Operand operand;
    SourceLocation where;

    // Every fact name the condition reads (left sides and fact operands), sorted, unique.
    std::vector<std::string> facts() const;
    // Readable form, e.g. "windows.build >= 26100 and windows.edition in [Enterprise, Education]".
    std::string describe() const;

    friend bool operator==(const Condition&, const Condition&) = default;
};

// What an evaluation looked at: the facts it used (with their values) and those it lacked.
struct EvalTrace {
    std::vector<std::string> used;      // facts that had values
    std::vector<std::string> missing;   // facts that were unknown or failed
};

Truth evaluate(const Condition& c, const FactStore& facts, EvalTrace* trace = nullptr);

}  // namespace kbdiag
