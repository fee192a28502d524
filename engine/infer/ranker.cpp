// Ranker: posterior with an explicit "other", fix plan by efficiency, next questions by value of information.
#include "engine/infer/ranker.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <fmt/format.h>

namespace kbdiag {

namespace {

constexpr const char* other_id = "other";

double entropy_bits(const std::vector<RankedCause>& causes) {
    double h = 0;
    for (const auto& c : causes)
        if (c.probability > 0) h -= c.probability * std::log2(c.probability);
    return h;
}

std::map<std::string, double> probabilities(const std::vector<RankedCause>& causes) {
    std::map<std::string, double> p;
    for (const auto& c : causes) p[c.id] = c.probability;
    return p;
}

std::map<std::string, double> log_odds(const std::vector<RankedCause>& causes) {
    std::map<std::string, double> l;
    for (const auto& c : causes) l[c.id] = c.log_odds_vs_other;
    return l;
}

// A cause's evidence, strongest first: counted before uncounted, then by |log LR|, ties in the findings' order. Sorts
// positions with each strength computed once, then copies each finding once (not moved about by the sort).
std::vector<Finding> sorted_evidence(const std::vector<Finding>& findings, const std::vector<std::size_t>& mine) {
    struct Key {
        bool counted;
        double strength;
        std::size_t index;
    };
    std::vector<Key> keys;
    keys.reserve(mine.size());
    for (auto i : mine) keys.push_back(Key{findings[i].counted, std::fabs(std::log(findings[i].applied_lr)), i});
    std::stable_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
        if (a.counted != b.counted) return a.counted;
        return a.strength > b.strength;
    });
    std::vector<Finding> out;
    out.reserve(keys.size());
    for (const auto& k : keys) out.push_back(findings[k.index]);
    return out;
}

// For each of the problem's causes (in its order), the positions of the findings about it: one pass over the
// findings, not one per cause.
std::vector<std::vector<std::size_t>> findings_by_cause(const Problem& problem, const std::vector<Finding>& findings) {
    std::map<std::string_view, std::size_t> position;   // a cause's first place in the problem
    for (std::size_t i = 0; i < problem.causes.size(); ++i) position.emplace(problem.causes[i].cause, i);
    std::vector<std::vector<std::size_t>> out(problem.causes.size());
    for (std::size_t i = 0; i < findings.size(); ++i)
        if (auto it = position.find(findings[i].cause); it != position.end()) out[it->second].push_back(i);
    for (std::size_t i = 0; i < problem.causes.size(); ++i)   // a cause listed twice gets its findings twice
        if (const auto first = position.at(problem.causes[i].cause); first != i) out[i] = out[first];
    return out;
}

}  // namespace

Ranker::Ranker(const Engine& engine, RankOptions options) : engine_(engine), options_(options) {}

std::vector<RankedCause> Ranker::posterior(const KnowledgeBase& kb, const Problem& problem,
                                           const std::vector<Finding>& findings, bool with_evidence) {
    const double other_prior = std::max(problem.other_prior, 1e-9);
    const auto by_cause = findings_by_cause(problem, findings);
    std::vector<RankedCause> out;
    out.reserve(problem.causes.size() + 1);
    for (std::size_t k = 0; k < problem.causes.size(); ++k) {
        const CauseLink& link = problem.causes[k];
        RankedCause c;
        c.id = link.cause;
        const Cause* cause = kb.cause(link.cause);
        c.title = cause ? cause->title : link.cause;
        c.prior = link.prior;
        c.log_odds_vs_other = std::log(link.prior / other_prior);
        for (auto i : by_cause[k])   // summed in the findings' order, as before
            if (findings[i].counted) c.log_odds_vs_other += std::log(findings[i].applied_lr);
        if (with_evidence) c.evidence = sorted_evidence(findings, by_cause[k]);
        out.push_back(std::move(c));
    }
    RankedCause other;
    other.id = other_id;
    other.title = problem.other_title;
    other.prior = problem.other_prior;
    out.push_back(std::move(other));
    // Normalise in log space (log-sum-exp) so extreme evidence does not overflow.
    double top = -INFINITY;
    for (const auto& c : out) top = std::max(top, c.log_odds_vs_other);
    double sum = 0;
    for (const auto& c : out) sum += std::exp(c.log_odds_vs_other - top);
    for (auto& c : out) c.probability = std::exp(c.log_odds_vs_other - top) / sum;
    std::stable_sort(out.begin(), out.end(), [](const RankedCause& a, const RankedCause& b) {
        if (a.probability != b.probability) return a.probability > b.probability;
        return a.id < b.id;
    });
    return out;
}

