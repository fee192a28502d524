#pragma once
// Engine: runs the rules relevant to one problem over the facts and collects findings.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/infer/script_memo.hpp"
#include "engine/facts/fact_store.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/rules/compiled_condition.hpp"
#include "engine/rules/rule_runtime.hpp"

namespace kbdiag {

// One piece of evidence: a rule's effect on a cause.
struct Finding {
    std::string cause;
    std::string rule;                  // rule id ("applies_to:<cause>" for applicability)
    std::string title;                 // what the rule checks
    std::string note;                  // why, in the rule's words (scripts) or the condition text
    double lr = 1.0;                   // as given
    double applied_lr = 1.0;           // after clamping
    bool clamped = false;
    std::string group;
    bool definitive = false;
    bool counted = true;               // false when another finding of the same group counted instead
    std::vector<std::pair<std::string, std::string>> facts;   // fact -> displayed value it used
    SourceLocation where;
};

// A rule that could not decide because facts were unknown, and what it would have done.
struct NearMiss {
    std::string rule;
    std::string title;
    std::vector<std::string> causes;
    std::vector<std::string> missing_facts;
    std::string condition;             // readable condition
    SourceLocation where;
};

struct SkippedRule {
    std::string rule;
    std::string reason;
    SourceLocation where;
};

// A rule that failed while it ran (a Lua error, a budget, a contract violation): shown in the report's summary.
struct RuleError {
    std::string rule;
    std::string code;                  // e.g. RULE001
    std::string message;
    SourceLocation where;              // the script's file:line where it failed (else the rule's YAML)
};

struct EngineResult {
    // Inputs plus derived facts. A run whose rules derived nothing shares the FactStore it was given instead of
    // copying it per diagnosis, so a result must not outlive the facts passed to Engine::run.
    const FactStore& facts() const { return input_ ? *input_ : own_; }
    FactStore& own_facts() {             // the result's own copy, made on the first write
        if (input_) own_ = *std::exchange(input_, nullptr);
        return own_;
    }
    bool owns_facts() const { return !input_; }
    void share_facts(const FactStore& input) { input_ = &input; }

    std::vector<Finding> findings;
    std::vector<NearMiss> near_misses;
    std::vector<SkippedRule> skipped;  // rules that could not run (their script did not load)
    std::vector<RuleError> rule_errors;   // rules that failed while running, each once
    Diagnostics diagnostics;           // rule errors with file:line
    std::size_t rules_run = 0;

private:
    const FactStore* input_ = nullptr;
    FactStore own_;
};

// Replaces each unknown fact that only rules derive (no collector, no question) by the unknown facts its
// derivations read, transitively: what a person or a collector could actually supply. Sorted, unique.
std::vector<std::string> askable_facts(const KnowledgeBase& kb, const FactStore& facts,
                                       const std::vector<std::string>& missing);

struct EngineOptions {
    double lr_min = 0.01;              // clamp for non-definitive evidence
    double lr_max = 100.0;
};

// What a run records besides the findings themselves. findings_only (batch records, hypothetical runs): no near
// misses, and each finding carries only what a ranking reads (cause, rule, ratios, group, counted), not the title,
// note, facts and location a report shows: copying those strings was a third of a batch run's allocations.
enum class Detail { full, findings_only };

class Engine {
public:
    Engine(std::shared_ptr<const KnowledgeBase> kb, RuleRuntime* runtime, EngineOptions options = {});
    // Evaluates every rule that bears on `problem`'s causes (and the derivations they need).
    // The result may share `facts` (see EngineResult::facts), hence no temporaries.
    // `memo`: what-if runs of one diagnosis reuse script outcomes through it (script_memo.hpp).
    EngineResult run(const Problem& problem, const FactStore& facts, Detail detail = Detail::full,
                     ScriptMemo* memo = nullptr) const;
    EngineResult run(const Problem& problem, FactStore&& facts, Detail detail = Detail::full,
                     ScriptMemo* memo = nullptr) const = delete;
    // A what-if run (choosing questions): like run() with Detail::findings_only, but derived facts go into
    // `facts` itself and are taken back before it returns, so a run does not copy the facts. The findings only.
    std::vector<Finding> what_if(const Problem& problem, FactStore& facts, ScriptMemo* memo = nullptr) const;
    const KnowledgeBase& kb() const { return *kb_; }
    // An empty memo for one diagnosis's what-if runs.
    ScriptMemo script_memo() const { return ScriptMemo(script_inputs_); }

private:
    const std::vector<std::size_t>& planned_rules(const Problem& problem) const;
    std::vector<std::size_t> rules_for(const Problem& problem) const;
    std::shared_ptr<const KnowledgeBase> kb_;
    RuleRuntime* runtime_;
    // The index per problem, computed on a problem's first run: a process that diagnoses one problem (infer)
    // does not pay for the others. An Engine belongs to one thread (a session's Worker), so no lock.
    mutable std::map<std::string, std::vector<std::size_t>> rules_by_problem_;
    mutable std::vector<std::size_t> foreign_plan_;   // the last run's index for a problem not in the KB
    // The most findings a run has made: the next run reserves that many, so a run on a big knowledge base does
    // not move its findings about as the vector grows (that was a third of a batch run's engine time).
    mutable std::size_t most_findings_ = 0;
    std::vector<std::string> when_texts_;   // per rule: its condition described once (findings quote it)
    // Per rule: its condition compiled against fact_slots_ once, so a run reads facts by slot, not by name.
    FactSlots fact_slots_;
    std::vector<std::optional<CompiledCondition>> compiled_when_;
    std::vector<std::vector<std::size_t>> script_inputs_;   // per rule with a script: its declared facts' slots
    EngineOptions options_;
};

}  // namespace kbdiag
