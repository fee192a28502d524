#pragma once
// Ranker: the single-fault posterior with an explicit "other" cause, the fix plan and the next questions.
// Method (see docs/ranking.md): log P(c|e)/P(other|e) = log(prior_c/prior_other) + sum of log LR, normalised;
// fixes greedily by sum_c P(fix works|c) P(c|e) / cost, re-normalised after each assumed failure, ending
// in escalation; questions by value of information against the expected cost of the plan.
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

class Ranker {
public:
    explicit Ranker(const Engine& engine, RankOptions options = {});
    Ranking rank(const Problem& problem, const FactStore& input_facts, const EngineResult& result) const;

    // Pieces, public for tests.
    static std::vector<RankedCause> posterior(const KnowledgeBase& kb, const Problem& problem,
                                              const std::vector<Finding>& findings);
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
