#pragma once
// Report: everything a reporter prints, built once from a diagnosis. Reporters only format.
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/collect/collector.hpp"
#include "engine/core/diagnostic.hpp"
#include "engine/infer/ranker.hpp"

namespace kbdiag {

inline constexpr const char* report_schema = "kbdiag-report/1";

struct ReportFact {
    std::string name;
    std::string value;      // displayed
    std::string state;      // known | absent | failed
    std::string source;
};

// A fix the knowledge base links to a cause, with P(fix works | cause).
struct ReportCauseFix {
    std::string id;
    std::string title;
    double success = 0.0;
    double cost_minutes = 0.0;
    std::string risk;
};

// Per-cause details the ranking does not carry (from the knowledge base).
struct ReportCauseInfo {
    std::string applies_to;                 // readable "when this applies"
    std::string location;                   // "file:line" of the cause
    std::vector<ReportCauseFix> fixes;
};

struct Report {
    std::string schema = report_schema;
    std::string kbdiag_version;
    std::string problem_id;
    std::string problem_title;
    std::string problem_message;
    std::string error_as_typed;
    std::string article_notes;
    std::string snapshot;                      // path, or empty
    std::string host_name;
    std::vector<ReportFact> facts;             // the facts the diagnosis used or derived
    Ranking ranking;
    std::vector<NearMiss> near_misses;
    std::vector<SkippedRule> skipped;
    std::vector<CollectorReport> collectors;
    Diagnostics diagnostics;
    std::size_t rules_run = 0;
    std::vector<std::string> cause_article_differs;   // "cause: text" lines
    std::map<std::string, ReportCauseInfo> cause_info; // cause id -> details (not for "other")
    std::vector<std::string> notes;            // e.g. "no --error given: the only problem was used"
};

struct ReportInput {
    const KnowledgeBase* kb = nullptr;
    const Problem* problem = nullptr;
    std::string error_as_typed;
    std::string snapshot;
    std::string host_name;
    std::vector<CollectorReport> collectors;
    const EngineResult* result = nullptr;
    const Ranking* ranking = nullptr;
    Diagnostics diagnostics;                    // load/snapshot diagnostics to carry into the report
    std::vector<std::string> notes;             // carried into Report::notes
};

Report build_report(const ReportInput& in);

struct TextOptions {
    bool color = false;
    int width = 80;
    bool verbose = false;                       // show uncounted evidence and all facts
};

std::string render_text(const Report& r, const TextOptions& options);
std::string render_json(const Report& r);       // deterministic: sorted keys, 2-space indent

// One diagnostic as JSON: {code, severity, message, location, where[], snippet}.
nlohmann::json diagnostic_to_json(const Diagnostic& d);

// Dumps JSON deterministically (2-space indent, sorted keys, invalid UTF-8 replaced) with a final newline.
std::string dump_json(const nlohmann::json& j);

// Word-wraps `text` to `width` columns, prefixing continuation lines with `indent`.
// Widths count UTF-8 code points; a word longer than a line is broken. Embedded newlines start new lines.
std::string wrap(const std::string& text, int width, const std::string& first_prefix, const std::string& indent);

// Number of display columns of a UTF-8 string (code points; ANSI escape sequences count zero).
int display_width(const std::string& text);

// "×4", "÷20", "×1" — a likelihood ratio as a person reads it.
std::string format_lr(double lr);

// Rounds to `decimals` places (for deterministic JSON).
double round_to(double value, int decimals);

}  // namespace kbdiag
