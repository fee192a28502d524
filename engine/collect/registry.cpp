#include "engine/collect/registry.hpp"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
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

// Collectors that finished, in the order they finished: each thread adds its index, run_collectors waits on it.
struct Finished {
    std::mutex mutex;
    std::condition_variable signal;
    std::vector<std::size_t> indexes;
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
    bool reported = false;   // its report is made (finished, timed out or never started)
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

Running launch(std::size_t index, std::shared_ptr<Collector> collector, std::shared_ptr<const CollectOptions> options,
               std::shared_ptr<Finished> finished) {
    Running r;
    r.index = index;
    r.sink = std::make_shared<FactSink>();
    r.started = Clock::now();
    auto promise = std::make_shared<std::promise<Timed>>();
    r.done = promise->get_future();
    try {
        r.thread = std::thread([collector, options, sink = r.sink, promise, finished, index] {
            promise->set_value(run_guarded(*collector, *options, *sink));
            std::lock_guard<std::mutex> lock(finished->mutex);
            finished->indexes.push_back(index);
            finished->signal.notify_one();
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

// What one collector left behind, kept until every collector is done so facts merge in registry order.
struct Result {
    CollectorReport report;
    FactStore produced;
    Diagnostics diagnostics;
};

// Turns a collector that ended (or ran out of time) into its report and closes its sink: writes after this
// point, from a thread still running past its limit, are dropped.
Result conclude(Running& r, const Collector& collector, const CollectOptions& options) {
    Result out;
    out.report = CollectorReport{collector.id(), CollectorStatus::failed, 0, r.launch_error};
    r.reported = true;
    if (!r.launched) return out;
    if (r.done.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        r.thread.join();
        Timed t = r.done.get();
        out.report.status = t.outcome.status;
        out.report.message = t.outcome.message;
        out.report.duration_ms = t.duration_ms;
    } else {
        r.thread.detach();   // it holds shared pointers only; its late writes go to a closed sink
        out.report.status = CollectorStatus::timeout;
        out.report.duration_ms = ms_since(r.started);
        out.report.message = fmt::format("no result within {} ms", options.time_limit.count());
    }
    out.produced = r.sink->close(out.report.id);
    out.diagnostics.append(r.sink->diagnostics());
    return out;
}

// The earliest time limit among the collectors still running.
Clock::time_point next_deadline(const std::vector<Running>& running, std::chrono::milliseconds limit) {
    auto deadline = Clock::time_point::max();
    for (const auto& r : running)
        if (!r.reported) deadline = std::min(deadline, r.started + limit);
    return deadline;
}

void diagnose_status(const CollectorReport& report, Diagnostics& diagnostics) {
    if (report.status == CollectorStatus::failed)
        diagnostics.warning(codes::collector_failed,
                            fmt::format("collector '{}' failed: {}", report.id, report.message));
    else if (report.status == CollectorStatus::timeout)
        diagnostics.warning(codes::collector_timeout,
                            fmt::format("collector '{}' timed out: {}", report.id, report.message));
}

// Facts merge in registry order whatever order the collectors finished in, so later collectors override
// earlier ones (manual facts come last) and diagnostics come out in the same order every run.
CollectionResult merge_in_registry_order(std::vector<std::optional<Result>>& results, const KnowledgeBase& kb) {
    CollectionResult out;
    for (auto& result : results) {
        if (!result) continue;   // cannot happen: every collector gets a report
        out.diagnostics.append(result->diagnostics);
        out.facts.merge(validate(result->produced, result->report.id, kb, out.diagnostics));
        diagnose_status(result->report, out.diagnostics);
        out.reports.push_back(std::move(result->report));
    }
    return out;
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
    r.add(make_windows_smb_events_collector());   // before manual: a typed --error wins over the event log
#endif
    r.add(make_import_collector());
    r.add(make_manual_collector());   // last: what a person says overrides what was collected
    return r;
}

CollectionResult run_collectors(const CollectorRegistry& registry, const KnowledgeBase& kb,
                                const CollectOptions& options, const CollectorFinishedFn& on_finished) {
    auto shared = shared_options(kb, options);
    const auto& all = registry.all();
    std::vector<std::optional<Result>> results(all.size());
    auto report = [&](std::size_t index, Result result) {
        if (on_finished) on_finished(result.report);
        results[index] = std::move(result);
    };

    // Start every collector for this platform at once; each gets its own time limit from its start.
    auto finished = std::make_shared<Finished>();
    std::vector<Running> running;
    struct DetachLeftovers {   // never destroy a joinable thread, whatever throws below
        std::vector<Running>& r;
        ~DetachLeftovers() {
            for (auto& x : r)
                if (x.thread.joinable()) x.thread.detach();
        }
    } guard{running};
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (runs_here(*all[i]))
            running.push_back(launch(i, all[i], shared, finished));
        else
            report(i, Result{{all[i]->id(), CollectorStatus::skipped, 0, "not for this platform"}, {}, {}});
    }
    for (auto& r : running)
        if (!r.launched) report(r.index, conclude(r, *all[r.index], options));

    // Report each collector as it finishes, and each one that reaches its time limit when it does.
    std::size_t open = static_cast<std::size_t>(
        std::count_if(running.begin(), running.end(), [](const Running& r) { return !r.reported; }));
    while (open > 0) {
        std::vector<std::size_t> done;
        {
            std::unique_lock<std::mutex> lock(finished->mutex);
            finished->signal.wait_until(lock, next_deadline(running, options.time_limit),
                                        [&] { return !finished->indexes.empty(); });
            done.swap(finished->indexes);
        }
        for (std::size_t index : done) {   // in the order they finished
            auto r = std::find_if(running.begin(), running.end(), [&](const Running& x) { return x.index == index; });
            if (r == running.end() || r->reported) continue;
            report(index, conclude(*r, *all[index], options));
            --open;
        }
        const auto now = Clock::now();
        for (auto& r : running) {   // then those that ran out of time
            if (r.reported || now < r.started + options.time_limit) continue;
            report(r.index, conclude(r, *all[r.index], options));
            --open;
        }
    }
    return merge_in_registry_order(results, kb);
}

}  // namespace kbdiag
