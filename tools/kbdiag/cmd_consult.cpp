// kbdiag consult: a guided diagnosis at a terminal. Asks the question worth most (value of information), takes
// the answer, re-ranks, and repeats until the top cause is clear or nothing is worth asking; then prints the
// report with its fix plan. Every answer is saved at once into the snapshot as a manual fact, so a consultation
// can be interrupted, resumed, and attached to a ticket.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <set>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/report/report.hpp"
#include "tools/kbdiag/commands.hpp"
#include "tools/kbdiag/diagnosis_inputs.hpp"

#ifdef _WIN32
#include <io.h>
#define kbdiag_isatty _isatty
#define kbdiag_fileno _fileno
#else
#include <unistd.h>
#define kbdiag_isatty isatty
#define kbdiag_fileno fileno
#endif

namespace kbdiag::cli {

namespace {

struct ConsultArgs {
    DiagnosisArgs diagnosis;
    std::string save;                       // where answers go; empty: the snapshot read, else the default one
    double clear_probability = 0.8;         // stop when the top cause is at least this likely
    int max_questions = 15;
};

bool interactive() {
    return kbdiag_isatty(kbdiag_fileno(stdin)) && kbdiag_isatty(kbdiag_fileno(stdout));
}

enum class AnswerKind { value, skip, dont_know, quit };
struct Answer {
    AnswerKind kind = AnswerKind::skip;
    FactValue value;
    std::string text;
};

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::string answer_hint(const FactDef& def) {
    if (def.type == FactType::boolean) return "y = yes, n = no";
    if (!def.values.empty()) return fmt::format("one of: {}", fmt::join(def.values, ", "));
    return fmt::format("a value ({})", to_string(def.type));
}

// Reads one answer for `def`; re-asks on a value that does not fit the fact's type. EOF quits.
Answer read_answer(const FactDef& def) {
    while (true) {
        std::cout << fmt::format("  [{}; s = skip, ? = don't know, q = stop asking] > ", answer_hint(def))
                  << std::flush;
        std::string line;
        if (!std::getline(std::cin, line)) return {AnswerKind::quit, {}, {}};
        const std::string t = trim(line);
        const std::string l = lower(t);
        if (l == "q" || l == "quit") return {AnswerKind::quit, {}, {}};
        if (l.empty() || l == "s" || l == "skip") return {AnswerKind::skip, {}, {}};
        if (l == "?" || l == "dk" || l == "don't know" || l == "dont know" || l == "unknown")
            return {AnswerKind::dont_know, {}, {}};
        std::string text = t;
        if (def.type == FactType::boolean) {
            if (l == "y" || l == "yes") text = "true";
            else if (l == "n" || l == "no") text = "false";
        }
        ParseResult pr = parse_fact_text(text, def.type, def.values);
        if (pr.value) return {AnswerKind::value, *pr.value, t};
        std::cout << fmt::format("  That does not fit: {}.\n", pr.error);
    }
}

// The question worth asking now: the most valuable one a person can answer, not already passed over.
// Facts a collector gets are left to the collector (the report names the command).
const Question* next_question(const Report& r, const std::set<std::string>& passed) {
    for (const auto& q : r.ranking.questions)
        if (q.collector.empty() && !passed.count(q.fact)) return &q;
    return nullptr;
}

std::string top_line(const Report& r) {
    if (r.ranking.causes.empty()) return {};
    const auto& c = r.ranking.causes.front();
    return fmt::format("{} ({:.0f}%)", c.title, 100.0 * c.probability);
}

class Consultation {
public:
    Consultation(DiagnosisInputs& in, const ConsultArgs& a) : in_(in), a_(a) {
        save_path_ = !a.save.empty() ? a.save : !in.snapshot_path.empty() ? in.snapshot_path : default_snapshot_path();
        if (in_.snapshot) {
            snapshot_ = *in_.snapshot;
        } else {   // no snapshot yet: a new one of manual facts only
            snapshot_.created = static_cast<std::int64_t>(std::time(nullptr));
            snapshot_.kbdiag_version = KBDIAG_VERSION;
        }
        // What the user typed for this consultation (--fact, --error) is part of it, and saved with it.
        for (const auto& [name, entry] : in_.request.facts.entries())
            if (entry.source == "manual") snapshot_.facts.put(name, entry);
        if (!in_.request.error.empty()) snapshot_.facts.set("error.code", in_.request.error, "manual", "--error");
    }

