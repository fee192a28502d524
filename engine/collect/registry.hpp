#pragma once
// CollectorRegistry: an explicit list of collectors (no static-initialiser magic), and the runner that
// runs each one for this platform under its time limit.
#include <functional>
#include <memory>
#include <vector>

#include "engine/collect/collector.hpp"
#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

class CollectorRegistry {
public:
    // Throws std::invalid_argument for a null collector or an id already registered.
    void add(std::shared_ptr<Collector> collector);
    const std::vector<std::shared_ptr<Collector>>& all() const { return collectors_; }
    const Collector* find(const std::string& id) const;

private:
    std::vector<std::shared_ptr<Collector>> collectors_;
};

// The collectors this build ships, in run order.
CollectorRegistry builtin_collectors();

struct CollectionResult {
    FactStore facts;
    std::vector<CollectorReport> reports;   // one per registered collector, in registry order
    Diagnostics diagnostics;                // unknown facts dropped, values of the wrong type, failures
};

// Runs every collector for this platform (others are reported as skipped: "not for this platform").
// They start together, each in its own thread with options.time_limit from its start; one that runs past it
// is reported as timeout (facts it wrote before the limit are kept, later writes are dropped) and left to
// finish on its own. Exceptions become status failed. Facts not in `kb`'s catalog are dropped (COL003
// warning); values of another type are coerce()d to the catalog type or dropped (SNAP004 warning).
// failed/timeout add COL001/COL002 warnings; collectors' own diagnostics (CLI001, SNAP*) are passed on.
// Facts merge in registry order, so later collectors override earlier ones (manual facts come last).
// options.kb, when empty, is filled with a copy of `kb`'s fact catalog.
// `on_finished`, when given, is called with each collector's report as soon as it has one (finished, timed out,
// skipped), in that order, on the calling thread (a progress display); the result keeps registry order.
using CollectorFinishedFn = std::function<void(const CollectorReport&)>;
CollectionResult run_collectors(const CollectorRegistry& registry, const KnowledgeBase& kb,
                                const CollectOptions& options, const CollectorFinishedFn& on_finished = {});

}  // namespace kbdiag
