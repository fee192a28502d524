#pragma once
// The knowledge model: plain structs with source locations. The reader fills them from YAML,
// the builder merges folders (a later folder overrides an earlier one by id), the linker checks
// references. A KnowledgeBase is immutable once built.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/location.hpp"
#include "engine/core/platform.hpp"
#include "engine/facts/fact_value.hpp"
#include "engine/rules/condition.hpp"

namespace kbdiag {

struct Reference {
    std::string id;            // e.g. "S17"
    std::string title;
    std::string url;
    SourceLocation where;

    friend bool operator==(const Reference&, const Reference&) = default;
};

struct FactDef {
    std::string id;                            // dotted name, e.g. "windows.build"
    FactType type = FactType::string;
    std::vector<std::string> values;           // enumeration: allowed values
    std::map<std::string, FactType> fields;    // records: field types
    std::string meaning;
    // Why a collected fact that no rule reads is still collected (the engine or the report reads it, or a
    // person needs it to act); lint warns (KB020) about a collected fact with no reader and no context.
    std::string context;
    // The report lists the fact's value under ALSO CHECKED even when no finding used it: what a technician reads to
    // act or to trust the diagnosis (the Windows release, the share path, the server's domain).
    bool in_report = false;
    std::vector<std::string> provided_by;      // collector ids
    std::string question;                      // what to ask a person when no collector can tell
    double ask_cost_minutes = 1.0;             // cost of answering the question
    bool secret_free = true;                   // documentation: never holds a secret
    Platform platform = Platform::any;         // a fact only this client platform has (not asked elsewhere)
    std::vector<std::string> references;
    SourceLocation where;

    friend bool operator==(const FactDef&, const FactDef&) = default;
};

struct CauseLink {
    std::string cause;
    double prior = 0.0;
    SourceLocation where;

    friend bool operator==(const CauseLink&, const CauseLink&) = default;
};

struct Escalation {
    std::string title = "Escalate";
    std::string text;
    double cost_minutes = 60.0;

    friend bool operator==(const Escalation&, const Escalation&) = default;
};

struct Problem {
    std::string id;
    std::string title;
    std::string message;                       // the error text the user sees
    std::vector<std::string> codes;            // every spelling users type, as written in the KB
    Platform platform = Platform::any;         // the client platform that shows this error
    std::vector<CauseLink> causes;
    double other_prior = 0.0;                  // explicit "other": what the listed causes do not explain
    std::string other_title = "Another cause not in the knowledge base";
    Escalation escalation;
    std::string article_notes;                 // where the original article differs, in prose
    std::vector<std::string> references;
    SourceLocation where;

    friend bool operator==(const Problem&, const Problem&) = default;
};

struct FixLink {
    std::string fix;
    double success = 0.8;                      // P(this fix works | this cause)
    SourceLocation where;

    friend bool operator==(const FixLink&, const FixLink&) = default;
};

struct Cause {
    std::string id;
    std::string title;
    std::string explanation;
    std::optional<Condition> applies_to;       // when known false, the cause gets `not_applicable_lr`
    std::string applies_to_text;               // readable "when this applies"
    double not_applicable_lr = 0.02;
    std::vector<FixLink> fixes;
    std::string article_differs;               // where the original article is wrong about this cause
    std::vector<std::string> references;
    SourceLocation where;

    friend bool operator==(const Cause&, const Cause&) = default;
};

enum class Risk { low, medium, high };
const char* to_string(Risk r);
double risk_factor(Risk r);                    // multiplies the cost: low 1, medium 1.5, high 3

struct FixStep {
    std::string text;
    std::optional<Condition> when;             // only for matching Windows versions / vendors
    std::string when_text;                     // label shown when `when` cannot be decided
    SourceLocation where;

    friend bool operator==(const FixStep&, const FixStep&) = default;
};

struct Fix {
    std::string id;
    std::string title;
    double cost_minutes = 5.0;
    Risk risk = Risk::low;
    Platform platform = Platform::any;         // offered only for problems of this platform
    std::vector<FixStep> steps;
    std::string verify;                        // how to tell it worked
    std::vector<std::string> references;
    SourceLocation where;

