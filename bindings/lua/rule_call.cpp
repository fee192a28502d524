// The contract of a scripted rule: declared inputs, declared causes and derivations, catalog types.
#include "bindings/lua/rule_call.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "bindings/lua/lua_values.hpp"
#include "engine/core/diagnostic_codes.hpp"

namespace kbdiag::lua {

namespace {

bool contains(const std::vector<std::string>& list, std::string_view item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

RuleCall::RuleCall(const RuleDecl& r, const FactStore& f, const KnowledgeBase& k)
    : rule(r), facts(f), kb(k), inputs_(r.inputs()) {}

bool RuleCall::violate(const char* code, std::string message, int line) {
    error_ = message;
    if (!violation_) violation_ = Violation{code, std::move(message), line};
    return false;
}

bool RuleCall::read(std::string_view name, int line, const FactEntry*& entry) {
    if (!contains(inputs_, name)) {
        return violate(codes::rule_undeclared_fact,
                       fmt::format("rule {} read undeclared fact {} (declare it in `requires` or `reads`)",
                                   rule.id, name),
                       line);
    }
    std::string key(name);
    read_.insert(key);
    entry = facts.find(key);
    return true;
}

bool RuleCall::add_evidence(const EvidenceArgs& args, int line) {
    if (args.cause == nullptr) {
        return violate(codes::rule_bad_output, fmt::format("evidence: the cause must be a string, got {}", args.cause_type),
                       line);
    }
    std::string cause(args.cause, args.cause_size);
    if (!contains(rule.causes, cause)) {
        return violate(codes::rule_bad_output,
                       fmt::format("evidence for undeclared cause '{}' (the rule's causes: {})", cause,
                                   rule.causes.empty() ? std::string("none") : fmt::format("{}", fmt::join(rule.causes, ", "))),
                       line);
    }
    // The range knowledge files allow (read_rule.cpp): beyond it a ratio is a bug, and a product of a few such
    // ratios overflows to infinity, which JSON cannot carry.
    constexpr double lr_min = 1e-9, lr_max = 1e9;
    if (!args.lr_is_number || !std::isfinite(args.lr) || args.lr < lr_min || args.lr > lr_max) {
        return violate(codes::rule_bad_output,
                       args.lr_is_number
                           ? fmt::format("evidence for '{}': the likelihood ratio must be a number within [{}, {}], "
                                         "got {}",
                                         cause, lr_min, lr_max, args.lr)
                           : fmt::format("evidence for '{}': the likelihood ratio must be a number, got {}", cause,
                                         args.lr_type),
                       line);
    }
    evidence.push_back(ScriptEvidence{std::move(cause), args.lr, std::string(args.note, args.note_size)});
    return true;
}

bool RuleCall::add_derived(lua_State* L, std::string_view fact, int value_index, int line) {
    if (!contains(rule.derives, fact)) {
        return violate(codes::rule_bad_output,
                       fmt::format("derive: fact '{}' is not in the rule's `derives`", fact), line);
    }
    std::string name(fact);
    auto def_it = kb.facts.find(name);
    const FactDef* def = def_it == kb.facts.end() ? nullptr : &def_it->second;
    if (def == nullptr) {
        return violate(codes::rule_bad_output, fmt::format("derive: fact '{}' is not in the catalog", name), line);
    }
    std::string why;
    std::optional<FactValue> value = read_fact_value(L, value_index, *def, why);
    if (!value) return violate(codes::rule_bad_output, fmt::format("derive: {}", why), line);
    auto same = std::find_if(derived.begin(), derived.end(), [&](const auto& d) { return d.first == name; });
    if (same != derived.end()) same->second = std::move(*value);
    else derived.emplace_back(std::move(name), std::move(*value));
    return true;
}

}  // namespace kbdiag::lua
