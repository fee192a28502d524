// Engine: evaluates the rules that bear on one problem. Native conditions first (cheap, indexed); scripts
// only when their precondition holds and their required facts are known. Unknown facts contribute nothing.
#include "engine/infer/engine.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"

namespace kbdiag {

namespace {

std::vector<std::pair<std::string, std::string>> displayed(const KnowledgeBase& kb, const FactStore& facts,
                                                           const std::vector<std::string>& names) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& name : names) {
        const FactEntry* e = facts.find(name);
        if (!e) continue;
        const FactDef* def = kb.fact(name);
        std::string value = e->state == FactState::known ? to_display(e->value, def ? def->type : FactType::string)
                                                         : std::string("(") + to_string(e->state) + ")";
        out.emplace_back(name, std::move(value));
    }
    return out;
}

// Per problem run: the state one evaluation builds up.
class Run {
public:
    Run(const KnowledgeBase& kb, RuleRuntime* runtime, const EngineOptions& options, const Problem& problem,
        const FactStore& facts, Detail detail, const FactSlots& slots, ScriptMemo* memo, std::size_t expected_findings)
        : kb_(kb), runtime_(runtime), options_(options), detail_(detail), memo_(memo), result_(),
          by_slot_(slots, facts) {
        result_.share_facts(facts);
        causes_.reserve(problem.causes.size());
        for (const auto& link : problem.causes) causes_.push_back(link.cause);
        std::sort(causes_.begin(), causes_.end());
        result_.findings.reserve(expected_findings);
    }
    // A what-if run: derived facts are written into `facts` and taken back by undo_derivations().
    Run(const KnowledgeBase& kb, RuleRuntime* runtime, const EngineOptions& options, const Problem& problem,
        FactStore& facts, const FactSlots& slots, ScriptMemo* memo, std::size_t expected_findings)
        : Run(kb, runtime, options, problem, facts, Detail::findings_only, slots, memo, expected_findings) {
        in_place_ = &facts;
    }
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;

    // Puts back what derive() changed in an in-place run, latest first. Assigning or erasing an existing entry
    // allocates nothing, so this cannot fail halfway.
    void undo_derivations() noexcept {
        for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
            if (it->second) in_place_->put(it->first, std::move(*it->second));
            else in_place_->erase(it->first);
        }
        undo_.clear();
    }

    // `when_text`: r.when described, `when`: r.when compiled (the engine does both once per rule, not per diagnosis).
    // `index`: r's position in the KB (the memo's key).
    void rule(std::size_t index, const RuleDecl& r, const std::string& when_text,
              const std::optional<CompiledCondition>& when_compiled) {
        EvalTrace& trace = trace_;   // reused: its vectors keep their capacity from rule to rule
        trace.used.clear();
        trace.missing.clear();
        Truth when = when_compiled ? evaluate(*when_compiled, by_slot_, traced(trace)) : Truth::yes;
        if (when == Truth::unknown) {
            if (detail_ == Detail::full) near_miss(r, trace.missing, when_text);
            return;
        }
        if (!r.script) return native(r, when, trace, when_text);
        if (when == Truth::no) return;
        scripted(index, r, trace);
    }

    void applicability(const Cause& c) {
        if (!c.applies_to) return;
        EvalTrace trace;
        if (evaluate(*c.applies_to, result_.facts(), traced(trace)) != Truth::no) return;
        Finding f;
        f.cause = c.id;
        f.lr = c.not_applicable_lr;
        if (!in_place_) f.rule = "applies_to:" + c.id;   // a what-if run's findings feed only the posterior
        if (detail_ == Detail::full) {
            f.title = "Does not apply here";
            f.where = c.applies_to->where;
            f.note = c.applies_to_text.empty() ? "applies when " + c.applies_to->describe()
                                               : "applies to " + c.applies_to_text;
            f.facts = displayed(kb_, result_.facts(), trace.used);
        }
        add(std::move(f));
    }

    EngineResult finish() {
        clamp_and_group();
        return std::move(result_);
    }

