#pragma once
// ScriptMemo: the outcomes of rule scripts in one diagnosis's what-if runs, reused when the facts a script may
// read hold the same values again.
//
// Choosing questions re-runs the problem's rules once per possible answer of every candidate fact, and each
// answer changes one fact. A script can read only the facts its rule declares (requires, reads and its
// condition's facts: RuleCall refuses any other), and the knowledge contract is that a rule's outcome depends on
// nothing else (knowledge/README.md, "Rule scripts are functions of their facts"). So a run that finds every
// declared fact as an earlier run saw it reuses that run's outcome instead of calling Lua again. Only
// successful outcomes are kept: a failure is run again, so it is reported exactly as without the memo.
//
// One memo per diagnosis, on the thread that runs it; never shared.
#include <cstddef>
#include <optional>
#include <vector>

#include "engine/facts/fact_store.hpp"
#include "engine/rules/compiled_condition.hpp"
#include "engine/rules/rule_runtime.hpp"

namespace kbdiag {

class ScriptMemo {
public:
    // `inputs[i]`: the slots of rule i's declared facts (empty for a rule without a script).
    explicit ScriptMemo(const std::vector<std::vector<std::size_t>>& inputs) : inputs_(inputs), kept_(inputs.size()) {}

    // The outcome an earlier call of rule `rule` gave over the same values of its declared facts, or null.
    const ScriptOutcome* find(std::size_t rule, const SlotView& facts) const;
    // Keeps a successful outcome of rule `rule` over `facts`; returns it (kept or not).
    const ScriptOutcome& keep(std::size_t rule, const SlotView& facts, ScriptOutcome outcome);

    std::size_t reused() const { return reused_; }

private:
    // What a script could see of one fact: absent from the store, or its state and (when known) its value.
    struct Seen {
        bool present = false;
        FactState state = FactState::known;
        FactValue value;
        bool matches(const FactEntry* entry) const;
    };
    struct Kept {
        std::vector<Seen> seen;   // in the order of inputs_[rule]
        ScriptOutcome outcome;
    };
    // A rule whose facts take more values than this in one diagnosis runs again for the rest.
    static constexpr std::size_t kMaxKeptPerRule = 32;

    const std::vector<std::vector<std::size_t>>& inputs_;
    std::vector<std::vector<Kept>> kept_;   // per rule
    mutable std::size_t reused_ = 0;
    std::optional<ScriptOutcome> last_;     // an outcome not kept (limit reached), returned by keep()
};

}  // namespace kbdiag
