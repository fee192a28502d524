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

// A name as shown in a message: a rule may pass a string of any size.
std::string shown(std::string_view name) {
    if (name.size() <= 80) return std::string(name);
    return fmt::format("{}... ({} bytes)", name.substr(0, 80), name.size());
}

// Bytes of a value once copied into C++ (its strings; other values count 8).
std::size_t value_bytes(const FactValue& value) {
    if (value.is_string()) return value.as_string().size();
    if (value.is_list()) {
        std::size_t bytes = 0;
        for (const std::string& item : value.as_list()) bytes += item.size() + 8;
        return bytes;
    }
    if (value.is_records()) {
        std::size_t bytes = 0;
        for (const Record& record : value.as_records()) {
            for (const auto& [field, scalar] : record) {
                bytes += field.size() + 8;
                if (const auto* text = std::get_if<std::string>(&scalar)) bytes += text->size();
            }
        }
        return bytes;
    }
    return 8;
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
                                   rule.id, shown(name)),
                       line);
    }
    std::string key(name);
    read_.insert(key);
    entry = facts.find(key);
    return true;
}

bool RuleCall::add_evidence(const EvidenceArgs& args, int line) {
    if (args.cause == nullptr) {
        return violate(codes::rule_bad_output,
                       fmt::format("evidence: the cause must be a string, got {}", args.cause_type), line);
    }
    if (evidence.size() >= kMaxEvidencePerCall) {
        return violate(codes::rule_bad_output,
                       fmt::format("evidence: more than {} pieces of evidence in one call", kMaxEvidencePerCall), line);
    }
    if (args.note_size > kMaxNoteBytes) {
        return violate(
            codes::rule_bad_output,
            fmt::format("evidence: a note of {} bytes is over the limit of {}", args.note_size, kMaxNoteBytes), line);
    }
    const std::string_view cause_text(args.cause, args.cause_size);
    if (!contains(rule.causes, cause_text)) {
        return violate(
            codes::rule_bad_output,
            fmt::format("evidence for undeclared cause '{}' (the rule's causes: {})", shown(cause_text),
                        rule.causes.empty() ? std::string("none") : fmt::format("{}", fmt::join(rule.causes, ", "))),
            line);
    }
    std::string cause(cause_text);
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
                       fmt::format("derive: fact '{}' is not in the rule's `derives`", shown(fact)), line);
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
    if (const std::size_t bytes = value_bytes(*value); bytes > kMaxDerivedBytes) {
        return violate(codes::rule_bad_output,
                       fmt::format("derive: a value of {} bytes for '{}' is over the limit of {}", bytes, name,
                                   kMaxDerivedBytes),
                       line);
    }
    auto same = std::find_if(derived.begin(), derived.end(), [&](const auto& d) { return d.first == name; });
    if (same != derived.end()) same->second = std::move(*value);
    else derived.emplace_back(std::move(name), std::move(*value));
    return true;
}

}  // namespace kbdiag::lua
