#pragma once
// The one table of diagnostic codes. Codes are stable: never renumber, only append.
#include <string_view>

namespace kbdiag::codes {

// Knowledge base (reader, builder, linker)
inline constexpr const char* kb_yaml_syntax = "KB001";       // YAML does not parse
inline constexpr const char* kb_wrong_type = "KB002";        // a value of the wrong type or shape
inline constexpr const char* kb_unknown_key = "KB003";       // a key this item kind does not have
inline constexpr const char* kb_missing_key = "KB004";       // a required key is missing
inline constexpr const char* kb_duplicate_id = "KB005";      // two items of one kind share an id in one folder
inline constexpr const char* kb_dangling_ref = "KB006";      // a reference to an id that does not exist
inline constexpr const char* kb_unknown_fact = "KB007";      // a fact name not in the catalog
inline constexpr const char* kb_priors = "KB008";            // priors out of range or leaving no room for "other"
inline constexpr const char* kb_lua_compile = "KB009";       // a Lua rule file does not compile or load
inline constexpr const char* kb_rule_cycle = "KB010";        // rules derive facts from each other in a cycle
inline constexpr const char* kb_bad_value = "KB011";         // a value out of its allowed range or set
inline constexpr const char* kb_folder = "KB012";            // a --kb folder missing or unreadable
inline constexpr const char* kb_override = "KB013";          // an item overridden by a later folder (note)
inline constexpr const char* kb_duplicate_code = "KB014";    // two problems claim one error code
inline constexpr const char* kb_unused = "KB015";            // an item nothing refers to (warning)
inline constexpr const char* kb_unreachable_fact = "KB016";  // a fact no collector provides and no question asks
inline constexpr const char* kb_report_template = "KB017";   // a report template (templates/*.lua) missing or failing
inline constexpr const char* kb_cause_code_unlisted = "KB018";  // a cause names an error code whose problem lacks it
inline constexpr const char* kb_patch_applied = "KB019";     // a `patch:` entry changed a problem, cause or fix (note)
inline constexpr const char* kb_unread_fact = "KB020";       // a collected fact nothing reads and no context explains

// Rules at run time
inline constexpr const char* rule_runtime_error = "RULE001";
inline constexpr const char* rule_instruction_budget = "RULE002";
inline constexpr const char* rule_memory_budget = "RULE003";
// evidence for an undeclared cause, bad ratio, bad derived value
inline constexpr const char* rule_bad_output = "RULE004";
inline constexpr const char* rule_skipped = "RULE005";       // a rule skipped (unknown facts, not loaded) - note
inline constexpr const char* rule_undeclared_fact = "RULE006";
inline constexpr const char* rule_time_budget = "RULE007";    // past the wall-clock deadline of a call or a diagnosis
inline constexpr const char* rule_library_limit = "RULE008";  // a string/table library call refused for its cost

// Snapshots and facts
inline constexpr const char* snap_syntax = "SNAP001";        // snapshot does not parse
inline constexpr const char* snap_schema = "SNAP002";        // wrong schema version or shape
inline constexpr const char* snap_unknown_fact = "SNAP003";  // a fact the catalog does not know (dropped)
inline constexpr const char* snap_bad_value = "SNAP004";     // a value that does not fit the fact's type
inline constexpr const char* snap_io = "SNAP005";            // unreadable or unwritable file

// Collectors
inline constexpr const char* collector_failed = "COL001";
inline constexpr const char* collector_timeout = "COL002";
inline constexpr const char* collector_unknown_fact = "COL003";

// Command line
inline constexpr const char* cli_bad_fact = "CLI001";        // --fact k=v malformed
inline constexpr const char* cli_unknown_error = "CLI002";   // --error matches no problem

}  // namespace kbdiag::codes