static std::vector<PlannedStep> steps_for(const Fix& fix, const FactStore& facts) {
    std::vector<PlannedStep> out;
    for (const auto& s : fix.steps) {
        Truth t = s.when ? evaluate(*s.when, facts) : Truth::yes;
        if (t == Truth::no) continue;
        PlannedStep step{s.text, {}};
        if (t == Truth::unknown) step.condition = s.when_text.empty() ? s.when->describe() : s.when_text;
        out.push_back(std::move(step));
    }
    return out;
}

std::vector<PlannedFix> Ranker::plan(const Problem& problem, const std::vector<RankedCause>& causes,
                                     const FactStore& facts) const {
    const KnowledgeBase& kb = engine_.kb();
    auto p = probabilities(causes);
    // success[fix][cause] = P(fix works | cause), with the fix and, per cause (in the same order), where its current
    // probability is: the greedy loop below reads them for every fix at every step.
    struct Candidate {
        const Fix* fix = nullptr;
        std::map<std::string, double> by_cause;
        std::vector<std::pair<const double*, double>> terms;   // (&p[cause], P(works | cause)) in by_cause's order
    };
    std::map<std::string, Candidate> success;
    for (const auto& link : problem.causes)
        if (const Cause* c = kb.cause(link.cause))
            for (const auto& fl : c->fixes)
                if (const Fix* f = kb.fix(fl.fix); f && serves(f->platform, problem.platform)) {
                    success[fl.fix].fix = f;
                    success[fl.fix].by_cause[c->id] = fl.success;
                }
    for (auto& [fix_id, candidate] : success)   // map nodes stay put: the pointers hold until p is gone
        for (const auto& [cause, s] : candidate.by_cause) candidate.terms.emplace_back(&p[cause], s);

    std::vector<PlannedFix> out;
    while (!success.empty()) {
        std::string best;
        double best_eff = -1, best_p = 0;
        for (const auto& [fix_id, candidate] : success) {
            double pw = 0;
            for (const auto& [prob, s] : candidate.terms) pw += *prob * s;
            const Fix* fix = candidate.fix;
            double eff = pw / (fix->cost_minutes * risk_factor(fix->risk));
            if (eff > best_eff) {   // map order breaks ties by id
                best_eff = eff;
                best = fix_id;
                best_p = pw;
            }
        }
        if (best_p < options_.min_fix_probability) break;
        const Fix* fix = success[best].fix;
        PlannedFix planned;
        planned.id = best;
        planned.title = fix->title;
        planned.cost_minutes = fix->cost_minutes;
        planned.risk = fix->risk;
        planned.p_success = best_p;
        planned.efficiency = best_eff;
        std::vector<std::pair<double, std::string>> addressed;
        for (const auto& [cause, s] : success[best].by_cause) addressed.emplace_back(-p[cause], cause);
        std::sort(addressed.begin(), addressed.end());
        for (const auto& [neg_p, cause] : addressed) planned.causes.push_back(cause);
        if (options_.plan_steps) {
            planned.steps = steps_for(*fix, facts);
            planned.verify = fix->verify;
        }
        // Assume it failed: the causes it would have fixed become less likely.
        double total = 0;
        const auto& failed = success[best].by_cause;
        for (auto& [cause, prob] : p) {
            auto it = failed.find(cause);
            if (it != failed.end()) prob *= 1.0 - it->second;
            total += prob;
        }
        if (total > 0)
            for (auto& [cause, prob] : p) prob /= total;
        success.erase(best);
        out.push_back(std::move(planned));
    }
    PlannedFix escalate;
    escalate.id = "escalate";
    escalate.title = problem.escalation.title;
    escalate.cost_minutes = problem.escalation.cost_minutes;
    escalate.p_success = 1.0;
    if (!problem.escalation.text.empty()) escalate.steps.push_back(PlannedStep{problem.escalation.text, {}});
    out.push_back(std::move(escalate));
    return out;
}

