// The scenario runner behind `kbdiag kb test`.
#include "engine/core/text.hpp"
#include "engine/scenarios/scenario_runner.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "engine/infer/engine.hpp"
#include "engine/infer/ranker.hpp"
#include "engine/report/report.hpp"

namespace kbdiag {

namespace {

using text::lower;

std::string pct(double p) { return fmt::format("{:.1f}%", 100.0 * p); }

const RankedCause* find_cause(const Ranking& rk, const std::string& id) {
    for (const auto& c : rk.causes)
        if (c.id == id) return &c;
    return nullptr;
}

// Evidence lines for one cause: why it has the probability it has.
void explain_cause(const Ranking& rk, const std::string& id, const std::string& label,
                   std::vector<std::string>& out) {
    const RankedCause* c = find_cause(rk, id);
    if (!c) {
        out.push_back(fmt::format("{} {}: not a cause of this problem", label, id));
        return;
    }
    out.push_back(fmt::format("{} {}: {} (prior {})", label, id, pct(c->probability), pct(c->prior)));
    std::size_t shown = 0;
    for (const auto& f : c->evidence) {
        if (!f.counted) continue;
        std::vector<std::string> used;
        for (const auto& [name, value] : f.facts) used.push_back(name + "=" + value);
        out.push_back(fmt::format("  {} {}{}{}", format_lr(f.applied_lr), f.rule,
                                  used.empty() ? "" : " [" + fmt::format("{}", fmt::join(used, ", ")) + "]",
                                  f.where.known() ? " at " + f.where.file_line() : ""));
        ++shown;
    }
    if (shown == 0) out.push_back("  no evidence: prior only");
}

bool plan_contains_text(const Ranking& rk, const std::string& needle) {
    const std::string n = lower(needle);
    for (const auto& fx : rk.plan) {
        if (lower(fx.title).find(n) != std::string::npos) return true;
        if (lower(fx.verify).find(n) != std::string::npos) return true;
        for (const auto& s : fx.steps)
            if (lower(s.text).find(n) != std::string::npos) return true;
    }
    return false;
}

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

bool ScenarioRun::coverage_ok() const {
    return std::all_of(coverage.begin(), coverage.end(), [](const CoverageRow& r) { return r.ok; });
}

ScenarioRun run_scenarios(std::shared_ptr<const KnowledgeBase> kb, RuleRuntime* runtime,
                          const ScenarioRunOptions& options) {
    ScenarioRun run;
    run.coverage_checked = options.filter.empty();
    Engine engine(kb, runtime);
    RankOptions rank_options;
    rank_options.questions = false;   // scenarios check causes and plans; questions cost time
    Ranker ranker(engine, rank_options);

    std::map<std::pair<std::string, std::string>, CoverageRow> coverage;
    for (const auto& [pid, problem] : kb->problems)
        for (const auto& link : problem.causes) {
            CoverageRow row;
            row.problem = pid;
            row.cause = link.cause;
            coverage[{pid, link.cause}] = row;
        }
    std::set<std::string> exercised;

    for (const auto& sc : kb->scenarios) {
        if (!options.filter.empty() && sc.id.find(options.filter) == std::string::npos) continue;
        ScenarioResult res;
        res.id = sc.id;
        res.description = sc.description;
        res.where = sc.where;
        auto fail = [&](std::string check, std::string expected, std::string actual, SourceLocation where = {}) {
            res.failures.push_back(
                {std::move(check), std::move(expected), std::move(actual), where.known() ? where : sc.where});
        };

        FactStore facts;
        for (const auto& [name, loose] : sc.facts) {
            auto wi = sc.fact_where.find(name);
            const SourceLocation where = wi != sc.fact_where.end() ? wi->second : sc.where;
            const FactDef* def = kb->fact(name);
            if (!def) {
                fail("facts", "a fact in the catalog", "unknown fact '" + name + "'", where);
                continue;
            }
            const std::string source = "scenario:" + sc.id;
            if (loose.is_string() && loose.as_string() == "(absent)") {
                facts.set_absent(name, source, "scenario");
                continue;
            }
            if (loose.is_string() && loose.as_string() == "(failed)") {
                facts.set_failed(name, source, "scenario");
                continue;
            }
            ParseResult pr = coerce(loose, def->type, def->values, def->fields);
            if (!pr.value) {
                fail("facts", std::string("a value of type ") + to_string(def->type),
                     "fact '" + name + "': " + pr.error, where);
                continue;
            }
            facts.set(name, *pr.value, source);
        }

        const Problem* problem = kb->find_problem_by_code(sc.error);
        if (!problem) {
            fail("error", "a problem for error code '" + sc.error + "'", "no problem has this code");
        } else {
            res.problem = problem->id;
            const auto& ex = sc.expect;
            auto is_cause_of = [&](const std::string& cause) {
                if (cause == "other") return true;
                return std::any_of(problem->causes.begin(), problem->causes.end(),
                                   [&](const CauseLink& l) { return l.cause == cause; });
            };
            if (!ex.top.empty()) {
                if (auto it = coverage.find({problem->id, ex.top}); it != coverage.end()) ++it->second.positive;
                if (!is_cause_of(ex.top))
                    fail("top", "a cause of problem " + problem->id, "'" + ex.top + "' is not one");
            }
            for (const auto& nt : ex.not_top) {
                if (auto it = coverage.find({problem->id, nt}); it != coverage.end()) ++it->second.negative;
                if (!is_cause_of(nt)) fail("not_top", "a cause of problem " + problem->id, "'" + nt + "' is not one");
            }

            if (runtime) runtime->begin_diagnosis();   // each scenario is a diagnosis of its own
            EngineResult er = engine.run(*problem, facts);
            Ranking rk = ranker.rank(*problem, facts, er);
            res.diagnostics = er.diagnostics;
            for (const auto& c : rk.causes) res.ranking.push_back({c.id, c.probability});
            for (const auto& fx : rk.plan) res.plan.push_back(fx.id);

            std::set<std::string> effect;
            for (const auto& f : er.findings)
                if (!starts_with(f.rule, "applies_to:")) effect.insert(f.rule);
            for (const auto& [name, entry] : er.facts().entries())
                if (starts_with(entry.source, "derived:")) effect.insert(entry.source.substr(8));
            res.rules_with_effect.assign(effect.begin(), effect.end());
            exercised.insert(effect.begin(), effect.end());

            const std::string actual_top = rk.causes.empty() ? std::string("(none)") : rk.causes.front().id;
            std::vector<std::string> actual_order;
            for (const auto& c : rk.causes) actual_order.push_back(c.id);
            bool explain = false;
            std::string expected_top = ex.top;

            if (!ex.top.empty() && actual_top != ex.top) {
                fail("top", ex.top, actual_top);
                explain = true;
            }
            for (const auto& nt : ex.not_top)
                if (actual_top == nt) {
                    fail("not_top", "not " + nt, actual_top);
                    explain = true;
                }
            if (!ex.order.empty()) {
                std::vector<std::string> lead(actual_order.begin(),
                                              actual_order.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                                         actual_order.size(), ex.order.size())));
                if (lead != ex.order) {
                    fail("order", fmt::format("{}", fmt::join(ex.order, " > ")),
                         fmt::format("{}", fmt::join(lead, " > ")));
                    explain = true;
                    if (expected_top.empty()) expected_top = ex.order.front();
                }
            }
            if (ex.min_probability) {
                const std::string id = ex.top.empty() ? actual_top : ex.top;
                const RankedCause* c = find_cause(rk, id);
                const double p = c ? c->probability : 0.0;
                if (p + 1e-12 < *ex.min_probability) {
                    fail("min_probability", fmt::format("{} >= {}", id, pct(*ex.min_probability)),
                         fmt::format("{} = {}", id, pct(p)));
                    explain = true;
                }
            }
            for (const auto& fx : ex.fixes)
                if (std::find(res.plan.begin(), res.plan.end(), fx) == res.plan.end())
                    fail("fixes", fx + " in the plan", "plan: " + fmt::format("{}", fmt::join(res.plan, ", ")));
            if (!ex.first_fix.empty()) {
                const std::string first = res.plan.empty() ? std::string("(empty plan)") : res.plan.front();
                if (first != ex.first_fix) fail("first_fix", ex.first_fix, first);
            }
            for (const auto& text : ex.step_contains)
                if (!plan_contains_text(rk, text))
                    fail("step_contains", "a plan step containing \"" + text + "\"", "not found");
            for (const auto& text : ex.step_not_contains)
                if (plan_contains_text(rk, text))
                    fail("step_not_contains", "no plan step containing \"" + text + "\"", "found");

            if (explain) {
                if (!expected_top.empty() && expected_top != actual_top)
                    explain_cause(rk, expected_top, "expected", res.difference);
                explain_cause(rk, actual_top, "actual", res.difference);
            }
            for (const auto& d : er.diagnostics.items())
                if (d.severity == Severity::error)
                {
                    std::string text = format_diagnostic(d, false);
                    if (auto nl = text.find('\n'); nl != std::string::npos) text.resize(nl);
                    fail("rules", "rules run without errors", text, d.primary());
                }
        }
        res.passed = res.failures.empty();
        if (res.passed)
            ++run.passed;
        else
            ++run.failed;
        run.results.push_back(std::move(res));
    }

