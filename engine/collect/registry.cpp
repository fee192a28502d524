#include "engine/collect/registry.hpp"

#include <algorithm>
#include <exception>
#include <future>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "engine/collect/builtin.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/probe/probe_collector.hpp"
#ifdef _WIN32
#include "engine/collect/windows/windows_collectors.hpp"   // issue 3: the Windows collectors
#endif

namespace kbdiag {

namespace {

using Clock = std::chrono::steady_clock;

struct Timed {
    CollectorOutcome outcome;
    std::int64_t duration_ms = 0;
};

// One collector started in its own thread. Everything the thread touches is shared, so a thread left
// running after a timeout never reaches freed memory.
struct Running {
    std::size_t index = 0;
    std::shared_ptr<FactSink> sink;
    std::future<Timed> done;
    std::thread thread;
    Clock::time_point started;
    bool launched = false;
    std::string launch_error;
};

std::int64_t ms_since(Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

bool runs_here(const Collector& c) {
    const auto platforms = c.platforms();
    const Platform here = current_platform();
    return std::any_of(platforms.begin(), platforms.end(), [&](Platform p) { return p == Platform::any || p == here; });
}

Timed run_guarded(Collector& collector, const CollectOptions& options, FactSink& sink) {
    const auto t0 = Clock::now();
    Timed t;
    try {
        t.outcome = collector.collect(options, sink);
    } catch (const std::exception& e) {
        t.outcome = {CollectorStatus::failed, fmt::format("exception: {}", e.what())};
    } catch (...) {
        t.outcome = {CollectorStatus::failed, "unknown exception"};
    }
    t.duration_ms = ms_since(t0);
    return t;
}

Running launch(std::size_t index, std::shared_ptr<Collector> collector, std::shared_ptr<const CollectOptions> options) {
    Running r;
    r.index = index;
    r.sink = std::make_shared<FactSink>();
    r.started = Clock::now();
    auto promise = std::make_shared<std::promise<Timed>>();
    r.done = promise->get_future();
    try {
        r.thread = std::thread([collector, options, sink = r.sink, promise] {
            promise->set_value(run_guarded(*collector, *options, *sink));
        });
        r.launched = true;
    } catch (const std::exception& e) {
        r.launch_error = fmt::format("cannot start a thread: {}", e.what());
    }
    return r;
}

// Checks every fact against the catalog: unknown names are dropped, values are coerced to the catalog type.
FactStore validate(const FactStore& produced, const std::string& collector_id, const KnowledgeBase& kb,
                   Diagnostics& diagnostics) {
    FactStore out;
    for (const auto& [name, entry] : produced.entries()) {
        auto def = kb.facts.find(name);
        if (def == kb.facts.end()) {
            diagnostics.warning(codes::collector_unknown_fact,
                                fmt::format("collector '{}' produced fact '{}', which is not in the fact catalog; "
                                            "dropped",
                                            collector_id, name));
            continue;
        }
        if (entry.state != FactState::known) {
            out.put(name, entry);
            continue;
        }
        auto typed = coerce(entry.value, def->second.type, def->second.values, def->second.fields);
        if (!typed.value) {
            diagnostics.warning(codes::snap_bad_value,
                                fmt::format("collector '{}' gave fact '{}' a value that is not a {}: {}; dropped",
                                            collector_id, name, to_string(def->second.type), typed.error));
            continue;
        }
        FactEntry e = entry;
        e.value = std::move(*typed.value);
        out.put(name, std::move(e));
    }
    return out;
}

std::shared_ptr<const CollectOptions> shared_options(const KnowledgeBase& kb, const CollectOptions& options) {
    auto copy = std::make_shared<CollectOptions>(options);
    if (!copy->kb) {
        auto catalog = std::make_shared<KnowledgeBase>();
        catalog->facts = kb.facts;   // collectors need only the catalog; a copy outlives a detached thread
        copy->kb = std::move(catalog);
    }
    return copy;
}

// Waits for one collector until its time limit and turns what it did into a report.
CollectorReport finish(Running& r, const Collector& collector, const CollectOptions& options, FactStore& facts,
                       const KnowledgeBase& kb, Diagnostics& diagnostics) {
    const std::string id = collector.id();
    CollectorReport report{id, CollectorStatus::failed, 0, r.launch_error};
    if (!r.launched) return report;
    if (r.done.wait_until(r.started + options.time_limit) == std::future_status::ready) {
        r.thread.join();
        Timed t = r.done.get();
        report.status = t.outcome.status;
        report.message = t.outcome.message;
        report.duration_ms = t.duration_ms;
    } else {
        r.thread.detach();   // it holds shared pointers only; its late writes go to a closed sink
        report.status = CollectorStatus::timeout;
        report.duration_ms = ms_since(r.started);
        report.message = fmt::format("no result within {} ms", options.time_limit.count());
    }
    FactStore produced = r.sink->close(id);
    diagnostics.append(r.sink->diagnostics());
    facts.merge(validate(produced, id, kb, diagnostics));
    return report;
}

void diagnose_status(const CollectorReport& report, Diagnostics& diagnostics) {
    if (report.status == CollectorStatus::failed)
        diagnostics.warning(codes::collector_failed,
                            fmt::format("collector '{}' failed: {}", report.id, report.message));
    else if (report.status == CollectorStatus::timeout)
        diagnostics.warning(codes::collector_timeout,
                            fmt::format("collector '{}' timed out: {}", report.id, report.message));
}

}  // namespace

void CollectorRegistry::add(std::shared_ptr<Collector> collector) {
    if (!collector) throw std::invalid_argument("CollectorRegistry::add: null collector");
    if (find(collector->id()))
        throw std::invalid_argument(
            fmt::format("CollectorRegistry::add: duplicate collector id '{}'", collector->id()));
    collectors_.push_back(std::move(collector));
}

const Collector* CollectorRegistry::find(const std::string& id) const {
    for (const auto& c : collectors_)
        if (c->id() == id) return c.get();
    return nullptr;
}

CollectorRegistry builtin_collectors() {
    CollectorRegistry r;
    r.add(make_host_collector());
    r.add(make_target_collector());
    r.add(make_linux_cifs_collector());
    r.add(make_samba_client_collector());
    r.add(make_probe_collector());   // probe.smb: only when --server or --target names a server
#ifdef _WIN32   // issue 3: live Windows state through Win32 APIs (engine/collect/windows/)
    r.add(make_windows_os_collector());
    r.add(make_windows_domain_collector());
    r.add(make_windows_lsa_collector());
    r.add(make_windows_smb_client_collector());
    r.add(make_windows_credman_collector());
    r.add(make_windows_net_use_collector());
#endif
    r.add(make_import_collector());
    r.add(make_manual_collector());   // last: what a person says overrides what was collected
    return r;
}

CollectionResult run_collectors(const CollectorRegistry& registry, const KnowledgeBase& kb,
                                const CollectOptions& options) {
    CollectionResult result;
    auto shared = shared_options(kb, options);
    const auto& all = registry.all();

    // Start every collector for this platform at once; each gets its own time limit from its start.
    std::vector<Running> running;
    struct DetachLeftovers {   // never destroy a joinable thread, whatever throws below
        std::vector<Running>& r;
        ~DetachLeftovers() {
            for (auto& x : r)
                if (x.thread.joinable()) x.thread.detach();
        }
    } guard{running};
    for (std::size_t i = 0; i < all.size(); ++i)
        if (runs_here(*all[i])) running.push_back(launch(i, all[i], shared));

    auto next = running.begin();
    for (std::size_t i = 0; i < all.size(); ++i) {
        CollectorReport report;
        if (next != running.end() && next->index == i) {
            report = finish(*next, *all[i], options, result.facts, kb, result.diagnostics);
            ++next;
        } else {
            report = CollectorReport{all[i]->id(), CollectorStatus::skipped, 0, "not for this platform"};
        }
        diagnose_status(report, result.diagnostics);
        result.reports.push_back(std::move(report));
    }
    return result;
}

}  // namespace kbdiag
