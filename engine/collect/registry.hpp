#pragma once
// CollectorRegistry: an explicit list of collectors (no static-initialiser magic), and the runner that
// runs each one for this platform under its time limit.
#include <memory>
#include <vector>

#include "engine/collect/collector.hpp"
#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

class CollectorRegistry {
public:
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

// Runs every collector for this platform (others are reported as skipped). Facts not in `kb`'s catalog,
// or of the wrong type, are dropped with a diagnostic. Later collectors override earlier ones
// (manual facts come last).
CollectionResult run_collectors(const CollectorRegistry& registry, const KnowledgeBase& kb,
                                const CollectOptions& options);

}  // namespace kbdiag
