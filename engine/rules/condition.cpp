#include "engine/rules/condition.hpp"

#include "engine/rules/compiled_condition.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace kbdiag {

namespace {

struct OpName {
    CompareOp op;
    const char* key;     // YAML key
    const char* symbol;  // for describe()
};
constexpr OpName op_names[] = {
    {CompareOp::eq, "eq", "=="},          {CompareOp::ne, "ne", "!="},
    {CompareOp::lt, "lt", "<"},           {CompareOp::le, "lte", "<="},
    {CompareOp::gt, "gt", ">"},           {CompareOp::ge, "gte", ">="},
    {CompareOp::in, "in", "in"},          {CompareOp::not_in, "not_in", "not in"},
    {CompareOp::contains, "contains", "contains"}, {CompareOp::exists, "exists", "exists"},
};

// ASCII case folding, inline: what std::tolower does in the "C" locale kbdiag runs in (it never calls setlocale),
// without a library call per character — rule conditions compare text thousands of times per diagnosis.
constexpr char fold(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool same_folded(char x, char y) { return fold(x) == fold(y); }

bool iequals(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), same_folded);
}

bool icontains(const std::string& hay, const std::string& needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), same_folded) != hay.end();
}

// Equality that ignores case for text: fact values typed by people and collectors differ in case.
std::optional<bool> values_equal(const FactValue& a, const FactValue& b) {
    if (a.is_string() && b.is_string()) return iequals(a.as_string(), b.as_string());
    if (a.v.index() != b.v.index()) return std::nullopt;
    return a == b;
}

Truth from_bool(bool b) { return b ? Truth::yes : Truth::no; }

Truth order(const FactValue& left, const FactValue& right, CompareOp op) {
    if (!left.is_int() || !right.is_int()) return Truth::unknown;
    auto l = left.as_int();
    auto r = right.as_int();
    switch (op) {
        case CompareOp::lt: return from_bool(l < r);
        case CompareOp::le: return from_bool(l <= r);
        case CompareOp::gt: return from_bool(l > r);
        case CompareOp::ge: return from_bool(l >= r);
        default: return Truth::unknown;
    }
}

Truth contains(const FactValue& left, const FactValue& right) {
    if (!right.is_string()) return Truth::unknown;
    const auto& needle = right.as_string();
    if (left.is_list()) {
        const auto& l = left.as_list();
        return from_bool(std::any_of(l.begin(), l.end(), [&](const std::string& s) { return iequals(s, needle); }));
    }
    if (left.is_string()) return from_bool(icontains(left.as_string(), needle));
    return Truth::unknown;
}

Truth member_of(const FactValue& left, const std::vector<FactValue>& set) {
    bool comparable = false;
    for (const auto& v : set) {
        auto eq = values_equal(left, v);
        if (eq) comparable = true;
        if (eq && *eq) return Truth::yes;
    }
    return comparable ? Truth::no : Truth::unknown;
}

void note_used(EvalTrace* trace, const std::string& fact, bool known) {
    if (!trace) return;
    auto& list = known ? trace->used : trace->missing;
    if (std::find(list.begin(), list.end(), fact) == list.end()) list.push_back(fact);
}

// `e`: the entry of c.fact (nullptr when there is none).
Truth evaluate_exists(const Condition& c, const FactEntry* e, EvalTrace* trace) {
    bool want = c.operand.literal && c.operand.literal->is_bool() ? c.operand.literal->as_bool() : true;
    if (!e || e->state == FactState::failed) {
        note_used(trace, c.fact, false);
        return Truth::unknown;
    }
    note_used(trace, c.fact, true);
    return from_bool((e->state == FactState::known) == want);
}

const FactValue* known_value(const FactEntry* e) { return e && e->state == FactState::known ? &e->value : nullptr; }

// The comparison given the entries of its facts (nullptr for a fact with none): `left_entry` of c.fact and
// `right_entry` of c.operand.fact (unused without one). However the caller found them.
Truth compare_entries(const Condition& c, const FactEntry* left_entry, const FactEntry* right_entry, EvalTrace* trace) {
    if (c.op == CompareOp::exists) return evaluate_exists(c, left_entry, trace);
    const FactValue* left = known_value(left_entry);
    note_used(trace, c.fact, left != nullptr);
    const FactValue* right = nullptr;
    if (!c.operand.fact.empty()) {
        right = known_value(right_entry);
        note_used(trace, c.operand.fact, right != nullptr);
    } else if (c.operand.literal) {
        right = &*c.operand.literal;
    }
    if (!left) return Truth::unknown;
    switch (c.op) {
        case CompareOp::in: return member_of(*left, c.operand.set);
        case CompareOp::not_in: return truth_not(member_of(*left, c.operand.set));
        default: break;
    }
    if (!right) return Truth::unknown;
    switch (c.op) {
        case CompareOp::eq: {
            auto eq = values_equal(*left, *right);
            return eq ? from_bool(*eq) : Truth::unknown;
        }
        case CompareOp::ne: {
            auto eq = values_equal(*left, *right);
            return eq ? from_bool(!*eq) : Truth::unknown;
        }
        case CompareOp::contains: return contains(*left, *right);
        default: return order(*left, *right, c.op);
    }
}

Truth evaluate_compare(const Condition& c, const FactStore& facts, EvalTrace* trace) {
    const bool other_fact = c.op != CompareOp::exists && !c.operand.fact.empty();
    return compare_entries(c, facts.find(c.fact), other_fact ? facts.find(c.operand.fact) : nullptr, trace);
}

std::string describe_value(const FactValue& v) { return to_display(v, FactType::string); }

