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

// Documented exit codes: the README's "Exit codes" table is the reference, exit_codes_help its --help copy, and
// tests/cli/test_exit_codes.sh triggers every row in every command it applies to.
// When several apply, the first found wins, in this order: the command line (2), the knowledge (3), what was
// asked for by name (5), the input files (4), the run (6), the output (7).
enum Exit : int {
    exit_ok = 0,
    exit_internal = 1,         // a bug: an unexpected exception
    exit_usage = 2,            // the command line is wrong: unknown command/option/fact, malformed value
    exit_kb = 3,               // knowledge base unusable: load or lint errors, missing --kb folder
    exit_input = 4,            // an input file (snapshot, batch input) missing, unreadable or malformed
    exit_unknown_error = 5,    // nothing matches what was asked for: --error code, kb show ID, --problem, filter
    exit_scenarios = 6,        // scenario tests failed
    exit_output = 7,           // output could not be written (including into a folder that does not exist)
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
    std::string color = "auto";          // --color: auto, always or never
    std::string program;                 // argv[0]
};

// The shipped knowledge base: $KBDIAG_KNOWLEDGE, else the first of shipped_kb_candidates() that exists (links
// resolved). Empty when none exists. Never a path baked in at build time: a copied binary finds no source tree.
std::string find_shipped_kb();

// Where a binary looks for its knowledge, relative to itself: <exe>/../share/kbdiag/knowledge (installed, e.g.
// /usr/bin -> /usr/share/kbdiag), then <exe>/knowledge (the Windows zip; in the build tree a link that CMake
// makes to the source folder). Empty when the program's own path is unknown.
std::vector<std::string> shipped_kb_candidates();

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
// A file named on the command line goes into an existing folder only (a typo in a folder name must not
// silently create a tree); a default path (the snapshot under ~/.local/state) creates its folders.
enum class Folders { must_exist, create };
void write_output(const std::string& path, const std::string& content, Folders folders = Folders::must_exist);
// Throws CliError(exit_output) when the folder `path` would go into does not exist (checked up front by commands
// that write late, such as consult's --save after the first answer).
void check_output_folder(const std::string& path);

// The contents of an input file, or of standard input when `path` is "-". Throws CliError(exit_input) naming the
// file when it cannot be read.
std::string read_input(const std::string& path);

// Colour: --color always / never decide; auto (the default) colours a terminal unless NO_COLOR is set to a
// non-empty value (https://no-color.org) or TERM is dumb. set_color_mode takes the validated --color value.
void set_color_mode(const std::string& mode);
bool stdout_color();
bool stderr_color();

// Prints diagnostics to stderr, one per line with snippets.
void print_diagnostics(const Diagnostics& d, bool include_notes = false);

// The first error of `d` on one line (location, code, message), for a one-line refusal; empty when none.
std::string first_error(const Diagnostics& d);

// Validates --format.
bool is_json_format(const std::string& format);

}  // namespace kbdiag::cli
