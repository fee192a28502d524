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
    bool plan_steps = true;            // false: the plan without steps or verify text (its order and cost only)
    // What-if runs reuse script outcomes over unchanged facts (engine/infer/script_memo.hpp); false: every
    // what-if run calls every script (tests compare the two).
    bool reuse_script_outcomes = true;
};

// One fix the greedy plan chose, in the order it is tried: what Ranker::plan() dresses into a PlannedFix.
struct ChosenFix {
    std::string id;
    const Fix* fix = nullptr;          // in the knowledge base the model was built from
    double p_success = 0.0;            // P(works | still failing before it)
    double efficiency = 0.0;           // p_success per risk-weighted minute: what the greedy order maximises
    std::vector<std::string> causes;   // causes it addresses, most likely first (ties by id)
};

// The fix plan's greedy selection for one problem, the only copy of it: Ranker::plan() dresses the fixes it chooses
// (titles, steps), and the value of information asks it for the plan's expected cost alone, once per hypothetical
// answer of every candidate question, so the loop runs on cause indexes and plain vectors. Fixes and causes are
// in id order: ties go to the smaller id. tests/unit/test_ranking.cpp checks the choices against a plain
// map-based greedy and expected_cost() against Ranker::expected_cost() of the plan, bit for bit, on every problem
// of the shipped knowledge base.
class PlanCostModel {
public:
    // `causes`: a ranking of `problem` (Ranker::posterior()'s causes and "other"); the rankings later passed in must
    // hold no other causes.
    PlanCostModel(const KnowledgeBase& kb, const Problem& problem, const std::vector<RankedCause>& causes,
                  double min_fix_probability);

    // The fixes to try, in order, while one is likely enough to work; escalation is not among them.
    std::vector<ChosenFix> choose(const std::vector<RankedCause>& causes) const;
    // The expected minutes of choose()'s plan followed by escalation: Ranker::expected_cost() of the plan, with the
    // same arithmetic in the same order. Throws std::invalid_argument for a cause the model was not built for.
    double expected_cost(const std::vector<RankedCause>& causes) const;

private:
    struct Candidate {
        std::string id;
        const Fix* fix;
        double weighted_cost;   // cost_minutes * risk_factor: the efficiency's divisor
        double cost_minutes;
        double risk_factor;
        std::vector<std::pair<std::size_t, double>> terms;   // (cause index, P(works | cause)), causes in id order
    };

    // Calls on_chosen(fix, p_success, efficiency, probabilities before it failed) for each fix the plan tries.
    template <typename OnChosen>
    void greedy(std::vector<double> p, OnChosen&& on_chosen) const;
    std::vector<double> probabilities_of(const std::vector<RankedCause>& causes) const;
    std::vector<std::string> addressed_causes(const Candidate& fix, const std::vector<double>& p) const;
    std::size_t index_of(const std::string& id) const;
    static void assume_failed(const Candidate& fix, std::vector<double>& p);

    std::vector<std::string> cause_ids_;   // sorted: a cause's index is its place here
    std::vector<Candidate> fixes_;         // sorted by fix id
    double min_fix_probability_;
    double escalation_cost_ = 0;
    double escalation_risk_factor_ = 1;
};

class Ranker {
public:
    explicit Ranker(const Engine& engine, RankOptions options = {});
    Ranking rank(const Problem& problem, const FactStore& input_facts, const EngineResult& result) const;

    // Pieces, public for tests.
    // `with_evidence` false: ids, probabilities and log odds only, no titles and no evidence lists (what a
    // hypothetical answer needs).
    static std::vector<RankedCause> posterior(const KnowledgeBase& kb, const Problem& problem,
                                              const std::vector<Finding>& findings, bool with_evidence = true);
    std::vector<PlannedFix> plan(const Problem& problem, const std::vector<RankedCause>& causes,
                                 const FactStore& facts) const;
    static double expected_cost(const std::vector<PlannedFix>& plan);

private:
    std::vector<PlannedFix> plan(const Problem& problem, const PlanCostModel& model,
                                 const std::vector<RankedCause>& causes, const FactStore& facts) const;
    std::vector<Question> questions(const Problem& problem, const FactStore& input_facts, const EngineResult& result,
                                    const Ranking& now, const PlanCostModel& cost_model) const;
    const Engine& engine_;
    RankOptions options_;
};

}  // namespace kbdiag
