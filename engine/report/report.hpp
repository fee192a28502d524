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
    std::string value;      // displayed (for absent and failed facts: the collector's note)
    std::string state;      // known | absent | failed
    std::string source;
    std::string note;       // the collector's note, if any
    nlohmann::json typed;   // the value with its JSON type (bool, number, string, list, records); null unless known
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

// No error known (`kbdiag infer` with no --error): which problems and causes this machine's evidence points to.
struct TriageEntry {
    std::string problem_id;
    std::string problem_title;
    std::vector<std::string> codes;            // the problem's first spellings (for `--error CODE`)
    std::string cause_id;
    std::string cause_title;
    double probability = 0.0;                  // P(cause | this machine's facts, that problem)
    double prior = 0.0;                        // P(cause | that problem) before any fact
    double evidence_factor = 1.0;              // product of the counted LRs: how far the facts moved it
    std::vector<std::string> evidence;         // readable reasons (the counted findings' titles), strongest first
    std::string first_fix;                     // title of the best fix for this cause, if any
};

struct Triage {
    std::vector<TriageEntry> entries;          // strongest evidence first; ties by problem id, then cause id
    std::size_t problems_considered = 0;       // problems of this machine's platform that were diagnosed
    std::vector<std::string> next_steps;       // the commands that narrow it down, most useful first
};

// A fact as a person meets it (from the knowledge base): the question to ask, or the collector that tells.
struct ReportFactInfo {
    std::string question;                      // the authored question for a person; empty when there is none
    std::string collector;                     // the first collector that provides it ("manual": a person)
    std::string meaning;
    double ask_cost_minutes = 1.0;             // how long answering the question takes
};

// The first screen of the report: the answer and the next step, in plain words (no LRs, no fact ids).
struct SummaryCause {
    std::string id;
    std::string title;
    double probability = 0.0;
    // Triage only (no error known): the problem the cause belongs to, why it is suspected, its best fix.
    std::string problem_id;
    std::string problem_title;
    std::string code;                          // the problem's first spelling, for `--error CODE`
    std::string why;                           // the evidence in plain words
    std::string first_fix;
};

struct SummaryFix {
    std::string id;
    std::string title;
    double cost_minutes = 0.0;
    double p_success = 0.0;                    // P(works | still failing before it)
    std::string risk;
    std::vector<std::string> steps;            // each "(when) text" when its condition is undecided
    std::string verify;
    std::size_t more_fixes = 0;                // plan entries after this one (escalation included)
};

// The single most valuable thing to find out next.
struct NextCheck {
    std::string kind;                          // "question" | "collect" | "error"; empty: nothing worth checking
    std::string text;                          // what to do or ask, in plain words ("collect": ends in ':')
    std::string command;                       // the command to run ("collect": follows `text`), else empty
    std::string why;                           // why it is worth it, in plain words
    double minutes_saved = 0.0;                // expected minutes of work it saves (value of information)
    double cost_minutes = 0.0;                 // how long the check takes (0: not known)
    bool before_fix = false;                   // cheap enough and able to change the plan: do it first
};

struct Summary {
    bool triage = false;                       // built from Report::triage (no error known)
    std::vector<SummaryCause> causes;          // most likely first, at most 3
    bool has_fix = false;
    SummaryFix first_fix;                      // the plan's first entry (not for a triage)
    NextCheck next_check;                      // the most valuable of `checks` (kind empty: none)
    std::vector<NextCheck> checks;             // every check worth doing, most valuable first, each once
    std::vector<std::string> next_steps;       // triage: the commands that narrow it down
};

struct Report {
    bool is_triage = false;                    // true: no error known, `triage` holds the answer, `ranking` is empty
    Triage triage;
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
    std::vector<ReportFact> also_checked;      // known facts marked `in_report` that `facts` lacks (by name)
    Ranking ranking;
    std::vector<NearMiss> near_misses;
    std::vector<SkippedRule> skipped;
    std::vector<RuleError> rule_errors;        // rules that failed while running: shown in the summary
    std::vector<CollectorReport> collectors;
    Diagnostics diagnostics;
    std::size_t rules_run = 0;
    std::vector<std::string> cause_article_differs;   // "cause: text" lines
    std::map<std::string, ReportCauseInfo> cause_info; // cause id -> details (not for "other")
    std::vector<std::string> notes;            // e.g. "no --error given: the only problem was used"
    // For the summary's next check (build_report fills them from the knowledge base and the facts):
    std::string problem_platform;              // "windows" | "linux" | "any": how a share path is written
    std::string target_server;                 // the target.* facts, when known
    std::string target_share;
    std::map<std::string, ReportFactInfo> fact_info;   // the facts the questions and near misses name
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
// The same with the ranking moved in (in.ranking is not read): a diagnosis hands over its own, not a copy of it.
Report build_report(const ReportInput& in, Ranking ranking);
// What summarize() needs beyond the ranking: the problem's platform, the target share, and how each fact named by a
// question or near miss is found out (its question, its collector). Part of build_report.
void add_summary_context(const ReportInput& in, Report& r);

struct TextOptions {
    bool color = false;
    int width = 80;
    bool verbose = false;                       // show uncounted evidence and all facts
};

std::string render_text(const Report& r, const TextOptions& options);
// The answer and the next step from the ranking (or the triage): what the text report's first screen and the
// JSON report's `summary` show. A pure function of the report, so a triage filled in later is summarised too.
Summary summarize(const Report& r);

// How a person finds out `fact`: run the collector that provides it (when it has not run yet: facts a collector
// can get are not asked of a person), else answer its question in plain words. Kind empty: neither is possible.
NextCheck how_to_find_out(const Report& r, const std::string& fact);

// A rule title without the weights and source tags knowledge authors write into it, for the default view:
// "... wrong (LR 8) [S40]" reads "... wrong". Other parentheses stay ("(Windows 11 24H2)").
std::string without_weights(const std::string& title);

// The summary as the JSON report's `summary` object (numbers rounded, like the rest of the report).
nlohmann::json summary_to_json(const Summary& s);

// `text` with every control character a terminal would act on (C0 but newline and tab, DEL, C1, and bytes
// that are not UTF-8) written out as \xNN / \uNNNN, so snapshot values and knowledge text cannot move the
// cursor, clear the screen or recolour the report.
std::string escape_controls(const std::string& text);

std::string render_json(const Report& r);       // deterministic: sorted keys, 2-space indent
// The report as a JSON value (schema kbdiag-report/1): what render_json prints and what templates render.
nlohmann::json report_to_json(const Report& r);

// A fact value as JSON with its type: boolean, integer (a number), string and enum (a string), timestamp (an
// ISO 8601 string, as in snapshots), string_list (an array of strings), records (an array of objects whose
// fields are typed the same way). `def` gives the catalog type; null reads integers as plain numbers.
nlohmann::json fact_value_json(const FactValue& value, const FactDef* def);

// One diagnostic as JSON: {code, severity, message, location, where[], snippet}.
nlohmann::json diagnostic_to_json(const Diagnostic& d);

// Dumps JSON deterministically (2-space indent, sorted keys, invalid UTF-8 replaced) with a final newline.
// C1 controls (U+0080..U+009F) are written as \u escapes: JSON allows them raw, but U+009B is CSI to a terminal
// that honours 8-bit controls, and JSON is often read on one (`| less -R`, a ticket pasted into a console).
std::string dump_json(const nlohmann::json& j);
// The same on one line without a newline (JSON Lines records, the C API's answers).
std::string dump_json_compact(const nlohmann::json& j);

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
