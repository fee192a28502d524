// manual: facts a person gives with --fact name=value, typed by the catalog.
#include <algorithm>

#include <fmt/format.h>

#include "engine/collect/builtin.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

namespace {

// " (did you mean 'x'?)" for a catalog name close enough to be a typo.
std::string fact_hint(const KnowledgeBase& kb, const std::string& name) {
    std::vector<std::string> names;
    for (const auto& [id, def] : kb.facts) names.push_back(id);
    return suggest::did_you_mean(name, names);
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
        sink.report(bad_fact(
            fmt::format("--fact {}: no fact named '{}' in the fact catalog{}", name, name, fact_hint(kb, name))));
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
