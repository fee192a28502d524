#pragma once
// What `infer` and `consult` share: the session over the knowledge base, and the request built from the
// snapshot (named, or the default one) and the --fact overrides.
#include <memory>
#include <string>
#include <vector>

#include "engine/session/diagnosis_session.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "tools/kbdiag/cli_common.hpp"

namespace kbdiag::cli {

struct DiagnosisArgs {
    std::string snapshot;                   // empty: the default snapshot, when it exists; "-": stdin
    std::string error;
    std::vector<std::string> facts;         // NAME=VALUE
    bool verbose = false;
};

struct DiagnosisInputs {
    std::unique_ptr<DiagnosisSession> session;
    DiagnosisRequest request;
    std::string snapshot_path;              // the file read, or empty
    std::optional<Snapshot> snapshot;       // as read (consult writes answers back into it)
};

// Loads the knowledge base and the rules, reads the snapshot ("-": standard input), applies --fact. Throws
// CliError with the documented exit code, checked in this order: 3 knowledge base, 2 bad --fact, 5 an --error
// that matches no problem, 4 snapshot.
DiagnosisInputs load_diagnosis_inputs(const GlobalOptions& g, const DiagnosisArgs& a);

// The problems, one line each (for "which error?" messages).
std::string list_problems(const KnowledgeBase& kb);

// Throws CliError(exit 5, with the list of problems) when `error` is given and matches no problem.
void check_error_known(const KnowledgeBase& kb, const std::string& error);

// Runs session.diagnose, mapping an unknown --error to CliError(exit 5) with the list of problems.
Report diagnose_or_throw(const DiagnosisInputs& in);

}  // namespace kbdiag::cli
