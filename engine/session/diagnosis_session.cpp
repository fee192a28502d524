// DiagnosisSession: problem choice, one diagnosis, and the no-error triage across the problem family.
#include "engine/session/diagnosis_session.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/infer/engine.hpp"
#include "engine/infer/ranker.hpp"

namespace kbdiag {

// One thread's tools: a rule runtime (a Lua state) and the engine bound to it.
struct DiagnosisSession::Worker {
    std::unique_ptr<RuleRuntime> runtime;
    std::unique_ptr<Engine> engine;
};

// Returns the worker to the pool however diagnose() leaves.
class DiagnosisSession::Lease {
public:
    Lease(const DiagnosisSession& s) : session_(s), worker_(s.acquire()) {}
    ~Lease() { session_.release(std::move(worker_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Worker& operator*() const { return *worker_; }

private:
    const DiagnosisSession& session_;
    std::unique_ptr<Worker> worker_;
};

DiagnosisSession::DiagnosisSession(std::shared_ptr<const KnowledgeBase> kb, RuntimeFactory make_runtime)
    : kb_(std::move(kb)), make_runtime_(std::move(make_runtime)) {
    idle_.push_back(make_worker(load_diagnostics_));
    load_diagnostics_.sort();
}

DiagnosisSession::~DiagnosisSession() = default;

std::unique_ptr<DiagnosisSession::Worker> DiagnosisSession::make_worker(Diagnostics& diagnostics) const {
    auto w = std::make_unique<Worker>();
    w->runtime = make_runtime_ ? make_runtime_() : nullptr;
    if (w->runtime) w->runtime->load(*kb_, diagnostics);
    w->engine = std::make_unique<Engine>(kb_, w->runtime.get());
    return w;
}

std::unique_ptr<DiagnosisSession::Worker> DiagnosisSession::acquire() const {
    {
        std::lock_guard lock(pool_mutex_);
        if (!idle_.empty()) {
            auto w = std::move(idle_.back());
            idle_.pop_back();
            return w;
        }
    }
    Diagnostics again;   // the same scripts compile the same way: the first worker's diagnostics stand
    return make_worker(again);
}

void DiagnosisSession::release(std::unique_ptr<Worker> worker) const {
    if (!worker) return;
    std::lock_guard lock(pool_mutex_);
    idle_.push_back(std::move(worker));
}

std::optional<std::string> platform_mismatch_note(const Problem& problem, const FactStore& facts) {
    const FactValue* os = facts.value("host.os");
    if (!os || !os->is_string() || problem.platform == Platform::any) return std::nullopt;
    const auto host = platform_from_string(os->as_string());
    if (!host || serves(*host, problem.platform)) return std::nullopt;
    auto name = [](Platform p) { return p == Platform::windows_os ? "Windows" : "Linux"; };
    return fmt::format("The facts were collected on a {} machine, but this is a {} error: that client's own "
                       "settings are unknown here. Run `kbdiag collect` on the client that shows the error.",
                       name(*host), name(problem.platform));
}

const Problem* DiagnosisSession::problem_for(const DiagnosisRequest& request, std::string* typed,
                                             std::string* how) const {
    auto say = [&](std::string t, std::string h) {
        if (typed) *typed = std::move(t);
        if (how) *how = std::move(h);
    };
    if (!request.error.empty()) {
        const Problem* p = kb_->find_problem_by_code(request.error);
        if (!p) throw UnknownErrorCode(request.error);
        say(request.error, {});
        return p;
    }
    if (const FactValue* code = request.facts.value("error.code"); code && code->is_string())
        if (const Problem* p = kb_->find_problem_by_code(code->as_string())) {
            say(code->as_string(), fmt::format("No --error given: the snapshot says the error is '{}'.",
                                               code->as_string()));
            return p;
        }
    if (kb_->problems.size() == 1) {
        const Problem& p = kb_->problems.begin()->second;
        say(p.codes.empty() ? p.id : p.codes.front(),
            fmt::format("No --error given: the knowledge base knows one problem ({}), so it was used.", p.id));
        return &p;
    }
    say({}, {});
    return nullptr;
}

Report DiagnosisSession::diagnose(const DiagnosisRequest& request) const {
    std::string typed, how;
    const Problem* problem = problem_for(request, &typed, &how);
    std::vector<std::string> notes = request.notes;
    if (!how.empty()) notes.push_back(how);
    Lease lease(*this);
    if ((*lease).runtime) (*lease).runtime->begin_diagnosis();
    if (!problem) return triage(*lease, request, std::move(notes));
    return diagnose_problem(*lease, *problem, typed, request, std::move(notes));
}

namespace {

ReportInput report_input(const KnowledgeBase& kb, const DiagnosisRequest& request) {
    ReportInput in;
    in.kb = &kb;
    in.snapshot = request.snapshot;
    in.host_name = request.host_name;
    if (in.host_name.empty())
        if (const FactValue* h = request.facts.value("host.name"); h && h->is_string()) in.host_name = h->as_string();
    in.collectors = request.collectors;
    in.diagnostics = request.diagnostics;
    return in;
}

}  // namespace

Report DiagnosisSession::diagnose_problem(Worker& w, const Problem& problem, const std::string& typed,
                                          const DiagnosisRequest& request, std::vector<std::string> notes) const {
    if (auto note = platform_mismatch_note(problem, request.facts)) notes.push_back(*note);
    EngineResult result = w.engine->run(problem, request.facts, request.detail);
    RankOptions rank_options;
    rank_options.questions = request.questions;
    Ranking ranking = Ranker(*w.engine, rank_options).rank(problem, request.facts, result);

    ReportInput in = report_input(*kb_, request);
    in.problem = &problem;
    in.error_as_typed = typed;
    in.result = &result;
    in.notes = std::move(notes);
    return build_report(in, std::move(ranking));
}

// ---- Triage: no error known ------------------------------------------------------------------------------------

namespace {

// The problems worth diagnosing on this machine: those of its platform (all when the platform is unknown).
std::vector<const Problem*> problems_for_host(const KnowledgeBase& kb, const FactStore& facts) {
    std::optional<Platform> host;
    if (const FactValue* os = facts.value("host.os"); os && os->is_string())
        host = platform_from_string(os->as_string());
    std::vector<const Problem*> out;
    for (const auto& [id, p] : kb.problems)
        if (!host || serves(p.platform, *host)) out.push_back(&p);
    return out;   // by id: the KB's map is sorted
}

// How far the counted evidence moved a cause: the product of the applied LRs, computed in logs so definitive
// evidence (LR 0 or huge) stays finite.
double evidence_factor(const RankedCause& c) {
    double log_sum = 0.0;
    for (const auto& f : c.evidence)
        if (f.counted) log_sum += std::log(std::clamp(f.applied_lr, 1e-12, 1e12));
    return std::exp(std::clamp(log_sum, -27.0, 27.0));
}

std::vector<std::string> evidence_reasons(const RankedCause& c) {
    std::vector<std::pair<double, std::string>> strong;
    for (const auto& f : c.evidence)
        if (f.counted && f.applied_lr > 1.0) strong.emplace_back(f.applied_lr, f.title.empty() ? f.rule : f.title);
    std::stable_sort(strong.begin(), strong.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (const auto& [lr, text] : strong)
        if (std::find(out.begin(), out.end(), text) == out.end() && out.size() < 3) out.push_back(text);
    return out;
}

// The fix with the best chance of working per minute for this cause, among those of the problem's platform.
std::string best_fix_title(const KnowledgeBase& kb, const Cause& cause, Platform platform) {
    const Fix* best = nullptr;
    double best_rate = -1.0;
    for (const auto& link : cause.fixes) {
        const Fix* fx = kb.fix(link.fix);
        if (!fx || !serves(fx->platform, platform)) continue;
        const double rate = link.success / std::max(1.0, fx->cost_minutes * risk_factor(fx->risk));
        if (rate > best_rate) best = fx, best_rate = rate;
    }
    return best ? best->title : std::string();
}

bool better_entry(const TriageEntry& a, const TriageEntry& b) {
    if (a.evidence_factor != b.evidence_factor) return a.evidence_factor > b.evidence_factor;
    if (a.probability != b.probability) return a.probability > b.probability;
    if (a.cause_id != b.cause_id) return a.cause_id < b.cause_id;
    return a.problem_id < b.problem_id;
}

bool any_fact_with_prefix(const FactStore& facts, const std::string& prefix) {
    for (auto it = facts.entries().lower_bound(prefix); it != facts.entries().end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) break;
        if (it->second.state == FactState::known) return true;
    }
    return false;
}

std::string string_fact(const FactStore& facts, const std::string& name) {
    const FactValue* v = facts.value(name);
    return v && v->is_string() ? v->as_string() : std::string();
}

std::vector<std::string> triage_next_steps(const std::vector<TriageEntry>& entries, const FactStore& facts) {
    std::vector<std::string> steps;
    std::vector<std::string> codes;
    for (const auto& e : entries)
        for (const auto& c : e.codes)
            if (std::find(codes.begin(), codes.end(), c) == codes.end() && codes.size() < 4) codes.push_back(c);
    steps.push_back(fmt::format("Tell kbdiag the error the user saw, for a ranked diagnosis and a fix plan: "
                                "`kbdiag infer --error CODE`{}.",
                                codes.empty() ? "" : fmt::format(" (e.g. {})", fmt::join(codes, ", "))));
    if (!any_fact_with_prefix(facts, "server.")) {
        const std::string server = string_fact(facts, "target.server");
        const std::string share = string_fact(facts, "target.share");
        const std::string target = server.empty() ? "\\\\SERVER\\SHARE"
                                                  : fmt::format("\\\\{}\\{}", server, share.empty() ? "SHARE" : share);
        steps.push_back(fmt::format("Ask the file server what it accepts (dialects, signing, guest, NTLM): "
                                    "`kbdiag collect --target {}`, then `kbdiag infer` again.",
                                    target));
    }
    return steps;
}


TriageEntry triage_entry(const KnowledgeBase& kb, const Problem& problem, const Cause& cause, const RankedCause& rc) {
    TriageEntry e;
    e.problem_id = problem.id;
    e.problem_title = problem.title;
    e.cause_id = rc.id;
    e.cause_title = rc.title;
    e.probability = rc.probability;
    e.prior = rc.prior;
    e.evidence_factor = evidence_factor(rc);
    e.evidence = evidence_reasons(rc);
    e.first_fix = best_fix_title(kb, cause, problem.platform);
    if (!problem.codes.empty()) e.codes.push_back(problem.codes.front());   // its own error first
    return e;
}

// Causes the facts point to come first; without any, the likeliest ones for their error, so the answer is never
// empty. Each entry lists the errors its cause shows as, the one of the problem it stands strongest in first.
Triage rank_triage(std::map<std::string, TriageEntry> best_by_cause,
                   std::map<std::string, std::vector<std::string>> codes_by_cause) {
    constexpr std::size_t max_entries = 8;
    std::vector<TriageEntry> pointed, rest;
    for (auto& [id, e] : best_by_cause) {
        for (auto& code : codes_by_cause[id])
            if (std::find(e.codes.begin(), e.codes.end(), code) == e.codes.end()) e.codes.push_back(std::move(code));
        (e.evidence_factor > 1.0 ? pointed : rest).push_back(std::move(e));
    }
    std::sort(pointed.begin(), pointed.end(), better_entry);
    std::sort(rest.begin(), rest.end(), better_entry);
    Triage t;
    t.entries = pointed.empty() ? std::move(rest) : std::move(pointed);
    if (t.entries.size() > max_entries) t.entries.resize(max_entries);
    return t;
}

}  // namespace

Report DiagnosisSession::triage(Worker& w, const DiagnosisRequest& request, std::vector<std::string> notes) const {
    const auto problems = problems_for_host(*kb_, request.facts);
    std::map<std::string, TriageEntry> best_by_cause;       // one entry per cause: where it stands strongest
    std::map<std::string, std::vector<std::string>> codes_by_cause;
    EngineResult combined;                                  // what the report shows: the evidence that pointed
    combined.share_facts(request.facts);
    std::set<std::string> skipped_seen;

    for (const Problem* problem : problems) {
        EngineResult result = w.engine->run(*problem, request.facts, request.detail);
        combined.rules_run += result.rules_run;
        combined.diagnostics.append(result.diagnostics);
        for (auto& s : result.skipped)
            if (skipped_seen.insert(s.rule).second) combined.skipped.push_back(s);
        for (const RankedCause& rc : Ranker::posterior(*kb_, *problem, result.findings)) {
            const Cause* cause = kb_->cause(rc.id);
            if (!cause) continue;   // "other"
            if (!problem->codes.empty()) codes_by_cause[rc.id].push_back(problem->codes.front());
            TriageEntry e = triage_entry(*kb_, *problem, *cause, rc);
            if (e.evidence_factor > 1.0)
                for (const auto& f : rc.evidence)
                    if (f.counted && f.applied_lr > 1.0) combined.findings.push_back(f);
            auto [it, fresh] = best_by_cause.try_emplace(rc.id, e);
            if (!fresh && better_entry(e, it->second)) it->second = std::move(e);
        }
    }

    Triage triage = rank_triage(std::move(best_by_cause), std::move(codes_by_cause));
    triage.problems_considered = problems.size();
    triage.next_steps = triage_next_steps(triage.entries, request.facts);
    if (!triage.entries.empty() && triage.entries.front().evidence_factor <= 1.0)
        notes.push_back("Nothing on this machine points to one cause yet: these are the likeliest causes of the "
                        "errors they show as.");

    ReportInput in = report_input(*kb_, request);
    in.result = &combined;
    in.notes = std::move(notes);
    Report report = build_report(in);
    report.is_triage = true;
    report.triage = std::move(triage);
    report.near_misses.clear();   // per-problem near misses say nothing until the error is known
    return report;
}

}  // namespace kbdiag
