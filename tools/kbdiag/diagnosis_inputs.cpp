// load_diagnosis_inputs(): knowledge base + rules (once, in a DiagnosisSession), the snapshot, --fact overrides.
#include "tools/kbdiag/diagnosis_inputs.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/report/report.hpp"

namespace kbdiag::cli {

std::string list_problems(const KnowledgeBase& kb) {
    std::string out;
    // One line each, the first few spellings only: `kbdiag kb show ID` lists them all.
    constexpr std::size_t shown_codes = 3;
    for (const auto& [id, p] : kb.problems) {
        std::vector<std::string> codes(p.codes.begin(), p.codes.begin() + std::min(shown_codes, p.codes.size()));
        out += wrap(fmt::format("{} - {}", fmt::join(codes, ", "), p.title.empty() ? id : p.title), 80, "  ",
                    "      ");
    }
    if (out.empty()) out = "  (the knowledge base has no problems)\n";
    else out += "(`kbdiag kb show ID` lists every spelling of a problem's code)\n";
    return out;
}

namespace {

CliError unknown_error(const KnowledgeBase& kb, const std::string& error) {
    return CliError{exit_unknown_error, fmt::format("error[{}]: --error '{}' matches no problem in the knowledge "
                                                    "base. Known problems:\n{}",
                                                    codes::cli_unknown_error, error, list_problems(kb))};
}

// The snapshot named, else the default one when it exists; nullopt when there is none to read.
std::optional<Snapshot> read_snapshot_or_throw(const KnowledgeBase& kb, const DiagnosisArgs& a, std::string& path,
                                               Diagnostics& carried) {
    path = a.snapshot.empty() ? default_snapshot_path() : a.snapshot;
    std::error_code ec;
    const bool exists = std::filesystem::exists(path, ec);
    if (!exists && a.snapshot.empty()) {
        if (a.facts.empty())
            throw CliError{exit_input,
                           fmt::format("{}: error[{}]: no snapshot here; run 'kbdiag collect' first, name a "
                                       "snapshot, or give facts with --fact",
                                       path, codes::snap_io)};
        path.clear();
        return std::nullopt;
    }
    if (!exists && path != "-")
        throw CliError{exit_input, fmt::format("{}: error[{}]: snapshot file not found", path, codes::snap_io)};
    Diagnostics sd;
    const bool from_stdin = path == "-";
    if (from_stdin) path = "<stdin>";   // the name diagnostics and the report give it
    auto snap = from_stdin ? parse_snapshot(read_input("-"), path, kb, sd) : read_snapshot(path, kb, sd);
    sd.sort();
    if (!snap) {
        print_diagnostics(sd);
        throw CliError{exit_input, fmt::format("{}: snapshot unusable", path)};
    }
    carried.append(sd);
    return snap;
}

}  // namespace

DiagnosisInputs load_diagnosis_inputs(const GlobalOptions& g, const DiagnosisArgs& a) {
    Diagnostics kb_notes;
    auto kb = load_kb_or_throw(g, kb_notes, false, KbPart::for_diagnosis);
    DiagnosisInputs in;
    in.session = std::make_unique<DiagnosisSession>(
        kb, [] { return std::make_unique<LuaRuleRuntime>(RuntimeLimits{}); });
    DiagnosisRequest& req = in.request;
    if (a.verbose) req.diagnostics.append(kb_notes);
    req.diagnostics.append(in.session->load_diagnostics());

    // What the command line says is checked before any file is read: a typo in --fact or --error is the thing
    // to fix first (exit 2 or 5), whatever the snapshot.
    std::vector<FactArg> overrides;
    for (const auto& arg : a.facts) overrides.push_back(parse_fact_arg(*kb, arg));
    check_error_known(*kb, a.error);

    in.snapshot = read_snapshot_or_throw(*kb, a, in.snapshot_path, req.diagnostics);
    if (in.snapshot) {
        req.facts = in.snapshot->facts;
        req.collectors = in.snapshot->collectors;
        req.host_name = in.snapshot->host_name;
        req.snapshot = in.snapshot_path;
        // An old snapshot describes the machine as it was: say so in the report and, for scripts reading only
        // stdout's JSON, on stderr too.
        if (auto stale = snapshot_age_warning(*in.snapshot, std::chrono::system_clock::now())) {
            std::cerr << "kbdiag: warning: " << *stale << '\n';
            req.notes.push_back(*stale);
        }
    } else {
        req.notes.push_back("No snapshot: only the facts given with --fact were used.");
    }
    for (auto& fact : overrides)   // --fact overrides the snapshot
        req.facts.set(fact.name, std::move(fact.value), "manual", "--fact");
    req.error = a.error;
    return in;
}

void check_error_known(const KnowledgeBase& kb, const std::string& error) {
    // The same lookup as DiagnosisSession::problem_for's for an --error.
    if (!error.empty() && !kb.find_problem_by_code(error)) throw unknown_error(kb, error);
}

Report diagnose_or_throw(const DiagnosisInputs& in) {
    try {
        return in.session->diagnose(in.request);
    } catch (const UnknownErrorCode& e) {
        throw unknown_error(in.session->kb(), e.error);
    }
}

}  // namespace kbdiag::cli