double Ranker::expected_cost(const std::vector<PlannedFix>& plan) {
    double cost = 0, still_failing = 1.0;
    for (const auto& f : plan) {
        cost += still_failing * f.cost_minutes * risk_factor(f.risk);
        still_failing *= 1.0 - f.p_success;
    }
    return cost;
}

Ranking Ranker::rank(const Problem& problem, const FactStore& input_facts, const EngineResult& result) const {
    Ranking r;
    r.causes = posterior(engine_.kb(), problem, result.findings);
    for (const auto& c : r.causes)
        if (c.id == other_id) r.other_probability = c.probability;
    r.plan = plan(problem, r.causes, result.facts());
    r.expected_cost_minutes = expected_cost(r.plan);
    if (options_.questions) r.questions = questions(problem, input_facts, result, r);
    return r;
}

// ---- next questions ---------------------------------------------------------------------------------------

namespace {

void thresholds(const Condition& c, const std::string& fact, std::set<std::int64_t>& out) {
    for (const auto& child : c.children) thresholds(child, fact, out);
    if (c.kind != Condition::Kind::compare || c.fact != fact || !c.operand.literal || !c.operand.literal->is_int()) return;
    auto v = c.operand.literal->as_int();
    out.insert(v);
    out.insert(c.op == CompareOp::lt || c.op == CompareOp::ge ? v - 1 : v + 1);
}

void literals(const Condition& c, const std::string& fact, std::set<std::string>& out) {
    for (const auto& child : c.children) literals(child, fact, out);
    if (c.kind != Condition::Kind::compare || c.fact != fact) return;
    if (c.operand.literal && c.operand.literal->is_string()) out.insert(c.operand.literal->as_string());
    for (const auto& v : c.operand.set)
        if (v.is_string()) out.insert(v.as_string());
}

// Values worth trying for a fact: those that change how some condition on it evaluates.
std::vector<FactValue> outcomes(const KnowledgeBase& kb, const FactDef& def) {
    std::vector<const Condition*> conditions;
    for (const auto& r : kb.rules)
        if (r.when) conditions.push_back(&*r.when);
    for (const auto& [id, c] : kb.causes)
        if (c.applies_to) conditions.push_back(&*c.applies_to);
    std::vector<FactValue> out;
    switch (def.type) {
        case FactType::boolean:
            return {FactValue{true}, FactValue{false}};
        case FactType::enumeration:
            for (const auto& v : def.values) out.emplace_back(v);
            return out;
        case FactType::integer:
        case FactType::timestamp: {
            std::set<std::int64_t> points;
            for (auto* c : conditions) thresholds(*c, def.id, points);
            for (auto v : points) out.emplace_back(v);
            return out;
        }
        case FactType::string: {
            std::set<std::string> values;
            for (auto* c : conditions) literals(*c, def.id, values);
            for (const auto& v : values) out.emplace_back(v);
            if (!out.empty()) out.emplace_back(std::string("\x01(something else)"));
            return out;
        }
        default:
            return out;
    }
}

}  // namespace

