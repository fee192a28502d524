// import: facts from other snapshot files (--import FILE), keeping where each fact came from.
#include <fmt/format.h>

#include "engine/collect/builtin.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/snapshot/snapshot.hpp"

namespace kbdiag {

namespace {

// Copies one snapshot's facts into the sink. False when the file could not be used at all.
// "-" is standard input, already read by the caller into `stdin_text`.
bool import_file(const KnowledgeBase& kb, const std::string& file, const std::string& stdin_text, FactSink& sink) {
    Diagnostics diagnostics;
    auto snapshot = file == "-" ? parse_snapshot(stdin_text, "<stdin>", kb, diagnostics)
                                : read_snapshot(file, kb, diagnostics);
    for (const auto& d : diagnostics.items()) sink.report(d);
    if (!snapshot) return false;
    for (const auto& [name, entry] : snapshot->facts.entries()) {
        FactEntry e = entry;
        e.source = fmt::format("import:{}:{}", file == "-" ? "<stdin>" : file,
                               entry.source.empty() ? "unknown" : entry.source);
        sink.put(name, std::move(e));
    }
    return true;
}

class ImportCollector final : public Collector {
public:
    std::string id() const override { return "import"; }
    std::string description() const override { return "facts from snapshot files given with --import"; }
    std::vector<std::string> provides() const override { return {}; }   // any catalog fact
    std::vector<Platform> platforms() const override { return {Platform::any}; }

    CollectorOutcome collect(const CollectOptions& options, FactSink& sink) override {
        if (options.import_files.empty()) return {CollectorStatus::skipped, "no --import given"};
        if (!options.kb) return {CollectorStatus::failed, "no fact catalog to read snapshots with"};
        std::vector<std::string> failed;
        for (const auto& file : options.import_files)
            if (!import_file(*options.kb, file, options.import_stdin, sink)) failed.push_back(file);
        if (failed.empty()) return {CollectorStatus::ok, {}};
        auto message = fmt::format("could not import {}", fmt::join(failed, ", "));
        if (failed.size() == options.import_files.size()) return {CollectorStatus::failed, message};
        return {CollectorStatus::partial, message};
    }
};

}  // namespace

std::shared_ptr<Collector> make_import_collector() { return std::make_shared<ImportCollector>(); }

}  // namespace kbdiag
