// The C API (kbdiag.h) over DiagnosisSession. Every entry point runs its body through guarded(), which turns
// every exception into a status and an error object: no C++ exception crosses the boundary.
#include "bindings/c/kbdiag.h"

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bindings/c/knowledge_location.hpp"
#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/platform.hpp"
#include "engine/kb/script_refs.hpp"
#include "engine/report/report.hpp"
#include "engine/session/diagnosis_session.hpp"
#include "engine/snapshot/snapshot.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

struct kbdiag_error {
    kbdiag_status status = KBDIAG_ERR_INTERNAL;
    std::string message;
    std::string diagnostic;   // "SNAP001", or empty
    std::string file;
    int line = 0;
    int column = 0;
    std::string diagnostics_json = "[]";
};

namespace kbdiag::capi {

namespace {

// A failure with its status; thrown inside the library, caught by guarded().
struct ApiError {
    kbdiag_status status;
    std::string message;
    Diagnostics diagnostics;   // behind the failure; the first error gives the code and the location
};

[[noreturn]] void fail(kbdiag_status status, std::string message) { throw ApiError{status, std::move(message), {}}; }

// A diagnostic as the lint JSON and the error objects show it: its report form plus file, line and column.
json diagnostic_json(const Diagnostic& d) {
    json j = diagnostic_to_json(d);
    const SourceLocation at = d.primary();
    j["file"] = at.file;
    j["line"] = at.line;
    j["column"] = at.column;
    return j;
}

// "file:line:col: error[CODE]: message": one line, the command line's form without the source snippet.
std::string one_line(const Diagnostic& d) {
    const std::string where = d.primary().to_string();
    return fmt::format("{}{}{}[{}]: {}", where, where.empty() ? "" : ": ", to_string(d.severity), d.code, d.message);
}

const Diagnostic* first_error(const Diagnostics& diagnostics) {
    for (const auto& d : diagnostics.items())
        if (d.severity == Severity::error) return &d;
    return nullptr;
}

kbdiag_error* make_error(const ApiError& e) {
    auto err = std::make_unique<kbdiag_error>();
    err->status = e.status;
    err->message = e.message;
    if (const Diagnostic* d = first_error(e.diagnostics)) {
        err->diagnostic = d->code;
        err->file = d->primary().file;
        err->line = d->primary().line;
        err->column = d->primary().column;
    }
    json all = json::array();
    for (const auto& d : e.diagnostics.items()) all.push_back(diagnostic_json(d));
    err->diagnostics_json = dump_json_compact(all);
    return err.release();
}

// Runs `body`; any exception becomes a status and, when `err` is not NULL, an error object. If even the error
// object cannot be allocated, *err stays NULL and the status still says what happened.
template <class Body>
kbdiag_status guarded(kbdiag_error** err, Body&& body) noexcept {
    if (err) *err = nullptr;
    ApiError failure{KBDIAG_ERR_INTERNAL, "", {}};
    try {
        body();
        return KBDIAG_OK;
    } catch (ApiError& e) {
        failure = std::move(e);
    } catch (const UnknownErrorCode& e) {
        failure.status = KBDIAG_ERR_UNKNOWN_ERROR_CODE;
        failure.message = e.what();
    } catch (const std::bad_alloc&) {
        if (err) *err = nullptr;
        return KBDIAG_ERR_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        failure.message = fmt::format("internal error: {}", e.what());
    } catch (...) {
        failure.message = "internal error: unknown exception";
    }
    if (err) {
        try {
            *err = make_error(failure);
        } catch (...) {
            *err = nullptr;
        }
    }
    return failure.status;
}

// A copy the caller frees with kbdiag_string_free() (free()).
char* c_string(const std::string& s) {
    char* out = static_cast<char*>(std::malloc(s.size() + 1));
    if (!out) throw std::bad_alloc();
    std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

// Bounds the diagnoses running at once (kbdiag_options.max_workers), hence the Lua states the pool creates.
class WorkerLimit {
public:
    explicit WorkerLimit(unsigned max) : max_(max) {}

    class Slot {
    public:
        explicit Slot(WorkerLimit& limit) : limit_(limit) { limit_.take(); }
        ~Slot() { limit_.give_back(); }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

    private:
        WorkerLimit& limit_;
    };

private:
    void take() {
        if (max_ == 0) return;
        std::unique_lock lock(mutex_);
        freed_.wait(lock, [this] { return in_use_ < max_; });
        ++in_use_;
    }
    void give_back() {
        if (max_ == 0) return;
        {
            std::lock_guard lock(mutex_);
            --in_use_;
        }
        freed_.notify_one();
    }

    const unsigned max_;
    unsigned in_use_ = 0;
    std::mutex mutex_;
    std::condition_variable freed_;
};

// The options as the library reads them, defaults filled in.
struct SessionSetup {
    std::string builtin_kb;             // empty: none
    std::vector<std::string> folders;   // the builtin first, then the caller's
    unsigned max_workers = 0;
};

void require_folder(const std::string& folder, const char* what) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw ApiError{KBDIAG_ERR_KNOWLEDGE,
                       fmt::format("{}: error[{}]: {} does not exist or is not a folder", folder, codes::kb_folder,
                                   what),
                       {}};
}

SessionSetup read_options(const kbdiag_options* opts) {
    kbdiag_options defaults;
    kbdiag_options_init(&defaults);
    if (!opts) opts = &defaults;
    if (opts->struct_size < sizeof(kbdiag_options))
        fail(KBDIAG_ERR_INVALID_ARGUMENT, "kbdiag_options.struct_size is too small: fill the options with "
                                          "kbdiag_options_init() first");
    if (opts->kb_folder_count > 0 && !opts->kb_folders)
        fail(KBDIAG_ERR_INVALID_ARGUMENT, "kbdiag_options.kb_folders is NULL but kb_folder_count is not 0");
    SessionSetup setup;
    setup.max_workers = opts->max_workers;
    if (!opts->no_builtin_kb) {
        setup.builtin_kb = find_builtin_kb(opts->builtin_kb);
        if (setup.builtin_kb.empty())
            fail(KBDIAG_ERR_KNOWLEDGE, fmt::format("error[{}]: the shipped knowledge base was not found (set "
                                                   "KBDIAG_KNOWLEDGE or kbdiag_options.builtin_kb)",
                                                   codes::kb_folder));
        require_folder(setup.builtin_kb, "the shipped knowledge folder");
        setup.folders.push_back(setup.builtin_kb);
    }
    for (std::size_t i = 0; i < opts->kb_folder_count; ++i) {
        if (!opts->kb_folders[i])
            fail(KBDIAG_ERR_INVALID_ARGUMENT, fmt::format("kbdiag_options.kb_folders[{}] is NULL", i));
        require_folder(opts->kb_folders[i], "knowledge folder");
        setup.folders.emplace_back(opts->kb_folders[i]);
    }
    if (setup.folders.empty())
        fail(KBDIAG_ERR_INVALID_ARGUMENT, "no knowledge base: no_builtin_kb needs at least one of kb_folders");
    return setup;
}

// The knowledge base, or an ApiError listing every load error. Returns the warnings and notes with it.
LoadResult load_kb(const std::vector<std::string>& folders) {
    LoadOptions lo;
    lo.folders = folders;
    lo.scenarios = false;   // diagnosis never reads them
    LoadResult lr = load_knowledge_base(lo);
    lr.diagnostics.sort();
    if (!lr.kb || lr.diagnostics.has_errors()) {
        const std::size_t errors = lr.diagnostics.count(Severity::error);
        const Diagnostic* first = first_error(lr.diagnostics);
        std::string message =
            fmt::format("knowledge base unusable: {} error(s) in {}", errors, fmt::join(folders, ", "));
        if (first) message = fmt::format("{} (first: {})", message, one_line(*first));
        throw ApiError{KBDIAG_ERR_KNOWLEDGE, std::move(message), std::move(lr.diagnostics)};
    }
    return lr;
}

}  // namespace

}  // namespace kbdiag::capi

