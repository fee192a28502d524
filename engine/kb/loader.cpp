// load_knowledge_base: folders -> reader -> builder -> linker.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/builder.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

namespace fs = std::filesystem;

static std::vector<std::string> yaml_files(const std::string& folder, Diagnostics& d) {
    std::vector<std::string> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const auto ext = it->path().extension().string();
        if ((ext == ".yaml" || ext == ".yml") && it->is_regular_file(ec)) files.push_back(it->path().string());
    }
    if (ec) d.error(codes::kb_folder, fmt::format("cannot list knowledge folder: {}", ec.message()), SourceLocation{folder});
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
        d.error(codes::kb_folder, fmt::format("knowledge folder is unreadable: {}", ec.message()), SourceLocation{folder});
        return false;
    }
    return true;
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
        KbFolder f;
        f.path = folder;
        for (const auto& file : yaml_files(folder, result.diagnostics)) read_kb_file(file, f, result.diagnostics);
        folders.push_back(std::move(f));
    }
    auto kb = std::make_shared<KnowledgeBase>(build_knowledge_base(std::move(folders), result.diagnostics));
    link_knowledge_base(*kb, result.diagnostics);
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
