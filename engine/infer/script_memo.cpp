#include "engine/infer/script_memo.hpp"

namespace kbdiag {

bool ScriptMemo::Seen::matches(const FactEntry* entry) const {
    if (!entry) return !present;
    if (!present || entry->state != state) return false;
    return state != FactState::known || entry->value == value;
}

const ScriptOutcome* ScriptMemo::find(std::size_t rule, const SlotView& facts) const {
    const std::vector<std::size_t>& slots = inputs_[rule];
    for (const Kept& k : kept_[rule]) {
        bool same = true;
        for (std::size_t i = 0; same && i < slots.size(); ++i) same = k.seen[i].matches(facts.entry(slots[i]));
        if (same) {
            ++reused_;
            return &k.outcome;
        }
    }
    return nullptr;
}

const ScriptOutcome& ScriptMemo::keep(std::size_t rule, const SlotView& facts, ScriptOutcome outcome) {
    std::vector<Kept>& kept = kept_[rule];
    if (!outcome.ok || kept.size() >= kMaxKeptPerRule) return last_.emplace(std::move(outcome));
    Kept k;
    for (std::size_t slot : inputs_[rule]) {
        Seen s;
        if (const FactEntry* e = facts.entry(slot)) {
            s.present = true;
            s.state = e->state;
            if (e->state == FactState::known) s.value = e->value;
        }
        k.seen.push_back(std::move(s));
    }
    k.outcome = std::move(outcome);
    kept.push_back(std::move(k));
    return kept.back().outcome;
}

}  // namespace kbdiag