private:
    const KnowledgeBase& kb_;
    RuleRuntime* runtime_;
    const EngineOptions& options_;
    Detail detail_;
    ScriptMemo* memo_;
    EngineResult result_;
    std::vector<std::string_view> causes_;   // the problem's causes, sorted (views into the problem)
    EvalTrace trace_;
    SlotView by_slot_;   // result_.facts by slot, for the compiled conditions (told when a fact is derived)
    FactStore* in_place_ = nullptr;   // what-if runs: the caller's facts, derived into and restored
    std::vector<std::pair<std::string, std::optional<FactEntry>>> undo_;   // per derivation: the entry it replaced

    // Only a full report shows which facts a finding used and which a near miss lacked: ranking skips the trace.
    EvalTrace* traced(EvalTrace& trace) const { return detail_ == Detail::full ? &trace : nullptr; }

    void native(const RuleDecl& r, Truth when, const EvalTrace& trace, const std::string& when_text) {
        ++result_.rules_run;
        for (const auto& e : r.evidence) {
            if ((when == Truth::no && !e.lr_false) || !is_mine(e.cause)) continue;
            double lr = when == Truth::yes ? e.lr : *e.lr_false;
            // Only a report quotes the condition; ranking records and hypothetical runs never read the note.
            std::string note =
                detail_ != Detail::full ? std::string() : (when == Truth::yes ? "" : "not: ") + when_text;
            add(finding(r, e.cause, lr, std::move(note), trace.used));
        }
        if (when == Truth::yes)
            for (const auto& [fact, value] : r.derive) derive(r, fact, value);
    }

    void scripted(std::size_t index, const RuleDecl& r, const EvalTrace& trace) {
        std::vector<std::string> missing;
        for (const auto& name : r.required)
            if (!result_.facts().is_known(name)) missing.push_back(name);
        if (!missing.empty()) {
            if (detail_ == Detail::full) near_miss(r, missing, fmt::format("needs {}", fmt::join(r.required, ", ")));
            return;
        }
        if (!runtime_ || !runtime_->loaded(*r.script)) return skip(r, "its script did not load");
        ++result_.rules_run;
        if (const ScriptOutcome* seen = memo_ ? memo_->find(index, by_slot_) : nullptr) return outcome(r, trace, *seen);
        ScriptOutcome out = runtime_->run(r, result_.facts());
        if (!out.ok) return failed(r, out);
        if (memo_) return outcome(r, trace, memo_->keep(index, by_slot_, std::move(out)));
        outcome(r, trace, out);
    }

    // A script's successful outcome: its evidence and derived facts.
    void outcome(const RuleDecl& r, const EvalTrace& trace, const ScriptOutcome& out) {
        std::vector<std::string> used;   // only a full report shows the facts a finding used
        if (detail_ == Detail::full) {
            used = trace.used;
            used.insert(used.end(), out.facts_read.begin(), out.facts_read.end());
            std::sort(used.begin(), used.end());
            used.erase(std::unique(used.begin(), used.end()), used.end());
        }
        for (const auto& e : out.evidence) add(finding(r, e.cause, e.lr, in_place_ ? std::string() : e.note, used));
        for (const auto& [fact, value] : out.derived) derive(r, fact, value);
    }

    Finding finding(const RuleDecl& r, const std::string& cause, double lr, std::string note,
                    const std::vector<std::string>& used) const {
        Finding f;
        f.cause = cause;
        f.lr = lr;
        f.group = r.group;
        f.definitive = r.definitive;
        if (in_place_) return f;   // a what-if run's findings feed only the posterior (cause, ratio, group)
        f.rule = r.id;
        if (detail_ != Detail::full) return f;   // a batch record names the rule, nothing more
        f.title = r.title.empty() ? r.id : r.title;
        f.note = std::move(note);
        f.facts = displayed(kb_, result_.facts(), used);
        f.where = r.where;
        return f;
    }

    bool is_mine(std::string_view cause) const { return std::binary_search(causes_.begin(), causes_.end(), cause); }

    void add(Finding f) {
        if (!is_mine(f.cause)) return;   // evidence for causes of other problems
        result_.findings.push_back(std::move(f));
    }

    // Derived facts never replace what a collector or a person said.
    void derive(const RuleDecl& r, const std::string& fact, const FactValue& value) {
        const FactEntry* known = result_.facts().find(fact);
        if (known && known->state == FactState::known) return;
        if (in_place_) {
            undo_.emplace_back(fact, known ? std::optional(*known) : std::nullopt);
            in_place_->set(fact, value, "derived:" + r.id);
            by_slot_.forget(fact);
            return;
        }
        const bool first = !result_.owns_facts();
        FactStore& facts = result_.own_facts();   // the input is copied here, once, when a rule first derives
        facts.set(fact, value, "derived:" + r.id);
        if (first)
            by_slot_.rebind(facts);
        else
            by_slot_.forget(fact);
    }

    void near_miss(const RuleDecl& r, const std::vector<std::string>& missing, std::string condition) {
        if (r.causes.empty()) return;   // derivations are not worth a near miss of their own
        NearMiss m;
        m.rule = r.id;
        m.title = r.title.empty() ? r.id : r.title;
        for (const auto& c : r.causes)
            if (is_mine(c)) m.causes.push_back(c);
        if (m.causes.empty()) return;
        m.missing_facts = askable_facts(kb_, result_.facts(), missing);
        m.condition = std::move(condition);
        m.where = r.where;
        result_.near_misses.push_back(std::move(m));
    }

    // A rule that could not run is skipped; one that failed while running is a rule error. Either is listed once.
    void failed(const RuleDecl& r, const ScriptOutcome& out) {
        if (out.already_reported) return skip(r, out.error.message);   // reported by its first failure
        result_.diagnostics.add(out.error);
        if (out.error.severity != Severity::error) return skip(r, out.error.message);
        const SourceLocation where = out.error.where.empty() ? r.where : out.error.primary();
        result_.rule_errors.push_back(RuleError{r.id, out.error.code, out.error.message, where});
    }

    void skip(const RuleDecl& r, std::string reason) {
        result_.skipped.push_back(SkippedRule{r.id, std::move(reason), r.where});
    }

    // Clamps ratios (unless definitive) and, within a group, counts only the strongest finding per cause.
    void clamp_and_group() {
        for (auto& f : result_.findings) {
            f.applied_lr = f.lr;
            if (!f.definitive) {
                f.applied_lr = std::clamp(f.lr, options_.lr_min, options_.lr_max);
                f.clamped = f.applied_lr != f.lr;
            }
        }
        std::map<std::pair<std::string, std::string>, std::size_t> strongest;
        for (std::size_t i = 0; i < result_.findings.size(); ++i) {
            auto& f = result_.findings[i];
            if (f.group.empty()) continue;
            auto key = std::make_pair(f.cause, f.group);
            auto it = strongest.find(key);
            if (it == strongest.end()) {
                strongest[key] = i;
                continue;
            }
            auto& other = result_.findings[it->second];
            if (std::fabs(std::log(f.applied_lr)) > std::fabs(std::log(other.applied_lr))) {
                other.counted = false;
                it->second = i;
            } else {
                f.counted = false;
            }
        }
    }
};

}  // namespace