void collect_facts(const Condition& c, std::set<std::string>& out) {
    if (c.kind == Condition::Kind::compare) {
        out.insert(c.fact);
        if (!c.operand.fact.empty()) out.insert(c.operand.fact);
    }
    for (const auto& child : c.children) collect_facts(child, out);
}

}  // namespace

const char* to_string(CompareOp op) {
    for (const auto& n : op_names)
        if (n.op == op) return n.key;
    return "eq";
}

std::optional<CompareOp> compare_op_from_key(std::string_view key) {
    for (const auto& n : op_names)
        if (key == n.key) return n.op;
    return std::nullopt;
}

Truth truth_and(Truth a, Truth b) {
    if (a == Truth::no || b == Truth::no) return Truth::no;
    if (a == Truth::yes && b == Truth::yes) return Truth::yes;
    return Truth::unknown;
}

Truth truth_or(Truth a, Truth b) {
    if (a == Truth::yes || b == Truth::yes) return Truth::yes;
    if (a == Truth::no && b == Truth::no) return Truth::no;
    return Truth::unknown;
}

Truth truth_not(Truth a) {
    if (a == Truth::unknown) return a;
    return a == Truth::yes ? Truth::no : Truth::yes;
}

std::vector<std::string> Condition::facts() const {
    std::set<std::string> out;
    collect_facts(*this, out);
    return {out.begin(), out.end()};
}

std::string Condition::describe() const {
    switch (kind) {
        case Kind::all:
        case Kind::any: {
            // An empty group is what evaluate() makes of it: 'all' of nothing holds, 'any' of nothing does not.
            if (children.empty()) return kind == Kind::all ? "always" : "never";
            std::vector<std::string> parts;
            for (const auto& c : children) {
                bool nested = c.kind == Kind::all || c.kind == Kind::any;
                parts.push_back(nested ? "(" + c.describe() + ")" : c.describe());
            }
            return fmt::format("{}", fmt::join(parts, kind == Kind::all ? " and " : " or "));
        }
        case Kind::negate:
            return children.empty() ? "not ?" : fmt::format("not ({})", children.front().describe());
        case Kind::compare:
            break;
    }
    if (op == CompareOp::exists) {
        bool want = !operand.literal || !operand.literal->is_bool() || operand.literal->as_bool();
        return fmt::format("{} is {}", fact, want ? "set" : "not set");
    }
    const char* symbol = "==";
    for (const auto& n : op_names)
        if (n.op == op) symbol = n.symbol;
    std::string right;
    if (!operand.fact.empty()) right = operand.fact;
    else if (op == CompareOp::in || op == CompareOp::not_in) {
        std::vector<std::string> items;
        for (const auto& v : operand.set) items.push_back(describe_value(v));
        right = fmt::format("[{}]", fmt::join(items, ", "));
    } else if (operand.literal) right = describe_value(*operand.literal);
    return fmt::format("{} {} {}", fact, symbol, right);
}

Truth evaluate(const Condition& c, const FactStore& facts, EvalTrace* trace) {
    switch (c.kind) {
        case Condition::Kind::all: {
            Truth t = Truth::yes;
            for (const auto& child : c.children) t = truth_and(t, evaluate(child, facts, trace));
            return t;
        }
        case Condition::Kind::any: {
            Truth t = Truth::no;
            for (const auto& child : c.children) t = truth_or(t, evaluate(child, facts, trace));
            return t;
        }
        case Condition::Kind::negate:
            return c.children.empty() ? Truth::unknown : truth_not(evaluate(c.children.front(), facts, trace));
        case Condition::Kind::compare:
            return evaluate_compare(c, facts, trace);
    }
    return Truth::unknown;
}

// ---- compiled conditions (compiled_condition.hpp) ----------------------------------------------------------------

std::size_t FactSlots::add(const std::string& name) {
    auto [it, fresh] = index_.try_emplace(name, names_.size());
    if (fresh) names_.push_back(name);
    return it->second;
}

std::optional<std::size_t> FactSlots::find(const std::string& name) const {
    auto it = index_.find(name);
    if (it == index_.end()) return std::nullopt;
    return it->second;
}

CompiledCondition compile(const Condition& c, FactSlots& slots) {
    CompiledCondition out;
    out.source = &c;
    if (c.kind == Condition::Kind::compare) {
        out.left = slots.add(c.fact);
        if (c.op != CompareOp::exists && !c.operand.fact.empty()) out.right = slots.add(c.operand.fact);
    }
    out.children.reserve(c.children.size());
    for (const auto& child : c.children) out.children.push_back(compile(child, slots));
    return out;
}

Truth evaluate(const CompiledCondition& c, const SlotView& facts, EvalTrace* trace) {
    const Condition& source = *c.source;
    switch (source.kind) {
        case Condition::Kind::all: {
            Truth t = Truth::yes;
            for (const auto& child : c.children) {
                t = truth_and(t, evaluate(child, facts, trace));
                if (t == Truth::no && !trace) break;   // settled; only a trace wants the rest looked at
            }
            return t;
        }
        case Condition::Kind::any: {
            Truth t = Truth::no;
            for (const auto& child : c.children) {
                t = truth_or(t, evaluate(child, facts, trace));
                if (t == Truth::yes && !trace) break;
            }
            return t;
        }
        case Condition::Kind::negate:
            return c.children.empty() ? Truth::unknown : truth_not(evaluate(c.children.front(), facts, trace));
        case Condition::Kind::compare:
            return compare_entries(source, facts.entry(c.left),
                                   c.right == CompiledCondition::no_slot ? nullptr : facts.entry(c.right), trace);
    }
    return Truth::unknown;
}

}  // namespace kbdiag
