// kbdiag batch: many snapshots in, one JSON line per snapshot out (issue 9 part 2). A pure stream filter for fleets:
//
//   read the next input (in order) -> parse + DiagnosisSession::diagnose -> write the records in input order
//
// on N threads (this one and N-1 more), each taking an input through all three, via ordered_parallel_map
// (engine/core/), so the output is in input order and byte-identical whatever --jobs, and at most 4 x jobs snapshots
// are in memory at once however long the input is. One bad input (malformed JSON, not a snapshot, an unknown error
// code) becomes an error record and the rest goes on; the exit code says some failed.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/core/ordered_parallel_map.hpp"
#include "engine/core/text.hpp"
#include "engine/report/report.hpp"
#include "engine/session/diagnosis_session.hpp"
#include "engine/snapshot/snapshot.hpp"
#include "tools/kbdiag/commands.hpp"
#include "tools/kbdiag/diagnosis_inputs.hpp"

namespace kbdiag::cli {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* batch_schema = "kbdiag-batch/1";
constexpr const char* batch_summary_schema = "kbdiag-batch-summary/1";
constexpr std::size_t causes_per_record = 5;

// What each input's record carries (--detail). Three levels of output, where the engine's Detail has two levels of
// work: only `full` needs the engine's full findings (notes, near misses, facts); ranking and evidence print from
// the findings-only result.
enum class BatchDetail {
    ranking,    // the top causes and the first fix
    evidence,   // also every finding: cause, rule, ratio
    full,       // also the whole report under "report"
};

// The --detail values, in the order the help lists them.
constexpr std::pair<const char*, BatchDetail> batch_details[] = {
    {"ranking", BatchDetail::ranking}, {"evidence", BatchDetail::evidence}, {"full", BatchDetail::full}};

Detail engine_detail(BatchDetail d) { return d == BatchDetail::full ? Detail::full : Detail::findings_only; }

struct BatchArgs {
    std::vector<std::string> inputs;    // JSON Lines files, directories, "-" (stdin); none: stdin
    unsigned jobs = 0;                  // 0: one per hardware thread
    BatchDetail detail = BatchDetail::ranking;
    bool summary = false;
    std::string format = "text";        // of the summary
    std::string output;                 // -o: the per-input records go here (as they come, not atomically)
    std::string error;                  // for inputs whose snapshot has no error.code fact
    bool no_questions = false;
    bool strict = false;                // exit 3 when a rule failed while running on any input (records still written)
};

// ---------------------------------------------------------------------------------------------- reading inputs

// One snapshot to diagnose: its text and where it came from ("fleet.jsonl:12", "dir/pc1.yaml").
struct Input {
    std::string label;
    std::string text;
    std::string io_error;               // the input could not be read at all (a missing file): an error record
};

bool is_yaml_file(const fs::path& p) {
    const std::string ext = p.extension().string();
    return ext == ".yaml" || ext == ".yml";
}

bool is_snapshot_file(const fs::path& p) { return is_yaml_file(p) || p.extension() == ".json"; }

// Hands out the inputs one at a time, in command-line order: each line of a JSON Lines file or of stdin, each
// snapshot file of a directory (sorted by name), a YAML file named on the command line as one snapshot (what
// `kbdiag collect` writes; YAML is not JSON Lines). Streaming: a file is read line by line as the workers ask.
class InputReader {
public:
    explicit InputReader(std::vector<std::string> sources) : sources_(std::move(sources)) {
        if (sources_.empty()) sources_.push_back("-");
    }