std::vector<std::string> askable_facts(const KnowledgeBase& kb, const FactStore& facts,
                                       const std::vector<std::string>& missing) {
    std::set<std::string> out, seen;
    std::vector<std::string> todo = missing;
    while (!todo.empty()) {
        std::string fact = todo.back();
        todo.pop_back();
        if (!seen.insert(fact).second) continue;
        const FactDef* def = kb.fact(fact);
        auto derivers = kb.rules_deriving.find(fact);
        bool derived_only =
            def && def->question.empty() && def->provided_by.empty() && derivers != kb.rules_deriving.end();
        if (!derived_only) {
            out.insert(fact);
            continue;
        }
        for (auto i : derivers->second)
            for (const auto& input : kb.rules[i].inputs())
                if (!facts.is_known(input)) todo.push_back(input);
    }
    return {out.begin(), out.end()};
}

Engine::Engine(std::shared_ptr<const KnowledgeBase> kb, RuleRuntime* runtime, EngineOptions options)
    : kb_(std::move(kb)), runtime_(runtime), options_(options) {
    when_texts_.reserve(kb_->rules.size());
    for (const auto& r : kb_->rules) when_texts_.push_back(r.when ? r.when->describe() : std::string());
    compiled_when_.reserve(kb_->rules.size());
    for (const auto& r : kb_->rules)
        compiled_when_.push_back(r.when ? std::optional(compile(*r.when, fact_slots_)) : std::nullopt);
    script_inputs_.resize(kb_->rules.size());
    for (std::size_t i = 0; i < kb_->rules.size(); ++i)
        if (kb_->rules[i].script)
            for (const auto& name : kb_->rules[i].inputs()) script_inputs_[i].push_back(fact_slots_.add(name));
}