struct kbdiag_session {
    std::unique_ptr<kbdiag::DiagnosisSession> session;
    std::string builtin_kb;
    std::vector<std::string> folders;
    kbdiag::Diagnostics kb_diagnostics;   // the load's warnings and notes, for kbdiag_session_lint_json()
    std::unique_ptr<kbdiag::capi::WorkerLimit> limit;
};

namespace kbdiag::capi {

namespace {

void require(bool ok, const char* what) {
    if (!ok) fail(KBDIAG_ERR_INVALID_ARGUMENT, what);
}

Snapshot parse_or_throw(const std::string& text, const std::string& name, const KnowledgeBase& kb,
                        Diagnostics& carried) {
    Diagnostics sd;
    std::optional<Snapshot> snap = parse_snapshot(text, name, kb, sd);
    sd.sort();
    if (!snap) {
        const Diagnostic* first = first_error(sd);
        std::string message = first ? one_line(*first)
                                    : fmt::format("{}: error[{}]: not a snapshot", name, codes::snap_schema);
        throw ApiError{KBDIAG_ERR_BAD_SNAPSHOT, std::move(message), std::move(sd)};
    }
    carried.append(sd);
    return std::move(*snap);
}

// The request `kbdiag infer SNAPSHOT [--error CODE]` makes: snapshot facts, the rules' load diagnostics and the
// snapshot's warnings shown in the report, a note when the snapshot is old.
DiagnosisRequest request_for(const kbdiag_session& s, Snapshot snap, Diagnostics snapshot_diagnostics,
                             const std::string& name, const char* error_code, unsigned flags) {
    DiagnosisRequest req;
    req.diagnostics.append(s.session->load_diagnostics());
    req.diagnostics.append(snapshot_diagnostics);
    if (auto stale = snapshot_age_warning(snap, std::chrono::system_clock::now())) req.notes.push_back(*stale);
    req.facts = std::move(snap.facts);
    req.collectors = std::move(snap.collectors);
    req.host_name = std::move(snap.host_name);
    req.snapshot = name;
    req.error = error_code ? error_code : "";
    req.questions = (flags & KBDIAG_NO_QUESTIONS) == 0;
    return req;
}

std::string diagnose(kbdiag_session& s, const char* snapshot, std::size_t len, const char* snapshot_name,
                     const char* error_code, unsigned flags) {
    constexpr unsigned known_flags = KBDIAG_NO_QUESTIONS;
    if (flags & ~known_flags)
        fail(KBDIAG_ERR_INVALID_ARGUMENT, fmt::format("unknown flags 0x{:x}", flags & ~known_flags));
    const std::string name = snapshot_name && *snapshot_name ? snapshot_name : "<snapshot>";
    Diagnostics snapshot_diagnostics;
    Snapshot snap = parse_or_throw(std::string(snapshot, len), name, s.session->kb(), snapshot_diagnostics);
    const DiagnosisRequest req =
        request_for(s, std::move(snap), std::move(snapshot_diagnostics), name, error_code, flags);
    WorkerLimit::Slot slot(*s.limit);
    try {
        return render_json(s.session->diagnose(req));
    } catch (const UnknownErrorCode& e) {
        ApiError unknown{KBDIAG_ERR_UNKNOWN_ERROR_CODE, "", {}};
        const Diagnostic& d = unknown.diagnostics.error(
            codes::cli_unknown_error, fmt::format("error code '{}' matches no problem in the knowledge base "
                                                  "(kbdiag_session_problems_json() lists them)",
                                                  e.error));
        unknown.message = one_line(d);
        throw unknown;
    }
}

std::string problems_json(const KnowledgeBase& kb) {
    json problems = json::array();
    for (const auto& [id, p] : kb.problems)
        problems.push_back(json{{"id", id},
                                {"title", p.title},
                                {"message", p.message},
                                {"codes", p.codes},
                                {"platform", to_string(p.platform)}});
    return dump_json(problems);
}

// What `kbdiag kb lint --format json` reports, for what this session loaded.
std::string lint_json(const kbdiag_session& s) {
    const KnowledgeBase& kb = s.session->kb();
    Diagnostics all = s.kb_diagnostics;
    all.append(s.session->load_diagnostics());
    check_script_references(kb, all);
    all.sort();
    json diagnostics = json::array();
    for (const auto& d : all.items()) diagnostics.push_back(diagnostic_json(d));
    const std::size_t errors = all.count(Severity::error);
    return dump_json(json{{"schema", "kbdiag-lint/1"},
                          {"folders", s.folders},
                          {"strict", false},
                          {"errors", errors},
                          {"warnings", all.count(Severity::warning)},
                          {"notes", all.count(Severity::note)},
                          {"ok", errors == 0},
                          {"diagnostics", diagnostics},
                          {"counts", json{{"facts", kb.facts.size()},
                                          {"problems", kb.problems.size()},
                                          {"causes", kb.causes.size()},
                                          {"fixes", kb.fixes.size()},
                                          {"rules", kb.rules.size()},
                                          {"references", kb.references.size()}}}});
}

// kbdiag_json_lookup(): the value at `pointer`, strings unquoted; nullopt when absent.
std::optional<std::string> json_lookup(const char* text, const char* pointer) {
    json doc = json::parse(text, nullptr, false);
    if (doc.is_discarded()) fail(KBDIAG_ERR_INVALID_ARGUMENT, "kbdiag_json_lookup: `json` is not valid JSON");
    json::json_pointer at;
    try {
        at = json::json_pointer(pointer);
    } catch (const json::exception& e) {
        fail(KBDIAG_ERR_INVALID_ARGUMENT, fmt::format("kbdiag_json_lookup: pointer '{}': {}", pointer, e.what()));
    }
    if (!doc.contains(at)) return std::nullopt;
    const json& value = doc.at(at);
    if (value.is_string()) return value.get<std::string>();
    return dump_json_compact(value);
}

}  // namespace

}  // namespace kbdiag::capi

