#pragma once
// Ranker: the single-fault posterior with an explicit "other" cause, the fix plan and the next questions.
// Method (see docs/ranking.md): log P(c|e)/P(other|e) = log(prior_c/prior_other) + sum of log LR, normalised;
// fixes greedily by sum_c P(fix works|c) P(c|e) / cost, re-normalised after each assumed failure, ending
// in escalation; questions by value of information against the expected cost of the plan.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/infer/engine.hpp"

namespace kbdiag {

struct RankedCause {
    std::string id;                    // "other" for the leak
    std::string title;
    double prior = 0.0;
    double probability = 0.0;
    double log_odds_vs_other = 0.0;
    std::vector<Finding> evidence;     // counted and uncounted, strongest first
};

struct PlannedStep {
    std::string text;
    std::string condition;             // shown when the step's `when` is undecided
};

struct PlannedFix {
    std::string id;                    // "escalate" for the final step
    std::string title;
    double cost_minutes = 0.0;
    Risk risk = Risk::low;
    double p_success = 0.0;            // P(works | still failing before it)
    double efficiency = 0.0;
    std::vector<std::string> causes;   // causes it addresses
    std::vector<PlannedStep> steps;
    std::string verify;
};

struct Question {
    std::string fact;
    std::string question;
    double value = 0.0;                // expected minutes saved (value of information)
    double entropy_gain = 0.0;         // expected reduction in entropy of the posterior (bits)
    std::vector<std::string> causes;   // causes it bears on
    std::string collector;             // a collector that could tell instead, if any
};

struct Ranking {
    std::vector<RankedCause> causes;   // by probability, descending; ties by id. Includes "other".
    double other_probability = 0.0;
    std::vector<PlannedFix> plan;      // ends with escalation
    double expected_cost_minutes = 0.0;
    std::vector<Question> questions;   // most valuable first; empty when nothing is worth asking
};

struct RankOptions {
    double min_fix_probability = 0.02; // leave out fixes whose chance of working is below this
    std::size_t max_questions = 5;
    bool questions = true;
    bool plan_steps = true;            // false: plan for its cost only (question simulation)
};

// The expected cost of the fix plan for one problem, without building the plan: what the value of information
// needs for every hypothetical answer (one ranking per answer of every candidate question). Same greedy order and
// the same arithmetic, in the same order, as Ranker::plan() followed by Ranker::expected_cost(): fixes and causes
// in id order (the maps there), so the result is bit-for-bit the same; tests/unit/test_ranking.cpp
// compares the two on every problem of the shipped knowledge base.
class PlanCostModel {
public:
    PlanCostModel(const KnowledgeBase& kb, const Problem& problem, const std::vector<RankedCause>& causes,
                  double min_fix_probability)
        : min_fix_probability_(min_fix_probability) {
        std::map<std::string, std::map<std::string, double>> by_fix;   // fix -> cause -> P(works | cause)
        std::set<std::string> ids;   // the ranking's causes and the fixes' (plan() adds those at probability 0)
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
            Candidate cand{f->cost_minutes * risk_factor(f->risk), f->cost_minutes, risk_factor(f->risk), {}};
            for (const auto& [cause, s] : by_cause) cand.terms.emplace_back(index_of(cause), s);
            fixes_.push_back(std::move(cand));
        }
        escalation_cost_ = problem.escalation.cost_minutes;
        escalation_risk_factor_ = risk_factor(PlannedFix{}.risk);
    }

    // The expected cost for `causes` (a ranking of the same problem); nullopt when it has a cause the model was
    // not built for (the caller then plans the usual way).
    std::optional<double> expected_cost(const std::vector<RankedCause>& causes) const {
        std::vector<double> p(cause_ids_.size(), 0.0);
        for (const auto& c : causes) {
            const auto i = index_of(c.id);
            if (i == cause_ids_.size()) return std::nullopt;
            p[i] = c.probability;
        }
        std::vector<bool> used(fixes_.size(), false);
        double cost = 0, still_failing = 1.0;
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
            if (best == fixes_.size() || best_p < min_fix_probability_) break;
            cost += still_failing * fixes_[best].cost_minutes * fixes_[best].risk_factor;
            still_failing *= 1.0 - best_p;
            assume_failed(fixes_[best], p);
            used[best] = true;
        }
        return cost + still_failing * escalation_cost_ * escalation_risk_factor_;
    }

private:
    struct Candidate {
        double weighted_cost;   // cost_minutes * risk_factor, as plan() divides by it
        double cost_minutes;
        double risk_factor;
        std::vector<std::pair<std::size_t, double>> terms;   // (cause index, P(works | cause)), causes in id order
    };

    std::size_t index_of(const std::string& id) const {
        auto it = std::lower_bound(cause_ids_.begin(), cause_ids_.end(), id);
        return it != cause_ids_.end() && *it == id ? static_cast<std::size_t>(it - cause_ids_.begin())
                                                   : cause_ids_.size();
    }

    // The fix was tried and failed: the causes it would have fixed become less likely (plan()'s update).
    static void assume_failed(const Candidate& fix, std::vector<double>& p) {
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

    std::vector<std::string> cause_ids_;   // sorted: the order of plan()'s probability map
    std::vector<Candidate> fixes_;         // sorted by fix id: the order of plan()'s candidate map
    double min_fix_probability_;
    double escalation_cost_ = 0;
    double escalation_risk_factor_ = 1;
};

class Ranker {
public:
    explicit Ranker(const Engine& engine, RankOptions options = {});
    Ranking rank(const Problem& problem, const FactStore& input_facts, const EngineResult& result) const;

    // Pieces, public for tests.
    // `with_evidence` false: probabilities and log odds only, no evidence lists (what a hypothetical answer needs).
    static std::vector<RankedCause> posterior(const KnowledgeBase& kb, const Problem& problem,
                                              const std::vector<Finding>& findings, bool with_evidence = true);
    std::vector<PlannedFix> plan(const Problem& problem, const std::vector<RankedCause>& causes,
                                 const FactStore& facts) const;
    static double expected_cost(const std::vector<PlannedFix>& plan);

private:
    std::vector<Question> questions(const Problem& problem, const FactStore& input_facts,
                                    const EngineResult& result, const Ranking& now) const;
    const Engine& engine_;
    RankOptions options_;
};

}  // namespace kbdiag
