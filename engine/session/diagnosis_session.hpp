#pragma once
// DiagnosisSession: the knowledge base and the rule runtimes loaded once; diagnose() many times, from several
// threads. `infer`, `consult` and `kb test`-style callers go through it; the CLI only reads inputs and renders.
//
// Shared by all threads (read-only after construction): the KnowledgeBase. Per thread: a Worker (one
// RuleRuntime, i.e. one Lua state, and the Engine bound to it, with the rule index of each problem it ran),
// leased from a pool for the length of one diagnose() call and created on first demand, so N threads cost at
// most N Lua states and a state is never used by two threads at once.
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/collect/collector.hpp"
#include "engine/core/diagnostic.hpp"
#include "engine/facts/fact_store.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/report/report.hpp"
#include "engine/rules/rule_runtime.hpp"

namespace kbdiag {

// Makes one rule runtime (the engine does not know Lua: bindings/lua supplies LuaRuleRuntime).
using RuntimeFactory = std::function<std::unique_ptr<RuleRuntime>()>;

// The error a caller named matches no problem of the knowledge base.
struct UnknownErrorCode : std::runtime_error {
    explicit UnknownErrorCode(const std::string& typed)
        : std::runtime_error("'" + typed + "' matches no problem in the knowledge base"), error(typed) {}
    std::string error;
};

// One diagnosis: the facts (snapshot merged with manual ones) and what to say around them.
struct DiagnosisRequest {
    FactStore facts;
    std::string error;                      // as typed; empty: the `error.code` fact, else a triage
    bool questions = true;                  // compute what is worth checking next (the costly part)
    // findings_only: no near misses, and findings without titles, notes, facts or locations (a batch record shows
    // none of them; in the shipped knowledge, near misses are most of a diagnosis's cost).
    Detail detail = Detail::full;
    // Carried into the report as they are:
    std::string snapshot;                   // path, or empty
    std::string host_name;                  // empty: the `host.name` fact
    std::vector<CollectorReport> collectors;
    Diagnostics diagnostics;                // snapshot and load diagnostics to show
    std::vector<std::string> notes;
};

class DiagnosisSession {
public:
    // Compiles the rules once (with the first runtime) so load diagnostics are known before any diagnosis.
    DiagnosisSession(std::shared_ptr<const KnowledgeBase> kb, RuntimeFactory make_runtime);
    ~DiagnosisSession();
    DiagnosisSession(const DiagnosisSession&) = delete;
    DiagnosisSession& operator=(const DiagnosisSession&) = delete;

    // Thread-safe. Picks the problem (request.error, else the `error.code` fact, else the only problem, else a
    // triage across the problems of this machine's platform) and returns the report model.
    // Throws UnknownErrorCode when request.error names no problem.
    Report diagnose(const DiagnosisRequest& request) const;

    // The problem a diagnosis of `request` would use, or nullptr for a triage. Throws UnknownErrorCode.
    const Problem* problem_for(const DiagnosisRequest& request, std::string* typed = nullptr,
                               std::string* how = nullptr) const;

    const KnowledgeBase& kb() const { return *kb_; }
    std::shared_ptr<const KnowledgeBase> kb_ptr() const { return kb_; }
    // Script compile/load diagnostics (KB009 ...), from the first runtime.
    const Diagnostics& load_diagnostics() const { return load_diagnostics_; }

private:
    struct Worker;
    class Lease;
    std::unique_ptr<Worker> acquire() const;
    void release(std::unique_ptr<Worker> worker) const;
    std::unique_ptr<Worker> make_worker(Diagnostics& diagnostics) const;

    Report diagnose_problem(Worker& w, const Problem& problem, const std::string& typed,
                            const DiagnosisRequest& request, std::vector<std::string> notes) const;
    Report triage(Worker& w, const DiagnosisRequest& request, std::vector<std::string> notes) const;

    std::shared_ptr<const KnowledgeBase> kb_;
    RuntimeFactory make_runtime_;
    Diagnostics load_diagnostics_;
    mutable std::mutex pool_mutex_;
    mutable std::vector<std::unique_ptr<Worker>> idle_;
};

// A note when the facts were collected on another kind of client than the problem's (a Windows error diagnosed
// from a Linux snapshot): that client's own settings are then unknown, not fine.
std::optional<std::string> platform_mismatch_note(const Problem& problem, const FactStore& facts);

}  // namespace kbdiag
