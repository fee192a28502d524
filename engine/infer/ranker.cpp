// Ranker: posterior with an explicit "other", fix plan by efficiency, next questions by value of information.
#include "engine/infer/ranker.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
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
        if (with_evidence) {
            const Cause* cause = kb.cause(link.cause);
            c.title = cause ? cause->title : link.cause;
        }
        c.prior = link.prior;
        c.log_odds_vs_other = std::log(link.prior / other_prior);
        for (auto i : by_cause[k])   // summed in the findings' order, as before
            if (findings[i].counted) c.log_odds_vs_other += std::log(findings[i].applied_lr);
        if (with_evidence) c.evidence = sorted_evidence(findings, by_cause[k]);
        out.push_back(std::move(c));
    }
    RankedCause other;
    other.id = other_id;
    if (with_evidence) other.title = problem.other_title;
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

// ---- the fix plan ------------------------------------------------------------------------------------------

PlanCostModel::PlanCostModel(const KnowledgeBase& kb, const Problem& problem, const std::vector<RankedCause>& causes,
                             double min_fix_probability)
    : min_fix_probability_(min_fix_probability) {
    std::map<std::string, std::map<std::string, double>> by_fix;   // fix -> cause -> P(works | cause)
    std::set<std::string> ids;   // the ranking's causes and those the fixes address
    for (const auto& c : causes) ids.insert(c.id);
    for (const auto& link : problem.causes)
        if (const Cause* c = kb.cause(link.cause))
            for (const auto& fl : c->fixes)
                if (const Fix* f = kb.fix(fl.fix); f && serves(f->platform, problem.platform)) {
                    by_fix[fl.fix][c->id] = fl.success;
                    ids.insert(c->id);
                }
    cause_ids_.assign(ids.begin(), ids.end());
    for (const auto& [id, by_cause] : by_fix) {
        const Fix* f = kb.fix(id);
        Candidate cand{id, f, f->cost_minutes * risk_factor(f->risk), f->cost_minutes, risk_factor(f->risk), {}};
        for (const auto& [cause, s] : by_cause) cand.terms.emplace_back(index_of(cause), s);
        fixes_.push_back(std::move(cand));
    }
    escalation_cost_ = problem.escalation.cost_minutes;
    escalation_risk_factor_ = risk_factor(PlannedFix{}.risk);
}

// Greedy by efficiency: the fix with the most chance of working per risk-weighted minute (the first in id order on
// a tie), then, assuming it failed, the next, until the best is below min_fix_probability.
template <typename OnChosen>
void PlanCostModel::greedy(std::vector<double> p, OnChosen&& on_chosen) const {
    std::vector<bool> used(fixes_.size(), false);
    for (;;) {
        std::size_t best = fixes_.size();
        double best_eff = -1, best_p = 0;
        for (std::size_t f = 0; f < fixes_.size(); ++f) {
            if (used[f]) continue;
            double pw = 0;
            for (const auto& [cause, s] : fixes_[f].terms) pw += p[cause] * s;
            const double eff = pw / fixes_[f].weighted_cost;
            if (eff > best_eff) {
                best_eff = eff;
                best = f;
                best_p = pw;
            }
        }
        if (best == fixes_.size() || best_p < min_fix_probability_) return;
        on_chosen(fixes_[best], best_p, best_eff, p);
        assume_failed(fixes_[best], p);
        used[best] = true;
    }
}

std::vector<ChosenFix> PlanCostModel::choose(const std::vector<RankedCause>& causes) const {
    std::vector<ChosenFix> out;
    greedy(probabilities_of(causes),
           [&](const Candidate& fix, double p_success, double efficiency, const std::vector<double>& p) {
               out.push_back(ChosenFix{fix.id, fix.fix, p_success, efficiency, addressed_causes(fix, p)});
           });
    return out;
}

double PlanCostModel::expected_cost(const std::vector<RankedCause>& causes) const {
    double cost = 0, still_failing = 1.0;
    greedy(probabilities_of(causes), [&](const Candidate& fix, double p_success, double, const std::vector<double>&) {
        cost += still_failing * fix.cost_minutes * fix.risk_factor;
        still_failing *= 1.0 - p_success;
    });
    return cost + still_failing * escalation_cost_ * escalation_risk_factor_;
}

std::vector<double> PlanCostModel::probabilities_of(const std::vector<RankedCause>& causes) const {
    std::vector<double> p(cause_ids_.size(), 0.0);
    for (const auto& c : causes) {
        const auto i = index_of(c.id);
        if (i == cause_ids_.size())   // a ranking of another problem: its probabilities would not add up here
            throw std::invalid_argument(fmt::format("the fix plan has no cause '{}'", c.id));
        p[i] = c.probability;
    }
    return p;
}

