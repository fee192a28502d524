#pragma once
// The engine's view of scripted rules. The engine does not know Lua exists: bindings/lua implements this.
#include <memory>
#include <string>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/facts/fact_store.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

struct ScriptEvidence {
    std::string cause;
    double lr = 1.0;
    std::string note;           // the rule's own words on why
};

struct ScriptOutcome {
    std::vector<ScriptEvidence> evidence;
    std::vector<std::pair<std::string, FactValue>> derived;   // already checked against the catalog type
    std::vector<std::string> facts_read;                      // sorted, unique: facts the script asked for
    bool ok = true;                                           // false: `error` says why; effects are discarded
    Diagnostic error;
    bool already_reported = false;   // the rule failed earlier in this diagnosis: `error` was reported then
};

struct RuntimeLimits {
    std::uint64_t instructions_per_call = 1'000'000;   // Lua VM instructions per rule call
    std::size_t memory_per_state = 32u << 20;          // bytes for the whole Lua state
    std::size_t memory_per_call = 16u << 20;           // growth one call may make over the heap at its start
    std::uint32_t milliseconds_per_call = 1'000;       // wall clock per call, library calls included (0: none)
    // One diagnosis (its run, the what-if runs that choose questions, a triage's runs): when spent, the rules
    // not yet run are not run.
    std::uint64_t instructions_per_diagnosis = 200'000'000;
    std::uint32_t milliseconds_per_diagnosis = 10'000;
    std::uint32_t milliseconds_per_rule_per_diagnosis = 2'000;   // one rule's calls together (a slow rule x what-if)
};

class RuleRuntime {
public:
    virtual ~RuleRuntime() = default;
    // Compiles every script the KB's rules use. Compile and load errors become diagnostics (KB009)
    // with file:line; rules whose script failed to load are then skipped with a diagnostic.
    virtual void load(const KnowledgeBase& kb, Diagnostics& diagnostics) = 0;
    virtual bool loaded(const ScriptRef& script) const = 0;
    // Runs one rule's script over the facts. Never throws; errors and blown budgets come back in the outcome.
    // A rule that failed once in a diagnosis is not run again in it (already_reported).
    virtual ScriptOutcome run(const RuleDecl& rule, const FactStore& facts) = 0;
    // Starts a diagnosis: forgets which rules failed and refills the diagnosis-wide budget.
    virtual void begin_diagnosis() {}
};

}  // namespace kbdiag