    std::optional<Input> next() {
        for (;;) {
            if (!pending_.empty()) {   // files of a directory, or a source that could not be opened
                Input in = std::move(pending_.front());
                pending_.pop_front();
                if (in.text.empty() && in.io_error.empty()) read_whole_file(in);
                return in;
            }
            if (stream_) {
                if (auto line = next_line()) return line;
                file_.close();
                stream_ = nullptr;
            }
            if (next_source_ >= sources_.size()) return std::nullopt;
            open(sources_[next_source_++]);
        }
    }

private:
    void open(const std::string& source) {
        line_no_ = 0;
        if (source == "-") {
            name_ = "stdin";
            stream_ = &std::cin;
            return;
        }
        std::error_code ec;
        if (fs::is_directory(source, ec)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(source, ec))
                if (e.is_regular_file() && is_snapshot_file(e.path())) files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto& f : files) pending_.push_back(Input{f.string(), {}, {}});
            if (ec) pending_.push_back(Input{source, {}, "cannot list the folder: " + ec.message()});
            return;
        }
        if (is_yaml_file(source)) {
            pending_.push_back(Input{source, {}, {}});
            return;
        }
        file_.open(source, std::ios::binary);
        if (!file_) {
            pending_.push_back(Input{source, {}, "cannot open: " + std::string(std::strerror(errno))});
            return;
        }
        name_ = source;
        stream_ = &file_;
    }

    // The next non-blank line, labelled file:line (blank lines count for the numbering, not as inputs). A line
    // longer than a snapshot may be becomes an error record and ends that source: such an input is not JSON
    // Lines (a binary file, /dev/zero), and memory stays bounded whatever it is.
    std::optional<Input> next_line() {
        std::string line;
        bool too_long = false;
        while (read_capped_line(*stream_, line, too_long)) {
            ++line_no_;
            std::string label = fmt::format("{}:{}", name_, line_no_);
            if (too_long) {
                stream_->setstate(std::ios::failbit);   // the caller moves on to the next source
                return Input{std::move(label), {},
                             fmt::format("line longer than {} bytes (a snapshot is at most 64 MiB); the rest of "
                                         "{} is skipped", limits::snapshot_bytes, name_)};
            }
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.find_first_not_of(" \t") == std::string::npos) continue;
            return Input{std::move(label), std::move(line), {}};
        }
        return std::nullopt;
    }

    // std::getline with a cap: false at the end of the stream (or once it failed). Stops with `too_long` set
    // once the line passes the cap. Reads in chunks (istream::getline scans the stream's buffer for the newline):
    // a character at a time cost 25 instructions a byte, 7% of a batch run on long lines.
    static bool read_capped_line(std::istream& in, std::string& line, bool& too_long) {
        line.clear();
        too_long = false;
        if (!in) return false;
        char chunk[1 << 14];
        for (;;) {
            in.getline(chunk, sizeof chunk);
            const auto got = static_cast<std::size_t>(in.gcount());
            if (in.eof()) {   // the last line, without a newline (or nothing at all)
                line.append(chunk, got);
                return !line.empty();
            }
            if (!in.fail()) {   // the newline was read (and counted): the line is complete
                line.append(chunk, got - 1);
                return true;
            }
            in.clear();   // the chunk filled up before the newline: the line goes on
            line.append(chunk, got);
            if (line.size() > limits::snapshot_bytes) {
                too_long = true;
                return true;
            }
        }
    }

    static void read_whole_file(Input& in) {
        std::string error;
        if (!read_file(in.label, in.text, error, limits::snapshot_bytes)) in.io_error = "cannot read: " + error;
        else if (in.text.empty()) in.io_error = "empty file";
    }

    std::vector<std::string> sources_;
    std::size_t next_source_ = 0;
    std::deque<Input> pending_;
    std::ifstream file_;
    std::istream* stream_ = nullptr;
    std::string name_;
    std::size_t line_no_ = 0;
};

// ---------------------------------------------------------------------------------------------- diagnosing one

// What the summary groups an input by (taken from its facts), and its answer.
struct Keys {
    std::string problem;                // problem id, or "(triage)" when no error was known
    std::string top_cause;              // the most likely cause ("" when none)
    std::string server;
    std::string vendor;
    std::string windows_release;
};

// One input's outcome: the JSON line to write and what the summary needs.
struct Outcome {
    std::string line;                   // compact JSON, no newline
    bool failed = false;
    Keys keys;
    bool rule_errors = false;           // a rule failed while running on this input (for --strict)
};

std::string dump_line(const json& j) {
    // Compact, keys sorted (nlohmann's default object), bytes that are not UTF-8 replaced rather than thrown on.
    return dump_json_compact(j);
}

Outcome error_outcome(const std::string& label, const std::string& code, const std::string& message) {
    json j{{"schema", batch_schema}, {"input", label}, {"error", {{"code", code}, {"message", message}}}};
    return Outcome{dump_line(j), true, {}};
}

// The fact as text, or "" when it is not known.
std::string fact_text(const FactStore& facts, const std::string& name) {
    const FactValue* v = facts.value(name);
    if (!v) return {};
    if (v->is_string()) return v->as_string();
    if (std::holds_alternative<std::int64_t>(v->v)) return std::to_string(std::get<std::int64_t>(v->v));
    return {};
}

std::string first_known(const FactStore& facts, std::initializer_list<const char*> names) {
    for (const char* n : names)
        if (auto t = fact_text(facts, n); !t.empty()) return t;
    return {};
}