    int run() {
        std::cout << "kbdiag consult: answer a few questions; the answers are saved to " << save_path_ << "\n";
        ask_error_if_unknown();
        Report report = diagnose_or_throw(in_);
        for (int asked = 0; asked < a_.max_questions && !quit_; ++asked) {
            if (clear(report)) {
                std::cout << fmt::format("\nThe top cause is clear: {}.\n", escape_controls(top_line(report)));
                break;
            }
            const Question* q = next_question(report, passed_);
            if (!q) {
                std::cout << "\nNothing left is worth asking: the plan below is the best next step.\n";
                break;
            }
            if (!ask(*q)) continue;
            Report next = diagnose_or_throw(in_);
            std::cout << fmt::format("  Now most likely: {}\n", escape_controls(top_line(next)));
            report = std::move(next);
        }
        TextOptions to;
        to.color = false;
        std::cout << "\n" << render_text(report, to);
        return exit_ok;
    }

private:
    bool clear(const Report& r) const {
        return !r.ranking.causes.empty() && r.ranking.causes.front().id != "other" &&
               r.ranking.causes.front().probability >= a_.clear_probability;
    }

    // Without an error there is only a triage: the error the user saw is the first thing worth knowing.
    void ask_error_if_unknown() {
        if (in_.session->problem_for(in_.request)) return;
        const FactDef* def = in_.session->kb().fact("error.code");
        if (!def) return;
        while (!quit_) {
            std::cout << "\n" << escape_controls(def->question) << "\n";
            Answer ans = read_answer(*def);
            if (ans.kind == AnswerKind::quit) quit_ = true;
            if (ans.kind != AnswerKind::value) return;
            if (in_.session->kb().find_problem_by_code(ans.text)) {
                record("error.code", ans.value);
                return;
            }
            std::cout << "  No problem in the knowledge base has that code. Known errors:\n"
                      << escape_controls(list_problems(in_.session->kb()));
        }
    }

    // Asks one question; true when an answer changed the facts.
    bool ask(const Question& q) {
        const FactDef* def = in_.session->kb().fact(q.fact);
        passed_.insert(q.fact);
        if (!def) return false;
        std::cout << "\n" << escape_controls(q.question.empty() ? def->question : q.question) << "\n";
        Answer ans = read_answer(*def);
        if (ans.kind == AnswerKind::quit) quit_ = true;
        if (ans.kind != AnswerKind::value) return false;
        record(q.fact, ans.value);
        return true;
    }

    // A manual fact in the request and, at once, in the saved snapshot.
    void record(const std::string& fact, const FactValue& value) {
        in_.request.facts.set(fact, value, "manual", "kbdiag consult");
        snapshot_.facts.set(fact, value, "manual", "kbdiag consult");
        const std::string failed = write_file_atomically(save_path_, to_yaml(snapshot_, in_.session->kb()));
        if (!failed.empty())
            throw CliError{exit_output, fmt::format("{}: cannot save the answer: {}", save_path_, failed)};
    }

    DiagnosisInputs& in_;
    const ConsultArgs& a_;
    Snapshot snapshot_;
    std::string save_path_;
    std::set<std::string> passed_;   // asked once already (answered, skipped or not known)
    bool quit_ = false;
};

int run_consult(const GlobalOptions& g, const ConsultArgs& a) {
    if (a.diagnosis.snapshot == "-")
        throw CliError{exit_usage, "consult reads its answers from standard input, so the snapshot cannot come "
                                   "from there too: name the snapshot file, or use 'kbdiag infer -'"};
    if (!interactive())
        throw CliError{exit_usage, "consult asks questions and needs a terminal on stdin and stdout; without "
                                   "one, use 'kbdiag infer' and give answers with --fact NAME=VALUE"};
    DiagnosisInputs inputs = load_diagnosis_inputs(g, a.diagnosis);
    if (!a.save.empty()) check_output_folder(a.save);   // before the questions, not after the first answer
    inputs.request.questions = true;
    return Consultation(inputs, a).run();
}

}  // namespace

void setup_consult(CLI::App& app, const GlobalOptions& g, RunFn& run) {
    static ConsultArgs a;
    CLI::App* sub = app.add_subcommand(
        "consult", "Guided diagnosis at a terminal: asks the most useful questions, then shows the plan");
    sub->add_option("snapshot", a.diagnosis.snapshot, "Snapshot file (default: the one 'kbdiag collect' wrote)")
        ->type_name("SNAPSHOT");
    sub->add_option("-e,--error", a.diagnosis.error, "The error as the user saw it (asked when unknown)")
        ->type_name("CODE");
    sub->add_option("--fact", a.diagnosis.facts, "Set a fact, overriding the snapshot (repeatable)")
        ->type_name("NAME=VALUE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    sub->add_option("--save", a.save,
                    "Save the answers (with the snapshot's facts) to FILE instead of the snapshot read")
        ->type_name("FILE");
    sub->add_flag("-v,--verbose", a.diagnosis.verbose, "Show knowledge-base notes in the final report");
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_consult(g, a); }; });
}

}  // namespace kbdiag::cli