    friend bool operator==(const Fix&, const Fix&) = default;
};

struct EvidenceSpec {                          // a native rule's effect on one cause
    std::string cause;
    double lr = 1.0;                           // likelihood ratio when the condition holds
    std::optional<double> lr_false;            // ...and when it is known not to hold

    friend bool operator==(const EvidenceSpec&, const EvidenceSpec&) = default;
};

struct ScriptRef {
    std::string file;                          // path as written (relative to the KB folder)
    std::string resolved;                      // absolute or cwd-relative path to load
    std::string function;                      // function in the table the file returns

    friend bool operator==(const ScriptRef&, const ScriptRef&) = default;
};

struct RuleDecl {
    std::string id;
    std::string title;                         // what the rule checks, for the report
    std::optional<Condition> when;             // native precondition; evaluated before any script
    std::vector<EvidenceSpec> evidence;        // native effects when `when` holds (or fails, with lr_false)
    std::map<std::string, FactValue> derive;   // native derivations when `when` holds
    std::optional<ScriptRef> script;           // Lua for what data cannot say
    std::vector<std::string> required;         // YAML `requires`: facts that must be known for the rule to run
    std::vector<std::string> reads;            // further facts the script may read (may be unknown)
    std::vector<std::string> causes;           // causes the rule may give evidence for
    std::vector<std::string> derives;          // facts the rule may derive
    std::string group;                         // correlated rules: one group counts once per cause
    bool definitive = false;                   // exempt from likelihood-ratio clamping
    SourceLocation where;

    // required + reads + the facts of `when`, sorted and unique.
    std::vector<std::string> inputs() const;

    friend bool operator==(const RuleDecl&, const RuleDecl&) = default;
};

struct WindowsRelease {
    std::int64_t build = 0;
    std::string name;                          // "Windows 11 23H2"
    std::string family;                        // windows10 | windows11 | server
    std::string version;                       // "23H2"
    std::map<std::string, FactValue> defaults; // edition-independent defaults (e.g. smb1_client_installed: false)
    std::vector<std::string> guest_blocked_editions;   // EditionIDs that block insecure guest logons by default
    std::vector<std::string> signing_required_editions;// EditionIDs that require SMB signing by default
    std::string notes;
    std::vector<std::string> references;
    SourceLocation where;

    friend bool operator==(const WindowsRelease&, const WindowsRelease&) = default;
};

struct Vendor {
    std::string id;                            // synology, qnap, samba, ...
    std::string name;
    std::map<std::string, std::string> ui_paths;   // setting -> where it lives in the vendor UI
    std::map<std::string, bool> confirmed;         // ui path key -> confirmed by a source
    std::string notes;
    std::vector<std::string> references;
    SourceLocation where;

    friend bool operator==(const Vendor&, const Vendor&) = default;
};

struct ScenarioExpect {
    std::string top;                           // the cause expected first
    std::vector<std::string> not_top;          // causes expected not to be first
    std::vector<std::string> order;            // expected leading order
    std::optional<double> min_probability;     // for `top`
    std::vector<std::string> fixes;            // fixes expected in the plan
    std::string first_fix;
    std::vector<std::string> step_contains;    // text expected somewhere in the plan's steps
    std::vector<std::string> step_not_contains;   // text no step may show (e.g. another vendor's steps)

    friend bool operator==(const ScenarioExpect&, const ScenarioExpect&) = default;
};

struct Scenario {
    std::string id;
    std::string description;
    std::string error;                         // error code as a user types it
    std::map<std::string, FactValue> facts;    // loose values from YAML, coerced with the catalog (see coerce())
    std::map<std::string, SourceLocation> fact_where;
    ScenarioExpect expect;
    SourceLocation where;

    friend bool operator==(const Scenario&, const Scenario&) = default;
};

}  // namespace kbdiag
