// render_json(): the report as JSON, schema "kbdiag-report/1". Deterministic: nlohmann::json keeps object
// keys sorted; arrays keep the report's order (causes by probability); numbers are rounded.
#include <map>

#include <utility>

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "engine/report/report.hpp"

namespace kbdiag {

namespace {

using nlohmann::json;

double r4(double v) { return round_to(v, 4); }

// Fact name -> its typed JSON value (null unless known), from the report's facts.
using TypedFacts = std::map<std::string, json>;

TypedFacts typed_facts(const Report& r) {
    TypedFacts typed;
    for (const auto& f : r.facts) typed[f.name] = f.typed;
    return typed;
}

// The values a finding used, typed as in `facts[]`. A fact the report does not list (a report not made by
// build_report) keeps its displayed text.
// The objects a report has one of per finding or per fact are filled member by member: nlohmann's initializer-list
// constructor first makes each {key, value} pair an array and then copies it into the object, which was most of a
// full record's cost. The keys come out sorted either way.
json evidence_json(const Finding& f, const TypedFacts& typed) {
    json facts = json::object();
    for (const auto& [name, value] : f.facts) {
        const auto it = typed.find(name);
        facts[name] = it != typed.end() ? it->second : json(value);
    }
    json j = json::object();
    j["rule"] = f.rule;
    j["title"] = f.title;
    j["note"] = f.note;
    j["lr"] = r4(f.lr);
    j["applied_lr"] = r4(f.applied_lr);
    j["clamped"] = f.clamped;
    j["counted"] = f.counted;
    j["definitive"] = f.definitive;
    j["group"] = f.group;
    j["facts"] = std::move(facts);
    j["location"] = f.where.file_line();
    return j;
}

json fact_json(const ReportFact& f) {
    json j = json::object();
    j["name"] = f.name;
    j["value"] = f.typed;
    j["state"] = f.state;
    j["source"] = f.source;
    j["note"] = f.note;
    return j;
}

json facts_json(const std::vector<ReportFact>& list) {
    json facts = json::array();
    for (const auto& f : list) facts.push_back(fact_json(f));
    return facts;
}

json triage_json(const Triage& t) {
    json entries = json::array();
    for (const auto& e : t.entries)
        entries.push_back(json{{"problem_id", e.problem_id},
                               {"problem_title", e.problem_title},
                               {"codes", e.codes},
                               {"cause_id", e.cause_id},
                               {"cause_title", e.cause_title},
                               {"probability", r4(e.probability)},
                               {"prior", r4(e.prior)},
                               {"evidence_factor", r4(e.evidence_factor)},
                               {"evidence", e.evidence},
                               {"first_fix", e.first_fix}});
    return json{
        {"entries", std::move(entries)}, {"problems_considered", t.problems_considered}, {"next_steps", t.next_steps}};
}

}  // namespace

json diagnostic_to_json(const Diagnostic& d) {
    json where = json::array();
    for (const auto& loc : d.where) where.push_back(loc.to_string());
    return json{{"code", d.code},
                {"severity", to_string(d.severity)},
                {"message", d.message},
                {"location", d.primary().to_string()},
                {"where", where},
                {"snippet", d.snippet}};
}

json report_to_json(const Report& r) {
    json j;
    j["schema"] = r.schema;
    j["kbdiag_version"] = r.kbdiag_version;
    j["problem"] = json{{"id", r.problem_id},
                        {"title", r.problem_title},
                        {"message", r.problem_message},
                        {"error", r.error_as_typed},
                        {"article_notes", r.article_notes}};
    j["host"] = r.host_name;
    j["snapshot"] = r.snapshot;
    j["rules_run"] = r.rules_run;
    j["notes"] = r.notes;

    const TypedFacts typed = typed_facts(r);
    json causes = json::array();
    for (const auto& c : r.ranking.causes) {
        json jc{{"id", c.id},
                {"title", c.title},
                {"probability", r4(c.probability)},
                {"prior", r4(c.prior)},
                {"log_odds_vs_other", r4(c.log_odds_vs_other)}};
        json ev = json::array();
        for (const auto& f : c.evidence) ev.push_back(evidence_json(f, typed));
        jc["evidence"] = std::move(ev);
        json fixes = json::array();
        auto info = r.cause_info.find(c.id);
        if (info != r.cause_info.end()) {
            for (const auto& fx : info->second.fixes)
                fixes.push_back(json{{"id", fx.id},
                                     {"title", fx.title},
                                     {"success", r4(fx.success)},
                                     {"cost_minutes", r4(fx.cost_minutes)},
                                     {"risk", fx.risk}});
            jc["applies_to"] = info->second.applies_to;
            jc["location"] = info->second.location;
        }
        jc["fixes"] = std::move(fixes);
        causes.push_back(std::move(jc));
    }
    j["causes"] = std::move(causes);
    j["other_probability"] = r4(r.ranking.other_probability);
    j["expected_cost_minutes"] = r4(r.ranking.expected_cost_minutes);

    json plan = json::array();
    for (const auto& fx : r.ranking.plan) {
        json steps = json::array();
        for (const auto& s : fx.steps) steps.push_back(json{{"text", s.text}, {"condition", s.condition}});
        plan.push_back(json{{"id", fx.id},
                            {"title", fx.title},
                            {"cost_minutes", r4(fx.cost_minutes)},
                            {"risk", to_string(fx.risk)},
                            {"p_success", r4(fx.p_success)},
                            {"efficiency", r4(fx.efficiency)},
                            {"causes", fx.causes},
                            {"steps", std::move(steps)},
                            {"verify", fx.verify}});
    }
    j["plan"] = std::move(plan);

    json questions = json::array();
    for (const auto& q : r.ranking.questions)
        questions.push_back(json{{"fact", q.fact},
                                 {"question", q.question},
                                 {"value", r4(q.value)},
                                 {"entropy_gain", r4(q.entropy_gain)},
                                 {"causes", q.causes},
                                 {"collector", q.collector}});
    j["questions"] = std::move(questions);

    json near = json::array();
    for (const auto& nm : r.near_misses)
        near.push_back(json{{"rule", nm.rule},
                            {"title", nm.title},
                            {"causes", nm.causes},
                            {"missing_facts", nm.missing_facts},
                            {"condition", nm.condition},
                            {"location", nm.where.file_line()}});
    j["near_misses"] = std::move(near);

    json skipped = json::array();
    for (const auto& s : r.skipped)
        skipped.push_back(json{{"rule", s.rule}, {"reason", s.reason}, {"location", s.where.to_string()}});
    j["skipped"] = std::move(skipped);

    json rule_errors = json::array();   // rules that failed while running: a summary item, not buried in diagnostics
    for (const auto& e : r.rule_errors)
        rule_errors.push_back(
            json{{"rule", e.rule}, {"code", e.code}, {"location", e.where.file_line()}, {"message", e.message}});
    j["rule_errors"] = rule_errors;

    json diags = json::array();
    for (const auto& d : r.diagnostics.items()) diags.push_back(diagnostic_to_json(d));
    j["diagnostics"] = std::move(diags);

    json collectors = json::array();
    for (const auto& c : r.collectors)
        collectors.push_back(json{{"id", c.id},
                                  {"status", to_string(c.status)},
                                  {"duration_ms", c.duration_ms},
                                  {"message", c.message}});
    j["collectors"] = std::move(collectors);

    j["facts"] = facts_json(r.facts);
    j["also_checked"] = facts_json(r.also_checked);
    j["article_differs"] = r.cause_article_differs;
    j["is_triage"] = r.is_triage;
    if (r.is_triage) j["triage"] = triage_json(r.triage);
    j["summary"] = summary_to_json(summarize(r));   // the text report's first screen (summary.cpp)
    return j;
}

std::string render_json(const Report& r) { return dump_json(report_to_json(r)); }

namespace {

// Rewrites the UTF-8 encoding of U+0080..U+009F (C2 80..C2 9F) as "\u0080".."\u009f". In valid UTF-8 the lead
// byte C2 starts a sequence, so these bytes occur only as those code points, and only inside JSON strings.
std::string escape_c1_controls(std::string text) {
    if (text.find('\xC2') == std::string::npos) return text;
    std::string out;
    out.reserve(text.size() + 16);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (static_cast<unsigned char>(text[i]) == 0xC2 && next >= 0x80 && next <= 0x9F) {
            out += fmt::format("\\u{:04x}", next);
            ++i;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

std::string dump_json(const json& j) {
    return escape_c1_controls(j.dump(2, ' ', false, json::error_handler_t::replace)) + "\n";
}

std::string dump_json_compact(const json& j) {
    return escape_c1_controls(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace kbdiag
