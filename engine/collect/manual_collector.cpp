// manual: facts a person gives with --fact name=value, typed by the catalog.
#include <algorithm>

#include <fmt/format.h>

#include "engine/collect/builtin.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

// The closest catalog name, when it is close enough to be a typo.
std::string closest_fact(const KnowledgeBase& kb, const std::string& name) {
    std::string best;
    std::size_t best_distance = 4;
    for (const auto& [id, def] : kb.facts) {
        auto d = edit_distance(name, id);
        if (d < best_distance) {
            best = id;
            best_distance = d;
        }
    }
    return best;
}

Diagnostic bad_fact(std::string message) {
    Diagnostic d;
    d.code = codes::cli_bad_fact;
    d.severity = Severity::error;
    d.message = std::move(message);
    return d;
}

// Types one --fact; returns false (and reports why) when it cannot.
bool set_manual_fact(const KnowledgeBase& kb, const std::string& name, const std::string& text, FactSink& sink) {
    auto def = kb.facts.find(name);
    if (def == kb.facts.end()) {
        std::string hint = closest_fact(kb, name);
        sink.report(bad_fact(fmt::format("--fact {}: no fact named '{}' in the fact catalog{}", name, name,
                                         hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint))));
        return false;
    }
    auto parsed = parse_fact_text(text, def->second.type, def->second.values);
    if (!parsed.value) {
        sink.report(bad_fact(fmt::format("--fact {}: {}", name, parsed.error)));
        return false;
    }
    sink.set(name, std::move(*parsed.value), "given with --fact");
    return true;
}

class ManualCollector final : public Collector {
public:
    std::string id() const override { return "manual"; }
    std::string description() const override { return "facts given with --fact name=value"; }
    std::vector<std::string> provides() const override { return {}; }   // any catalog fact
    std::vector<Platform> platforms() const override { return {Platform::any}; }

    CollectorOutcome collect(const CollectOptions& options, FactSink& sink) override {
        if (options.manual_facts.empty()) return {CollectorStatus::skipped, "no --fact given"};
        std::vector<std::string> rejected;
        for (const auto& [name, text] : options.manual_facts) {
            if (!options.kb) {
                sink.set(name, text, "given with --fact");   // run_collectors types it
                continue;
            }
            if (!set_manual_fact(*options.kb, name, text, sink)) rejected.push_back(name);
        }
        if (rejected.empty()) return {CollectorStatus::ok, {}};
        auto message = fmt::format("rejected --fact {}", fmt::join(rejected, ", "));
        if (rejected.size() == options.manual_facts.size()) return {CollectorStatus::failed, message};
        return {CollectorStatus::partial, message};
    }
};

}  // namespace

std::shared_ptr<Collector> make_manual_collector() { return std::make_shared<ManualCollector>(); }

}  // namespace kbdiag