// The rules with evidence for the problem's causes, plus every rule deriving a fact they (or the causes'
// applicability and fix steps) read, transitively. Returned in the KB's evaluation order.
std::vector<std::size_t> Engine::rules_for(const Problem& problem) const {
    std::set<std::size_t> chosen;
    std::vector<std::string> needed;
    auto need_condition = [&](const std::optional<Condition>& c) {
        if (c) for (const auto& f : c->facts()) needed.push_back(f);
    };
    for (const auto& link : problem.causes) {
        auto it = kb_->rules_by_cause.find(link.cause);
        if (it != kb_->rules_by_cause.end()) chosen.insert(it->second.begin(), it->second.end());
        if (const Cause* c = kb_->cause(link.cause)) {
            need_condition(c->applies_to);
            for (const auto& fl : c->fixes)
                if (const Fix* fix = kb_->fix(fl.fix))
                    for (const auto& s : fix->steps) need_condition(s.when);
        }
    }
    for (auto i : chosen)
        for (const auto& f : kb_->rules[i].inputs()) needed.push_back(f);
    std::set<std::string> seen;
    while (!needed.empty()) {
        std::string fact = needed.back();
        needed.pop_back();
        if (!seen.insert(fact).second) continue;
        auto derivers = kb_->rules_deriving.find(fact);
        if (derivers == kb_->rules_deriving.end()) continue;
        for (auto i : derivers->second)
            if (chosen.insert(i).second)
                for (const auto& f : kb_->rules[i].inputs()) needed.push_back(f);
    }
    return {chosen.begin(), chosen.end()};
}

// The KB's problems keep their index (by id); a problem made elsewhere (a test's) gets its own every run.
// (A reference valid until the next call.)
const std::vector<std::size_t>& Engine::planned_rules(const Problem& problem) const {
    auto planned = rules_by_problem_.find(problem.id);
    if (planned != rules_by_problem_.end()) return planned->second;
    auto known = kb_->problems.find(problem.id);
    if (known == kb_->problems.end()) return foreign_plan_ = rules_for(problem);
    return rules_by_problem_.emplace(problem.id, rules_for(known->second)).first->second;
}

EngineResult Engine::run(const Problem& problem, const FactStore& facts, Detail detail, ScriptMemo* memo) const {
    Run run(*kb_, runtime_, options_, problem, facts, detail, fact_slots_, memo, most_findings_);
    for (auto i : planned_rules(problem)) run.rule(i, kb_->rules[i], when_texts_[i], compiled_when_[i]);
    for (const auto& link : problem.causes)
        if (const Cause* c = kb_->cause(link.cause)) run.applicability(*c);
    EngineResult result = run.finish();
    most_findings_ = std::max(most_findings_, result.findings.size());
    return result;
}

std::vector<Finding> Engine::what_if(const Problem& problem, FactStore& facts, ScriptMemo* memo) const {
    Run run(*kb_, runtime_, options_, problem, facts, fact_slots_, memo, most_findings_);
    struct Restore {
        Run& run;
        ~Restore() { run.undo_derivations(); }
    } restore{run};
    for (auto i : planned_rules(problem)) run.rule(i, kb_->rules[i], when_texts_[i], compiled_when_[i]);
    for (const auto& link : problem.causes)
        if (const Cause* c = kb_->cause(link.cause)) run.applicability(*c);
    std::vector<Finding> findings = run.finish().findings;
    most_findings_ = std::max(most_findings_, findings.size());
    return findings;
}

}  // namespace kbdiag
