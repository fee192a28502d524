#pragma once
// Collectors read live state into facts. Each declares the facts it provides and the platforms it runs on,
// runs under a time limit, never throws out of collect(), and ends with one status.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/core/platform.hpp"
#include "engine/facts/fact_store.hpp"

namespace kbdiag {

class KnowledgeBase;

enum class CollectorStatus { ok, partial, failed, skipped, timeout };
const char* to_string(CollectorStatus s);
std::optional<CollectorStatus> collector_status_from_string(std::string_view s);

Platform current_platform();

struct CollectorReport {
    std::string id;
    CollectorStatus status = CollectorStatus::ok;
    std::int64_t duration_ms = 0;
    std::string message;
};

// Where collectors put what they find. Thread-safe: a collector that times out keeps running in its
// own thread and its late writes are discarded.
class FactSink {
public:
    void set(const std::string& name, FactValue value, std::string note = {});
    void set_absent(const std::string& name, std::string note = {});
    void set_failed(const std::string& name, std::string note = {});
    // Keeps the entry's own source when it has one (imports keep where a fact came from).
    void put(const std::string& name, FactEntry entry);
    // Diagnostics about the collector's input (a bad --fact, an unreadable import file).
    void report(Diagnostic diagnostic);
    // Takes what was written so far and closes the sink; later writes are ignored.
    // Entries without a source get `source`.
    FactStore close(const std::string& source);
    // The diagnostics reported so far (also after close()).
    Diagnostics diagnostics() const;
    bool closed() const;

private:
    mutable std::mutex mutex_;
    bool closed_ = false;
    FactStore facts_;
    Diagnostics diagnostics_;
};

struct CollectOptions {
    std::string root = "/";                            // file-system root for Linux collectors (tests use a fake tree)
    std::chrono::milliseconds time_limit{5000};        // per collector
    std::map<std::string, std::string> manual_facts;   // --fact name=value
    std::vector<std::string> import_files;             // --import SNAPSHOT
    std::string import_stdin;                          // the text of `--import -` (read by the caller)
    std::map<std::string, std::string> env;            // environment overrides (tests); a name not here: the real one
    std::string target;                                // --target \\server\share, //server/share, smb://server/share
    std::string server;                                // --server HOST[:PORT]: the server to probe (probe.smb)
    // The fact catalog, for collectors that type what people typed (manual) or read snapshots (import).
    // run_collectors() fills it (with a copy of the catalog) when it is empty.
    std::shared_ptr<const KnowledgeBase> kb;
};

// An environment variable: options.env first, then the process environment. nullopt when unset.
std::optional<std::string> get_env(const CollectOptions& options, const std::string& name);

// Result of one collector run, before the registry stamps status and duration.
struct CollectorOutcome {
    CollectorStatus status = CollectorStatus::ok;
    std::string message;
};

class Collector {
public:
    virtual ~Collector() = default;
    virtual std::string id() const = 0;
    virtual std::string description() const = 0;
    virtual std::vector<std::string> provides() const = 0;   // fact names, all in the catalog
    virtual std::vector<Platform> platforms() const = 0;
    // Returns skipped when it has nothing to do (e.g. no --fact given).
    virtual CollectorOutcome collect(const CollectOptions& options, FactSink& sink) = 0;
};

}  // namespace kbdiag