    // A filtered run reports coverage only for what its scenarios could cover: the causes of their problems, and
    // the rules giving evidence for those causes. The whole knowledge's gaps are a full run's business.
    std::set<std::string> problems, causes;
    for (const auto& r : run.results) problems.insert(r.problem);
    for (auto& [key, row] : coverage) {
        if (!run.coverage_checked && !problems.count(row.problem)) continue;
        row.ok = row.positive >= options.min_positive && row.negative >= options.min_negative;
        causes.insert(row.cause);
        run.coverage.push_back(row);
    }
    for (const auto& rule : kb->rules) {
        if (exercised.count(rule.id)) continue;
        const bool could = std::any_of(rule.causes.begin(), rule.causes.end(),
                                       [&](const std::string& c) { return causes.count(c) != 0; });
        if (run.coverage_checked || could) run.unexercised.push_back({rule.id, rule.where});
    }
    return run;
}

std::string render_scenarios_text(const ScenarioRun& run, bool color, int width) {
    const int w = std::max(40, width);
    auto paint = [&](const std::string& text, const char* code) {
        return color ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : text;
    };
    std::string out;
    out += paint("SCENARIOS", "1") + "\n";
    if (run.results.empty()) out += "  (no scenarios selected)\n";
    for (const auto& r : run.results) {
        std::string head = wrap(r.id + (r.passed ? "" : "  (" + r.where.file_line() + ")"), w,
                    r.passed ? "  PASS  " : "  FAIL  ", "        ");
        if (r.passed) {
            out += head;
            continue;
        }
        out += paint(head.substr(0, head.size() - 1), "31") + "\n";
        for (const auto& f : r.failures) {
            std::string text = f.check + ": expected " + f.expected + "; got " + f.actual;
            if (f.where.known() && f.where.to_string() != r.where.to_string())
                text += " (" + f.where.to_string() + ")";
            out += wrap(text, w, "        - ", "          ");
        }
        if (!r.ranking.empty()) {
            std::vector<std::string> parts;
            for (std::size_t i = 0; i < r.ranking.size() && i < 5; ++i)
                parts.push_back(r.ranking[i].id + " " + pct(r.ranking[i].probability));
            out += wrap(fmt::format("{}", fmt::join(parts, ", ")), w, "        ranking: ", "          ");
        }
        if (!r.plan.empty()) out += wrap(fmt::format("{}", fmt::join(r.plan, ", ")), w, "        plan: ", "          ");
        for (const auto& line : r.difference) out += wrap(line, w, "        ", "            ");
    }

    out += "\n" + paint("COVERAGE", "1") + " (each cause: >= 2 scenarios expecting it first, >= 1 not first)\n";
    if (!run.coverage_checked)
        out += "  (a filter selected a subset: only its problems' causes are shown, and not enforced)\n";
    std::string problem;
    for (const auto& row : run.coverage) {
        if (row.problem != problem) {
            problem = row.problem;
            out += wrap(problem, w, "  ", "    ");
            out += fmt::format("    {:<44} {:>5} {:>9}\n", "cause", "first", "not first");
        }
        // A filtered run does not judge coverage: the counts only, no TOO FEW for what other scenarios cover.
        const char* verdict = !run.coverage_checked ? "" : row.ok ? "ok" : "TOO FEW";
        std::string line = fmt::format("    {:<44} {:>5} {:>9}  {}", row.cause, row.positive, row.negative, verdict);
        if (display_width(line) > w) {
            out += wrap(row.cause, w, "    ", "      ");
            line = fmt::format("    {:<44} {:>5} {:>9}  {}", "", row.positive, row.negative, verdict);
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += (row.ok || !run.coverage_checked ? line : paint(line, "31")) + "\n";
    }

    if (!run.coverage_checked && !run.unexercised.empty()) {   // one line: the list is a full run's business
        out += "\n" + wrap(fmt::format("{} rule(s) giving evidence for these causes were not exercised by the selected "
                                       "scenarios (--format json lists them; a full kb test checks them)",
                                       run.unexercised.size()),
                           w, "  note: ", "    ");
    } else if (!run.unexercised.empty()) {
        out += "\n" + paint("RULES NO SCENARIO EXERCISED", "1") + " (warnings)\n";
        for (const auto& u : run.unexercised)
            out += wrap(u.id + (u.where.known() ? " (" + u.where.file_line() + ")" : ""), w,
                        "  warning: ", "    ");
    }

    out += "\n";
    std::string summary = fmt::format("{} scenarios: {} passed, {} failed; coverage {}; {} rules {}",
                                      run.results.size(), run.passed, run.failed,
                                      !run.coverage_checked ? "not checked" : run.coverage_ok() ? "ok" : "FAILS",
                                      run.unexercised.size(),
                                      run.coverage_checked ? "never exercised" : "of their causes not exercised");
    std::string wrapped = wrap(summary, w, "", "  ");
    if (!wrapped.empty() && wrapped.back() == '\n') wrapped.pop_back();
    out += paint(wrapped, run.ok() ? "32" : "31") + "\n";
    return out;
}

std::string render_scenarios_json(const ScenarioRun& run) {
    using nlohmann::json;
    json j;
    j["schema"] = "kbdiag-scenarios/1";
    json results = json::array();
    for (const auto& r : run.results) {
        json failures = json::array();
        for (const auto& f : r.failures)
            failures.push_back(json{{"check", f.check},
                                    {"expected", f.expected},
                                    {"actual", f.actual},
                                    {"location", f.where.to_string()}});
        json ranking = json::array();
        for (const auto& c : r.ranking)
            ranking.push_back(json{{"id", c.id}, {"probability", round_to(c.probability, 4)}});
        json diags = json::array();
        for (const auto& d : r.diagnostics.items()) diags.push_back(diagnostic_to_json(d));
        results.push_back(json{{"id", r.id},
                               {"description", r.description},
                               {"problem", r.problem},
                               {"location", r.where.file_line()},
                               {"passed", r.passed},
                               {"failures", failures},
                               {"ranking", ranking},
                               {"plan", r.plan},
                               {"difference", r.difference},
                               {"rules_with_effect", r.rules_with_effect},
                               {"diagnostics", diags}});
    }
    j["scenarios"] = results;
    json coverage = json::array();
    for (const auto& row : run.coverage)
        coverage.push_back(json{{"problem", row.problem},
                                {"cause", row.cause},
                                {"positive", row.positive},
                                {"negative", row.negative},
                                {"ok", row.ok}});
    j["coverage"] = coverage;
    j["coverage_checked"] = run.coverage_checked;
    j["coverage_ok"] = run.coverage_ok();
    json unexercised = json::array();
    for (const auto& u : run.unexercised)
        unexercised.push_back(json{{"rule", u.id}, {"location", u.where.file_line()}});
    j["unexercised_rules"] = unexercised;
    j["passed"] = run.passed;
    j["failed"] = run.failed;
    j["ok"] = run.ok();
    return dump_json(j);
}

}  // namespace kbdiag