// The causes a fix addresses, most likely first (probabilities `p`, before it failed); ties by id.
std::vector<std::string> PlanCostModel::addressed_causes(const Candidate& fix, const std::vector<double>& p) const {
    std::vector<std::pair<double, std::size_t>> order;   // (-probability, cause index); index order is id order
    for (const auto& [cause, s] : fix.terms) order.emplace_back(-p[cause], cause);
    std::sort(order.begin(), order.end());
    std::vector<std::string> out;
    for (const auto& [neg_p, cause] : order) out.push_back(cause_ids_[cause]);
    return out;
}

std::size_t PlanCostModel::index_of(const std::string& id) const {
    auto it = std::lower_bound(cause_ids_.begin(), cause_ids_.end(), id);
    return it != cause_ids_.end() && *it == id ? static_cast<std::size_t>(it - cause_ids_.begin())
                                               : cause_ids_.size();
}

// The fix was tried and failed: the causes it would have fixed become less likely.
void PlanCostModel::assume_failed(const Candidate& fix, std::vector<double>& p) {
    double total = 0;
    std::size_t t = 0;
    for (std::size_t i = 0; i < p.size(); ++i) {
        while (t < fix.terms.size() && fix.terms[t].first < i) ++t;
        if (t < fix.terms.size() && fix.terms[t].first == i) p[i] *= 1.0 - fix.terms[t].second;
        total += p[i];
    }
    if (total > 0)
        for (auto& x : p) x /= total;
}

namespace {

// A chosen fix as the report shows it: the knowledge's title and risk, and the steps that apply to these facts.
PlannedFix dressed(ChosenFix chosen, const FactStore& facts, bool with_steps) {
    const Fix& fix = *chosen.fix;
    PlannedFix planned;
    planned.id = std::move(chosen.id);
    planned.title = fix.title;
    planned.cost_minutes = fix.cost_minutes;
    planned.risk = fix.risk;
    planned.p_success = chosen.p_success;
    planned.efficiency = chosen.efficiency;
    planned.causes = std::move(chosen.causes);
    if (with_steps) {
        planned.steps = steps_for(fix, facts);
        planned.verify = fix.verify;
    }
    return planned;
}

// The plan's last step, certain to settle it: hand the problem on.
PlannedFix escalation(const Problem& problem) {
    PlannedFix escalate;
    escalate.id = "escalate";
    escalate.title = problem.escalation.title;
    escalate.cost_minutes = problem.escalation.cost_minutes;
    escalate.p_success = 1.0;
    if (!problem.escalation.text.empty()) escalate.steps.push_back(PlannedStep{problem.escalation.text, {}});
    return escalate;
}

}  // namespace

std::vector<PlannedFix> Ranker::plan(const Problem& problem, const std::vector<RankedCause>& causes,
                                     const FactStore& facts) const {
    return plan(problem, PlanCostModel(engine_.kb(), problem, causes, options_.min_fix_probability), causes, facts);
}

std::vector<PlannedFix> Ranker::plan(const Problem& problem, const PlanCostModel& model,
                                     const std::vector<RankedCause>& causes, const FactStore& facts) const {
    std::vector<PlannedFix> out;
    for (auto& chosen : model.choose(causes)) out.push_back(dressed(std::move(chosen), facts, options_.plan_steps));
    out.push_back(escalation(problem));
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
    // One model for the plan and for every hypothetical answer's plan cost: same causes, same fixes.
    const PlanCostModel model(engine_.kb(), problem, r.causes, options_.min_fix_probability);
    r.plan = plan(problem, model, r.causes, result.facts());
    r.expected_cost_minutes = expected_cost(r.plan);
    if (options_.questions) r.questions = questions(problem, input_facts, result, r, model);
    return r;
}

// ---- next questions ---------------------------------------------------------------------------------------

namespace {

void thresholds(const Condition& c, const std::string& fact, std::set<std::int64_t>& out) {
    for (const auto& child : c.children) thresholds(child, fact, out);
    if (c.kind != Condition::Kind::compare || c.fact != fact) return;
    if (!c.operand.literal || !c.operand.literal->is_int()) return;
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
                                        const EngineResult& result, const Ranking& now,
                                        const PlanCostModel& cost_model) const {
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

    // One answer's ranking: the posterior and the plan's expected cost (the plan itself is never shown). The
    // posterior holds the problem's causes and "other", as `now` does, so the model knows every one of them.
    ScriptMemo memo = engine_.script_memo();
    ScriptMemo* reuse = options_.reuse_script_outcomes ? &memo : nullptr;
    auto rank_answer = [&](FactStore& facts) {
        const std::vector<Finding> findings = engine_.what_if(problem, facts, reuse);
        Ranking r;
        r.causes = posterior(kb, problem, findings, false);
        r.expected_cost_minutes = cost_model.expected_cost(r.causes);
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