using namespace kbdiag::capi;

extern "C" {

const char* kbdiag_status_name(kbdiag_status status) {
    switch (status) {
    case KBDIAG_OK: return "ok";
    case KBDIAG_ERR_INTERNAL: return "internal";
    case KBDIAG_ERR_INVALID_ARGUMENT: return "invalid_argument";
    case KBDIAG_ERR_KNOWLEDGE: return "knowledge";
    case KBDIAG_ERR_BAD_SNAPSHOT: return "bad_snapshot";
    case KBDIAG_ERR_UNKNOWN_ERROR_CODE: return "unknown_error_code";
    case KBDIAG_ERR_OUT_OF_MEMORY: return "out_of_memory";
    }
    return "unknown";
}

const char* kbdiag_version(void) { return KBDIAG_VERSION; }

void kbdiag_error_free(kbdiag_error* err) { delete err; }
kbdiag_status kbdiag_error_status(const kbdiag_error* err) { return err ? err->status : KBDIAG_ERR_INVALID_ARGUMENT; }
const char* kbdiag_error_message(const kbdiag_error* err) { return err ? err->message.c_str() : ""; }
const char* kbdiag_error_diagnostic(const kbdiag_error* err) { return err ? err->diagnostic.c_str() : ""; }
const char* kbdiag_error_file(const kbdiag_error* err) { return err ? err->file.c_str() : ""; }
int kbdiag_error_line(const kbdiag_error* err) { return err ? err->line : 0; }
int kbdiag_error_column(const kbdiag_error* err) { return err ? err->column : 0; }
const char* kbdiag_error_diagnostics_json(const kbdiag_error* err) {
    return err ? err->diagnostics_json.c_str() : "[]";
}

void kbdiag_options_init(kbdiag_options* opts) {
    if (!opts) return;
    *opts = kbdiag_options{};
    opts->struct_size = sizeof(kbdiag_options);
}

kbdiag_status kbdiag_session_open(const kbdiag_options* opts, kbdiag_session** out, kbdiag_error** err) {
    if (out) *out = nullptr;
    return guarded(err, [&] {
        require(out != nullptr, "kbdiag_session_open: `out` is NULL");
        SessionSetup setup = read_options(opts);
        kbdiag::LoadResult loaded = load_kb(setup.folders);
        auto s = std::make_unique<kbdiag_session>();
        s->kb_diagnostics = std::move(loaded.diagnostics);
        s->session = std::make_unique<kbdiag::DiagnosisSession>(
            loaded.kb, [] { return std::make_unique<kbdiag::LuaRuleRuntime>(kbdiag::RuntimeLimits{}); });
        s->builtin_kb = setup.builtin_kb;
        s->folders = setup.folders;
        s->limit = std::make_unique<WorkerLimit>(setup.max_workers);
        *out = s.release();
    });
}

void kbdiag_session_close(kbdiag_session* session) { delete session; }

const char* kbdiag_session_builtin_kb(const kbdiag_session* session) {
    return session ? session->builtin_kb.c_str() : "";
}

kbdiag_status kbdiag_diagnose(kbdiag_session* session, const char* snapshot, size_t len, const char* snapshot_name,
                              const char* error_code, unsigned flags, char** report_json, kbdiag_error** err) {
    if (report_json) *report_json = nullptr;
    return guarded(err, [&] {
        require(session != nullptr, "kbdiag_diagnose: `session` is NULL");
        require(snapshot != nullptr, "kbdiag_diagnose: `snapshot` is NULL");
        require(report_json != nullptr, "kbdiag_diagnose: `report_json` is NULL");
        *report_json = c_string(diagnose(*session, snapshot, len, snapshot_name, error_code, flags));
    });
}

kbdiag_status kbdiag_session_problems_json(const kbdiag_session* session, char** out, kbdiag_error** err) {
    if (out) *out = nullptr;
    return guarded(err, [&] {
        require(session != nullptr, "kbdiag_session_problems_json: `session` is NULL");
        require(out != nullptr, "kbdiag_session_problems_json: `json` is NULL");
        *out = c_string(problems_json(session->session->kb()));
    });
}

kbdiag_status kbdiag_session_lint_json(const kbdiag_session* session, char** out, kbdiag_error** err) {
    if (out) *out = nullptr;
    return guarded(err, [&] {
        require(session != nullptr, "kbdiag_session_lint_json: `session` is NULL");
        require(out != nullptr, "kbdiag_session_lint_json: `json` is NULL");
        *out = c_string(lint_json(*session));
    });
}

kbdiag_status kbdiag_json_lookup(const char* json_text, const char* pointer, char** value, kbdiag_error** err) {
    if (value) *value = nullptr;
    return guarded(err, [&] {
        require(json_text != nullptr, "kbdiag_json_lookup: `json` is NULL");
        require(pointer != nullptr, "kbdiag_json_lookup: `pointer` is NULL");
        require(value != nullptr, "kbdiag_json_lookup: `value` is NULL");
        if (auto found = json_lookup(json_text, pointer)) *value = c_string(*found);
    });
}

void kbdiag_string_free(char* s) { std::free(s); }

}  // extern "C"