std::vector<Question> Ranker::questions(const Problem& problem, const FactStore& input_facts,
                                        const EngineResult& result, const Ranking& now) const {
    const KnowledgeBase& kb = engine_.kb();
    std::map<std::string, std::set<std::string>> candidates;   // fact -> causes it bears on
    for (const auto& m : result.near_misses)
        for (const auto& f : m.missing_facts)
            if (!result.facts().is_known(f)) candidates[f].insert(m.causes.begin(), m.causes.end());
    for (const auto& link : problem.causes)
        if (const Cause* c = kb.cause(link.cause); c && c->applies_to) {
            EvalTrace trace;
            if (evaluate(*c->applies_to, result.facts(), &trace) == Truth::unknown)
                for (const auto& f : askable_facts(kb, result.facts(), trace.missing)) candidates[f].insert(c->id);
        }

    RankOptions quiet = options_;
    quiet.questions = false;
    quiet.plan_steps = false;
    Ranker inner(engine_, quiet);
    const PlanCostModel cost_model(kb, problem, now.causes, options_.min_fix_probability);
    // One answer's ranking: the posterior and the plan's expected cost (the plan itself is never shown).
    auto rank_answer = [&](const FactStore& facts) {
        const EngineResult run = engine_.run(problem, facts, Detail::findings_only);
        Ranking r;
        r.causes = posterior(kb, problem, run.findings, false);
        if (auto cost = cost_model.expected_cost(r.causes)) r.expected_cost_minutes = *cost;
        else r = inner.rank(problem, facts, run);
        return r;
    };
    // One copy of the facts for all hypothetical answers: each answer is set, then the fact is put back as it was.
    FactStore hypothetical = input_facts;
    const double h_now = entropy_bits(now.causes);
    const auto p_now = probabilities(now.causes);
    const auto l_now = log_odds(now.causes);
    std::vector<Question> out;
    for (const auto& [fact, causes] : candidates) {
        const FactDef* def = kb.fact(fact);
        if (!def || (def->question.empty() && def->provided_by.empty())) continue;
        if (!serves(def->platform, problem.platform)) continue;   // no Windows questions for a Linux error
        auto values = outcomes(kb, *def);
        if (values.size() < 2) continue;
        // For each answer: the ranking it would give, and how much more likely it makes each cause.
        std::vector<Ranking> after;
        for (const auto& v : values) {
            hypothetical.set(fact, v, "hypothetical");
            after.push_back(rank_answer(hypothetical));
        }
        if (const FactEntry* was = input_facts.find(fact)) hypothetical.put(fact, *was);
        else hypothetical.erase(fact);
        // P(answer) = sum_c P(c) P(answer | c), with P(answer | c) proportional to the ratio the answer gives c.
        std::map<std::string, std::vector<double>> ratio;
        for (std::size_t k = 0; k < after.size(); ++k)
            for (const auto& [id, l] : log_odds(after[k].causes)) ratio[id].push_back(std::exp(l - l_now.at(id)));
        std::vector<double> p_answer(values.size(), 0.0);
        for (const auto& [id, rs] : ratio) {
            double total = 0;
            for (double x : rs) total += x;
            for (std::size_t k = 0; k < rs.size(); ++k) p_answer[k] += p_now.at(id) * rs[k] / total;
        }
        double expected_after = 0, h_after = 0;
        for (std::size_t k = 0; k < after.size(); ++k) {
            expected_after += p_answer[k] * after[k].expected_cost_minutes;
            h_after += p_answer[k] * entropy_bits(after[k].causes);
        }
        Question q;
        q.fact = fact;
        q.question = def->question.empty() ? fmt::format("What is {}? ({})", fact, def->meaning) : def->question;
        q.value = now.expected_cost_minutes - (def->ask_cost_minutes + expected_after);
        q.entropy_gain = h_now - h_after;
        q.causes.assign(causes.begin(), causes.end());
        if (!def->provided_by.empty()) q.collector = def->provided_by.front();
        out.push_back(std::move(q));
    }
    // Worth asking: positive value of information; failing that, a real reduction in uncertainty per minute.
    std::vector<Question> worth;
    for (const auto& q : out)
        if (q.value > 1e-6) worth.push_back(q);
    auto by_value = [](const Question& a, const Question& b) {
        if (a.value != b.value) return a.value > b.value;
        return a.fact < b.fact;
    };
    std::sort(worth.begin(), worth.end(), by_value);
    if (worth.empty()) {
        for (const auto& q : out)
            if (q.entropy_gain > 0.05) worth.push_back(q);
        std::sort(worth.begin(), worth.end(), [&](const Question& a, const Question& b) {
            double ea = a.entropy_gain / std::max(kb.fact(a.fact)->ask_cost_minutes, 0.1);
            double eb = b.entropy_gain / std::max(kb.fact(b.fact)->ask_cost_minutes, 0.1);
            if (ea != eb) return ea > eb;
            return a.fact < b.fact;
        });
    }
    if (worth.size() > options_.max_questions) worth.resize(options_.max_questions);
    return worth;
}

}  // namespace kbdiag