// Groups for the summary. The release name is derived by the rules (in the report's facts); the build is the
// fallback so a fleet without the derivation still groups by something.
Keys keys_of(const Report& r, const FactStore& facts) {
    Keys k;
    k.problem = r.is_triage ? "(triage)" : r.problem_id;
    if (r.is_triage && !r.triage.entries.empty()) k.top_cause = r.triage.entries.front().cause_id;
    if (!r.is_triage && !r.ranking.causes.empty()) k.top_cause = r.ranking.causes.front().id;
    k.server = first_known(facts, {"target.server", "server.dns_name", "server.netbios_name", "server.address"});
    k.vendor = first_known(facts, {"server.vendor", "server.vendor_guess"});
    for (const auto& f : r.facts)
        if (f.name == "windows.release_name" && f.state == "known") k.windows_release = f.value;
    if (k.windows_release.empty()) k.windows_release = first_known(facts, {"windows.release_name"});
    if (k.windows_release.empty())
        if (auto build = fact_text(facts, "windows.build"); !build.empty()) k.windows_release = "build " + build;
    return k;
}

json causes_json(const Report& r) {
    json causes = json::array();
    if (r.is_triage) {
        for (const auto& e : r.triage.entries) {
            if (causes.size() >= causes_per_record) break;
            causes.push_back(
                {{"id", e.cause_id}, {"problem", e.problem_id}, {"probability", round_to(e.probability, 4)}});
        }
    } else {
        for (const auto& c : r.ranking.causes) {
            if (causes.size() >= causes_per_record) break;
            causes.push_back({{"id", c.id}, {"probability", round_to(c.probability, 4)}});
        }
    }
    return causes;
}

// A string as nlohmann prints it: ids and the like (printable ASCII without quotes or backslashes) need no
// escaping; anything else is left to nlohmann.
void append_json_string(std::string& out, const std::string& s) {
    const bool plain = std::all_of(s.begin(), s.end(), [](char c) { return text::json_plain_char(c); });
    if (!plain) {
        out += dump_json_compact(json(s));
        return;
    }
    out += '"';
    out += s;
    out += '"';
}

// Every finding of the diagnosis (counted or not), by cause in ranking order, strongest first: which rules fired
// and what they weighed, without the rest of the report. A triage has none (its problems were not ranked).
// Printed here rather than built as nlohmann objects: a finding is a small object and there are hundreds per
// snapshot on a big knowledge base, where building them cost more than the diagnosis. The text is what nlohmann
// would print (keys sorted; numbers still printed by nlohmann).
std::string evidence_text(const Report& r) {
    std::string out = "[";
    std::optional<double> last_lr;   // ratios repeat (a knowledge base uses a few): print each run of them once
    std::string last_lr_text;
    if (!r.is_triage)
        for (const auto& c : r.ranking.causes)
            for (const auto& f : c.evidence) {
                if (out.size() > 1) out += ',';
                out += "{\"cause\":";
                append_json_string(out, f.cause);
                out += f.counted ? ",\"counted\":true,\"lr\":" : ",\"counted\":false,\"lr\":";
                const double lr = round_to(f.applied_lr, 4);
                if (last_lr != lr) last_lr_text = dump_json_compact(json(lr));
                last_lr = lr;
                out += last_lr_text;
                out += ",\"rule\":";
                append_json_string(out, f.rule);
                out += '}';
            }
    return out + "]";
}

// The record's line: `record`'s members in key order, as nlohmann prints a sorted object, with the "evidence"
// member (--detail evidence) in its place among them.
std::string record_line(const json& record, const std::string* evidence) {
    if (!evidence) return dump_line(record);
    constexpr std::string_view evidence_key = "evidence";
    std::string out = "{";
    auto member = [&](std::string_view key, const std::string& value) {
        if (out.size() > 1) out += ',';
        out += '"';
        out += key;   // the record's keys are fixed ASCII names
        out += "\":";
        out += value;
    };
    bool placed = false;
    for (auto it = record.begin(); it != record.end(); ++it) {
        if (!placed && it.key() > evidence_key) {
            member(evidence_key, *evidence);
            placed = true;
        }
        member(it.key(), dump_line(it.value()));
    }
    if (!placed) member(evidence_key, *evidence);
    return out + "}";
}

