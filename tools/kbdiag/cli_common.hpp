#pragma once
// Shared pieces of the kbdiag subcommands: exit codes, the knowledge-base folders, loading, output.
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag::cli {

// Documented exit codes (--help epilog and README).
enum Exit : int {
    exit_ok = 0,
    exit_internal = 1,         // a bug: an unexpected exception
    exit_usage = 2,            // unknown option, bad --fact syntax, no --error when one is needed
    exit_kb = 3,               // knowledge base unusable: load or lint errors, missing --kb folder
    exit_input = 4,            // snapshot missing or malformed
    exit_unknown_error = 5,    // the error code matches no problem
    exit_scenarios = 6,        // scenario tests failed
    exit_output = 7,           // output could not be written
};

extern const char* const exit_codes_help;   // the epilog text

// Thrown by subcommands; main prints `message` (when not empty) to stderr and exits with `code`.
struct CliError {
    int code;
    std::string message;
};

struct GlobalOptions {
    std::vector<std::string> kb_dirs;    // --kb DIR, in order
    bool no_builtin_kb = false;          // --no-builtin-kb
    bool no_cache = false;               // --no-cache (or KBDIAG_NO_CACHE): never read or write the knowledge cache
    std::string program;                 // argv[0]
};

// The shipped knowledge base: $KBDIAG_KNOWLEDGE, <exe>/../share/kbdiag/knowledge, <exe>/knowledge, or the
// source tree this binary was built from. Empty when none exists.
std::string find_shipped_kb();

// The folders to load, shipped first (unless --no-builtin-kb), then every --kb in order.
// Throws CliError(exit_kb) naming a --kb folder that is missing or unreadable.
std::vector<std::string> kb_folders(const GlobalOptions& g);

// Loads the knowledge base through the start-up cache (engine/kb/kb_cache.hpp) unless --no-cache, KBDIAG_NO_CACHE
// or a strict load; KBDIAG_CACHE_TRACE=1 prints one line to stderr saying where the knowledge came from.
// On errors prints them (with file:line:col) to stderr and throws CliError(exit_kb).
// Warnings and notes go into `carried` for the caller to show. Commands that only diagnose skip the files that
// hold nothing but scenarios (a quarter of the shipped YAML, and YAML parsing is most of start-up).
enum class KbPart { everything, for_diagnosis };
std::shared_ptr<const KnowledgeBase> load_kb_or_throw(const GlobalOptions& g, Diagnostics& carried,
                                                      bool strict = false, KbPart part = KbPart::everything);

// Splits "name=value"; throws CliError(exit_usage) on bad syntax.
std::pair<std::string, std::string> split_fact_arg(const std::string& arg);

// A --fact NAME=VALUE checked against the catalog: the name must be a fact and the value must fit its type.
// Throws CliError(exit_usage) naming the argument otherwise.
struct FactArg {
    std::string name;
    std::string text;
    FactValue value;
};
FactArg parse_fact_arg(const KnowledgeBase& kb, const std::string& arg);

// Writes `content` to `path` atomically, or to stdout when path is empty or "-". Throws CliError(exit_output).
void write_output(const std::string& path, const std::string& content);

// Colour on stdout: only when it is a terminal and NO_COLOR is unset.
bool stdout_color();
bool stderr_color();

// Prints diagnostics to stderr, one per line with snippets.
void print_diagnostics(const Diagnostics& d, bool include_notes = false);

// Validates --format.
bool is_json_format(const std::string& format);

}  // namespace kbdiag::cli
