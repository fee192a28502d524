// load_knowledge_base: folders -> reader -> builder -> linker.
#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/builder.hpp"
#include "engine/kb/kb_patch.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

namespace fs = std::filesystem;

std::vector<std::string> list_kb_yaml_files(const std::string& folder, Diagnostics& d) {
    std::vector<std::string> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const auto ext = it->path().extension().string();
        if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) files.push_back(it->path().string());
    }
    if (ec)
        d.error(codes::kb_folder, fmt::format("cannot list knowledge folder: {}", ec.message()),
                SourceLocation{folder});
    std::sort(files.begin(), files.end());
    return files;
}

static bool check_folder(const std::string& folder, Diagnostics& d) {
    std::error_code ec;
    if (!fs::exists(folder, ec)) {
        d.error(codes::kb_folder, "knowledge folder does not exist", SourceLocation{folder});
        return false;
    }
    if (!fs::is_directory(folder, ec)) {
        d.error(codes::kb_folder, "knowledge folder is not a directory", SourceLocation{folder});
        return false;
    }
    fs::directory_iterator probe(folder, ec);
    if (ec) {
        d.error(codes::kb_folder, fmt::format("knowledge folder is unreadable: {}", ec.message()),
                SourceLocation{folder});
        return false;
    }
    return true;
}

// Whether a YAML file's only top-level key is `scenarios`, judged from its text: every line that starts in
// column 0 (not a comment, list item or document marker) must be `scenarios:`. Anything unusual (flow style,
// other keys, an unreadable file) answers false, so the file is parsed as usual.
static bool holds_only_scenarios(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    bool seen = false;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == '\r') continue;
        if (line.rfind("---", 0) == 0 || line.rfind("...", 0) == 0) continue;
        if (line.rfind("scenarios:", 0) != 0) return false;
        seen = true;
    }
    return seen;
}

template <typename T>
static void append(std::vector<T>& to, std::vector<T>& from) {
    std::move(from.begin(), from.end(), std::back_inserter(to));
}

static void append(KbFolder& to, KbFolder& from) {
    append(to.facts, from.facts);
    append(to.problems, from.problems);
    append(to.causes, from.causes);
    append(to.fixes, from.fixes);
    append(to.references, from.references);
    append(to.rules, from.rules);
    append(to.windows_releases, from.windows_releases);
    append(to.vendors, from.vendors);
    append(to.scenarios, from.scenarios);
    append(to.patches, from.patches);
    to.failed.insert(from.failed.begin(), from.failed.end());
}

// Parsing YAML dominates start-up (yaml-cpp spends ~1,300 instructions a byte), and files are independent:
// read them on all cores, then merge in file order so the result and its diagnostics stay deterministic.
static KbFolder read_folder(const std::string& folder, bool scenarios, Diagnostics& d) {
    auto files = list_kb_yaml_files(folder, d);
    if (!scenarios)   // a quarter of the shipped YAML is scenario files; diagnosis does not need them
        files.erase(std::remove_if(files.begin(), files.end(), holds_only_scenarios), files.end());
    std::vector<KbFolder> parts(files.size());
    std::vector<Diagnostics> part_diagnostics(files.size());
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
        for (std::size_t i = next++; i < files.size(); i = next++) {
            parts[i].path = folder;
            // An exception must not leave a worker thread (that is std::terminate): a reader that trips on a
            // shape it did not expect costs this file, with a diagnostic, not the process.
            try {
                read_kb_file(files[i], parts[i], part_diagnostics[i]);
            } catch (const std::exception& e) {
                parts[i] = KbFolder{};
                parts[i].path = folder;
                part_diagnostics[i].error(codes::kb_wrong_type,
                                          fmt::format("this file could not be read: {}", e.what()),
                                          SourceLocation{files[i]});
            }
        }
    };
    const std::size_t threads = std::min<std::size_t>(files.size(), std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    KbFolder merged;
    merged.path = folder;
    for (std::size_t i = 0; i < files.size(); ++i) {
        append(merged, parts[i]);
        d.append(part_diagnostics[i]);
    }
    return merged;
}

LoadResult load_knowledge_base(const LoadOptions& options) {
    LoadResult result;
    std::vector<KbFolder> folders;
    bool usable = !options.folders.empty();
    if (!usable) result.diagnostics.error(codes::kb_folder, "no knowledge folder given");
    for (const auto& folder : options.folders) {
        if (!check_folder(folder, result.diagnostics)) {
            usable = false;
            continue;
        }
        folders.push_back(read_folder(folder, options.scenarios, result.diagnostics));
    }
    // Patches and failed ids outlive the builder, which consumes the folders; patches keep load order.
    std::vector<KbPatch> patches;
    std::set<std::string> failed;
    for (auto& f : folders) {
        append(patches, f.patches);
        failed.insert(f.failed.begin(), f.failed.end());
    }
    auto kb = std::make_shared<KnowledgeBase>(build_knowledge_base(std::move(folders), result.diagnostics));
    apply_patches(*kb, patches, failed, result.diagnostics);
    link_knowledge_base(*kb, result.diagnostics, failed);
    if (options.strict) {
        Diagnostics promoted;
        for (auto d : result.diagnostics.items()) {
            if (d.severity == Severity::warning) d.severity = Severity::error;
            promoted.add(std::move(d));
        }
        result.diagnostics = std::move(promoted);
    }
    result.diagnostics.sort();
    if (usable) result.kb = std::move(kb);
    return result;
}

}  // namespace kbdiag