json record_json(const std::string& label, const Report& r, const Diagnostics& snapshot_diagnostics,
                 BatchDetail detail) {
    json j{{"schema", batch_schema},
           {"input", label},
           {"host", r.host_name.empty() ? json(nullptr) : json(r.host_name)},
           {"problem", r.is_triage ? json(nullptr) : json(r.problem_id)},
           {"error_code", r.error_as_typed.empty() ? json(nullptr) : json(r.error_as_typed)},
           {"is_triage", r.is_triage},
           {"causes", causes_json(r)}};
    json plan = json::array();   // the first step of the fix plan: what a fleet owner acts on
    if (!r.is_triage && !r.ranking.plan.empty()) plan.push_back({{"id", r.ranking.plan.front().id},
                                                                 {"title", r.ranking.plan.front().title}});
    if (r.is_triage && !r.triage.entries.empty() && !r.triage.entries.front().first_fix.empty())
        plan.push_back({{"title", r.triage.entries.front().first_fix}});
    j["plan"] = plan;
    json warnings = json::array();   // e.g. SNAP003: an unknown fact was dropped
    for (const auto& d : snapshot_diagnostics.items())
        if (d.severity == Severity::warning) warnings.push_back({{"code", d.code}, {"message", d.message}});
    if (!warnings.empty()) j["warnings"] = warnings;
    if (detail == BatchDetail::full) j["report"] = report_to_json(r);   // (evidence: see record_line)
    return j;
}

// Everything per input that does not change from one input to the next.
struct BatchContext {
    std::unique_ptr<DiagnosisSession> session;
    const BatchArgs* args = nullptr;
};

// Parses and diagnoses one input. Never throws for a bad input: that becomes an error record.
Outcome diagnose_input(const BatchContext& ctx, Input in) {
    if (!in.io_error.empty()) return error_outcome(in.label, codes::snap_io, in.io_error);
    const KnowledgeBase& kb = ctx.session->kb();
    Diagnostics sd;
    std::optional<Snapshot> snap = parse_snapshot(in.text, in.label, kb, sd);
    if (!snap) {
        for (const auto& d : sd.items())
            if (d.severity == Severity::error) return error_outcome(in.label, d.code, d.message);
        return error_outcome(in.label, codes::snap_schema, "not a snapshot");
    }
    DiagnosisRequest req;
    req.facts = std::move(snap->facts);
    req.collectors = std::move(snap->collectors);
    req.host_name = snap->host_name;
    req.snapshot = in.label;
    req.questions = !ctx.args->no_questions;
    req.detail = engine_detail(ctx.args->detail);
    // The snapshot's own error.code wins; --error fills in for the snapshots that do not say. Passed as the request's
    // error (not left to the session, which falls back to a triage) so a code no problem matches is this input's
    // error record: in a fleet, a typo in one snapshot must show, not turn into a quiet triage.
    const FactValue* code = req.facts.value("error.code");
    req.error = code && code->is_string() ? code->as_string() : ctx.args->error;
    try {
        Report r = ctx.session->diagnose(req);
        Outcome out;
        const bool with_evidence = ctx.args->detail == BatchDetail::evidence;
        const std::string evidence = with_evidence ? evidence_text(r) : std::string();
        out.line = record_line(record_json(in.label, r, sd, ctx.args->detail), with_evidence ? &evidence : nullptr);
        out.keys = keys_of(r, req.facts);
        out.rule_errors = !r.rule_errors.empty();
        return out;
    } catch (const UnknownErrorCode& e) {
        return error_outcome(in.label, codes::cli_unknown_error,
                             fmt::format("error code '{}' matches no problem in the knowledge base", e.error));
    } catch (const std::exception& e) {   // one input's internal failure must not lose the fleet's other answers
        return error_outcome(in.label, "internal", e.what());
    }
}

// ---------------------------------------------------------------------------------------------- summary

// Per group (a problem, a server, ...): how many inputs, and how often each cause came out on top.
struct Group {
    std::size_t count = 0;
    std::map<std::string, std::size_t> top_causes;
};

struct BatchSummary {
    std::size_t inputs = 0;
    std::size_t failed = 0;
    std::size_t triage = 0;
    // "problem", "server", "vendor", "windows_release" -> group name -> group
    std::map<std::string, std::map<std::string, Group>> by;

