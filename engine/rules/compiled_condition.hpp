#pragma once
// Conditions compiled once per knowledge base, for the engine's hot loop: each comparison refers to its facts by
// slot (a number per fact name) rather than by name, so evaluating a rule reads a table instead of hashing names in
// the FactStore. The Condition stays the data (what the knowledge says, what describe() and traces name); the
// compiled form only points into it, so it must not outlive the knowledge base it was compiled from.
#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/facts/fact_store.hpp"
#include "engine/rules/condition.hpp"

namespace kbdiag {

// Fact names numbered in the order they are first met.
class FactSlots {
public:
    std::size_t add(const std::string& name);                  // the name's slot, numbered when new
    std::optional<std::size_t> find(const std::string& name) const;
    const std::string& name(std::size_t slot) const { return names_[slot]; }
    std::size_t size() const { return names_.size(); }

private:
    std::unordered_map<std::string, std::size_t> index_;
    std::vector<std::string> names_;
};

struct CompiledCondition {
    static constexpr std::size_t no_slot = static_cast<std::size_t>(-1);
    const Condition* source = nullptr;            // kind, operator and literals are read from here
    std::vector<CompiledCondition> children;
    std::size_t left = no_slot;                   // compare: the slot of source->fact
    std::size_t right = no_slot;                  // compare with another fact: its slot
};

// Numbers the condition's facts in `slots` (adding the new ones).
CompiledCondition compile(const Condition& c, FactSlots& slots);

// One FactStore's entries by slot, each looked up by name on first use only (a run reads a few of the facts the
// knowledge base knows). The store may change: forget() a fact once it was set.
class SlotView {
public:
    SlotView(const FactSlots& slots, const FactStore& facts)
        : slots_(slots), facts_(&facts), entries_(slots.size()), looked_up_(slots.size(), false) {}
    const FactEntry* entry(std::size_t slot) const {
        if (!looked_up_[slot]) {
            entries_[slot] = facts_->find(slots_.name(slot));
            looked_up_[slot] = true;
        }
        return entries_[slot];
    }
    void forget(const std::string& name) {
        if (auto slot = slots_.find(name)) looked_up_[*slot] = false;
    }
    // Views another store from now on (e.g. a copy of the one it viewed): every slot is looked up again.
    void rebind(const FactStore& facts) {
        facts_ = &facts;
        looked_up_.assign(looked_up_.size(), false);
    }

private:
    const FactSlots& slots_;
    const FactStore* facts_;
    mutable std::vector<const FactEntry*> entries_;
    mutable std::vector<bool> looked_up_;
};

// What evaluate(*c.source, facts, trace) gives for the store `facts` views, with the same trace. Without a trace it
// stops an all/any once its answer is settled (Kleene: no and anything is no, yes or anything is yes).
Truth evaluate(const CompiledCondition& c, const SlotView& facts, EvalTrace* trace = nullptr);

}  // namespace kbdiag