    void add(const Outcome& o) {
        ++inputs;
        if (o.failed) {
            ++failed;
            return;
        }
        if (o.keys.problem == "(triage)") ++triage;
        add_to("problem", o.keys.problem, o.keys.top_cause);
        add_to("server", o.keys.server, o.keys.top_cause);
        add_to("vendor", o.keys.vendor, o.keys.top_cause);
        add_to("windows_release", o.keys.windows_release, o.keys.top_cause);
    }

private:
    void add_to(const std::string& kind, const std::string& key, const std::string& cause) {
        Group& g = by[kind][key.empty() ? "(unknown)" : key];
        ++g.count;
        if (!cause.empty()) ++g.top_causes[cause];
    }
};

// Most frequent first, ties by name: the order people read and tests can rely on.
template <class Map>
std::vector<std::pair<std::string, std::size_t>> by_count(const Map& m) {
    std::vector<std::pair<std::string, std::size_t>> v;
    for (const auto& [k, x] : m) {
        if constexpr (std::is_same_v<std::decay_t<decltype(x)>, Group>) v.emplace_back(k, x.count);
        else v.emplace_back(k, x);
    }
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    return v;
}

constexpr std::size_t summary_top_causes = 3;
const std::vector<std::pair<std::string, std::string>> summary_sections = {
    {"problem", "By problem"}, {"server", "By server"}, {"vendor", "By vendor"},
    {"windows_release", "By Windows release"}};

json summary_json(const BatchSummary& s) {
    json j{{"schema", batch_summary_schema},
           {"inputs", s.inputs},
           {"diagnosed", s.inputs - s.failed},
           {"failed", s.failed},
           {"triage", s.triage}};
    for (const auto& [kind, title] : summary_sections) {
        json groups = json::array();
        auto it = s.by.find(kind);
        if (it != s.by.end()) {
            for (const auto& [name, count] : by_count(it->second)) {
                json causes = json::array();
                for (const auto& [cause, n] : by_count(it->second.at(name).top_causes))
                    causes.push_back({{"id", cause}, {"count", n}});
                groups.push_back({{"name", name}, {"count", count}, {"top_causes", causes}});
            }
        }
        j["by_" + kind] = groups;
    }
    return j;
}

std::string summary_text(const BatchSummary& s) {
    std::string out = fmt::format("{} inputs: {} diagnosed ({} without an error: triage), {} failed\n", s.inputs,
                                  s.inputs - s.failed, s.triage, s.failed);
    for (const auto& [kind, title] : summary_sections) {
        auto it = s.by.find(kind);
        if (it == s.by.end()) continue;
        out += fmt::format("\n{} (inputs; most frequent top causes):\n", title);
        for (const auto& [name, count] : by_count(it->second)) {
            out += fmt::format("  {:<32} {:>6}\n", escape_controls(name), count);
            std::size_t shown = 0;
            for (const auto& [cause, n] : by_count(it->second.at(name).top_causes)) {
                if (shown++ == summary_top_causes) break;
                out += fmt::format("    {:<30} {:>6}\n", cause, n);
            }
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------- output

// Progress on stderr, only for a person watching (a terminal), at most a few times a second.
class Progress {
public:
    Progress() : enabled_(::isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_(start_) {}
    void tick(std::size_t done) {
        if (!enabled_) return;
        const auto now = Clock::now();
        if (now - last_ < std::chrono::milliseconds(250)) return;
        last_ = now;
        print(done, now);
    }
    void finish(std::size_t done) {
        if (!enabled_) return;
        print(done, Clock::now());
        std::cerr << '\n';
    }

private:
    using Clock = std::chrono::steady_clock;
    void print(std::size_t done, Clock::time_point now) {
        const double s = std::chrono::duration<double>(now - start_).count();
        std::cerr << fmt::format("\rkbdiag batch: {} done, {:.0f}/s   ", done,
                                 s > 0 ? static_cast<double>(done) / s : 0.0)
                  << std::flush;
    }
    bool enabled_;
    Clock::time_point start_, last_;
};

int run_batch(const GlobalOptions& g, const BatchArgs& a) {
    Diagnostics kb_notes;
    BatchContext ctx;
    ctx.args = &a;
    ctx.session = std::make_unique<DiagnosisSession>(load_kb_or_throw(g, kb_notes, false, KbPart::for_diagnosis),
                                                     [] { return std::make_unique<LuaRuleRuntime>(RuntimeLimits{}); });
    if (ctx.session->load_diagnostics().has_errors()) print_diagnostics(ctx.session->load_diagnostics());
    check_error_known(ctx.session->kb(), a.error);   // would fail every input: refuse it once, up front

    // Records go to -o FILE, else to stdout unless only the summary was asked for.
    std::ofstream file;
    if (!a.output.empty() && a.output != "-") {
        file.open(a.output, std::ios::binary | std::ios::trunc);
        if (!file) throw CliError{exit_output, fmt::format("{}: cannot write: {}", a.output, std::strerror(errno))};
    }
    std::ostream* records = file.is_open() ? &file : (a.summary ? nullptr : &std::cout);

    const std::size_t jobs = a.jobs ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
    InputReader reader(a.inputs);
    BatchSummary summary;
    Progress progress;
    std::size_t with_rule_errors = 0;
    ordered_parallel_map<Input, Outcome>(
        [&] { return reader.next(); },
        [&](Input in) { return diagnose_input(ctx, std::move(in)); },
        [&](Outcome o) {
            if (records) {
                *records << o.line << '\n';
                if (!*records) throw CliError{exit_output, "error: could not write the records"};
            }
            summary.add(o);
            with_rule_errors += o.rule_errors ? 1 : 0;
            progress.tick(summary.inputs);
        },
        jobs);
    progress.finish(summary.inputs);
    if (records) {
        records->flush();
        if (!*records) throw CliError{exit_output, "error: could not write the records"};
    }

    if (a.summary) write_output("", a.format == "json" ? dump_json(summary_json(summary)) : summary_text(summary));
    // The knowledge (3) before the inputs (4), as the README's exit-code order says.
    if (a.strict && ctx.session->load_diagnostics().has_errors()) {
        std::cerr << fmt::format("kbdiag batch: --strict: rules did not load (first: {})\n",
                                 first_error(ctx.session->load_diagnostics()));
        return exit_kb;
    }
    if (a.strict && with_rule_errors > 0) {
        std::cerr << fmt::format("kbdiag batch: --strict: a rule failed while running on {} of {} inputs\n",
                                 with_rule_errors, summary.inputs);
        return exit_kb;
    }
    if (summary.failed) {
        std::cerr << fmt::format("kbdiag batch: {} of {} inputs failed (see their \"error\" records)\n",
                                 summary.failed, summary.inputs);
        return exit_input;
    }
    return exit_ok;
}

}  // namespace

void setup_batch(CLI::App& app, const GlobalOptions& g, RunFn& run) {
    static BatchArgs a;
    CLI::App* sub = app.add_subcommand(
        "batch", "Diagnose many snapshots (JSON Lines, or a folder of snapshots): one JSON line per snapshot");
    sub->add_option("input", a.inputs,
                    "JSON Lines file (one snapshot per line), a folder of snapshot files, or - for stdin (default)")
        ->type_name("INPUT");
    sub->add_option("-j,--jobs", a.jobs, "Diagnoses in parallel (default: one per hardware thread)")
        ->type_name("N")
        ->check(CLI::Range(1u, 1024u));
    // Checked as text (the help's and the completions' {ranking,evidence,full}, the usual "not in" error), then
    // read into the enum once, here.
    std::vector<std::string> detail_names;
    for (const auto& entry : batch_details) detail_names.emplace_back(entry.first);
    sub->add_option_function<std::string>(
        "--detail",
        [](const std::string& value) {
            for (const auto& [name, detail] : batch_details)
                if (value == name) a.detail = detail;
        },
        "Per-input record: ranking (top causes and first fix), evidence (also every finding: cause, rule, ratio) "
        "or full (the whole report under \"report\")")
        ->type_name("LEVEL")
        ->check(CLI::IsMember(detail_names));
    sub->add_flag("--summary", a.summary, "Print totals by problem, server, vendor and Windows release instead of the "
                                          "records (with -o: the records go to FILE, the summary to stdout)");
    sub->add_option("--format", a.format, "Summary format: text or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    sub->add_option("-o,--output", a.output, "Write the records to FILE (as they come) instead of stdout")
        ->type_name("FILE");
    sub->add_option("-e,--error", a.error, "The error for every snapshot that has no error.code fact")
        ->type_name("CODE");
    sub->add_flag("--no-questions", a.no_questions, "Do not compute what to check next (much faster)");
    sub->add_flag("--strict", a.strict,
                  "Exit 3 when a rule did not load or failed while running on any input (a Lua error or budget); "
                  "records still written");
    sub->footer(std::string("Output: JSON Lines in input order (schema kbdiag-batch/1); an input that cannot be "
                            "diagnosed gives {\"input\": ..., \"error\": {\"code\", \"message\"}} and exit code 4.\n") +
                exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_batch(g, a); }; });
}

}  // namespace kbdiag::cli
