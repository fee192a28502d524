#include "engine/kb/kb_cache.hpp"

#include <cstdlib>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/kb/kb_image.hpp"
#include "engine/kb/readers.hpp"
#include "engine/kb/rule_modules.hpp"

namespace kbdiag {

namespace fs = std::filesystem;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string{};
}

// The file as it is now; nullopt when it cannot be read.
std::optional<KbSourceFile> source_file(const std::string& path) {
    std::string text, error;
    if (!read_file(path, text, error, limits::knowledge_file_bytes)) return std::nullopt;
    return KbSourceFile{path, text.size(), hash_bytes(text)};
}

// Every YAML file of the folders, as a load would list them, then the folder's shared Lua modules (rules/lib/*.lua),
// hashed: a module is found by name at load time, so adding one (an overlay shadowing a shipped module), removing
// or editing one makes the image stale. nullopt when a folder cannot be listed or a file cannot be read: the plain
// load then reports it.
std::optional<std::vector<KbSourceFile>> yaml_sources(const std::vector<std::string>& folders) {
    std::vector<KbSourceFile> sources;
    for (const auto& folder : folders) {
        std::error_code ec;
        if (!fs::is_directory(folder, ec)) return std::nullopt;
        Diagnostics listing;
        for (const auto& path : list_kb_yaml_files(folder, listing)) {
            auto file = source_file(path);
            if (!file) return std::nullopt;
            sources.push_back(std::move(*file));
        }
        if (listing.has_errors()) return std::nullopt;
        for (const auto& path : list_module_files(folder)) {
            auto file = source_file(path);
            if (!file) return std::nullopt;
            sources.push_back(std::move(*file));
        }
    }
    return sources;
}

std::optional<std::vector<KbSourceFile>> script_sources(const KnowledgeBase& kb) {
    std::vector<KbSourceFile> sources;
    for (const auto& path : kb.script_files) {
        auto file = source_file(path);
        if (!file) return std::nullopt;
        sources.push_back(std::move(*file));
    }
    return sources;
}

// Why `image` does not describe this load and these sources; empty when it does.
std::string stale_reason(const KbImage& image, const LoadOptions& options, const std::vector<KbSourceFile>& yaml) {
    if (image.folders != options.folders || image.scenarios != options.scenarios) return "made for another load";
    if (image.yaml_sources.size() != yaml.size()) return "YAML files or Lua modules added or removed";
    for (std::size_t i = 0; i < yaml.size(); ++i)
        if (image.yaml_sources[i] != yaml[i]) return fmt::format("{} changed", yaml[i].path);
    for (const auto& script : image.script_sources) {
        auto now = source_file(script.path);
        if (!now) return fmt::format("{} is gone", script.path);
        if (*now != script) return fmt::format("{} changed", script.path);
    }
    return {};
}

// The cached knowledge when the image at `file` is sound and current; else nullopt and the reason.
std::optional<LoadResult> read_image(const std::string& file, const KbCacheOptions& cache, const LoadOptions& options,
                                     const std::vector<KbSourceFile>& yaml, std::string& why) {
    std::string bytes, error;
    if (!read_file(file, bytes, error, limits::knowledge_image_bytes)) {
        why = "no image";
        return std::nullopt;
    }
    auto image = decode_kb_image(bytes, cache.version, why);
    if (!image) {
        why = "image refused: " + why;
        return std::nullopt;
    }
    why = stale_reason(*image, options, yaml);
    if (!why.empty()) return std::nullopt;
    LoadResult result;
    for (auto& d : image->diagnostics) result.diagnostics.add(std::move(d));
    result.kb = std::make_shared<const KnowledgeBase>(std::move(image->kb));
    return result;
}

// Stores a clean load's knowledge; returns what happened, for the trace.
std::string write_image(const std::string& file, const KbCacheOptions& cache, const LoadOptions& options,
                        std::vector<KbSourceFile> yaml, const LoadResult& result) {
    if (!result.kb || result.diagnostics.has_errors()) return "not stored: the load had errors";
    auto scripts = script_sources(*result.kb);
    if (!scripts) return "not stored: a script file is unreadable";
    KbImage image;
    image.folders = options.folders;
    image.scenarios = options.scenarios;
    image.yaml_sources = std::move(yaml);
    image.script_sources = std::move(*scripts);
    image.kb = *result.kb;
    image.diagnostics = result.diagnostics.items();
    const std::string error = write_file_atomically(file, encode_kb_image(image, cache.version));
    return error.empty() ? "image written" : "not stored: " + error;
}

}  // namespace

std::string default_kb_cache_dir() {
    // The XDG spec says relative values are invalid and must be ignored. Honoured on Windows too: tests set it.
    if (auto xdg = env("XDG_CACHE_HOME"); !xdg.empty() && fs::path(xdg).is_absolute())
        return (fs::path(xdg) / "kbdiag").string();
#ifdef _WIN32
    if (auto base = env("LOCALAPPDATA"); !base.empty()) return (fs::path(base) / "kbdiag" / "cache").string();
    return {};
#else
    if (auto home = env("HOME"); !home.empty()) return (fs::path(home) / ".cache" / "kbdiag").string();
    return {};
#endif
}

std::string kb_cache_file(const LoadOptions& options, const std::string& dir) {
    // Folders as given name the files in the model; as absolute paths they tell two working folders apart.
    std::string key = options.scenarios ? "scenarios" : "diagnosis";
    for (const auto& folder : options.folders) {
        std::error_code ec;
        key += '\0' + folder + '\0' + fs::absolute(folder, ec).string();
    }
    return (fs::path(dir) / fmt::format("kb-{:016x}.bin", hash_bytes(key))).string();
}

LoadResult load_knowledge_base_cached(const LoadOptions& options, const KbCacheOptions& cache, KbCacheTrace* trace) {
    KbCacheTrace local;
    KbCacheTrace& t = trace ? *trace : local;
    t = KbCacheTrace{};   // a trace reused across loads must not keep an earlier load's hit
    if (cache.dir.empty() || options.strict || options.folders.empty()) {
        t.detail = "cache off";
        return load_knowledge_base(options);
    }
    t.file = kb_cache_file(options, cache.dir);
    auto yaml = yaml_sources(options.folders);
    if (!yaml) {
        t.detail = "a knowledge folder or file is unreadable";
        return load_knowledge_base(options);
    }
    std::string why;
    if (auto cached = read_image(t.file, cache, options, *yaml, why)) {
        t.hit = true;
        return std::move(*cached);
    }
    // The sources were hashed before this load read them: a file edited meanwhile fails the next run's check and
    // is loaded again, so a race can cost a rebuild but never serve stale knowledge.
    LoadResult result = load_knowledge_base(options);
    t.detail = why + "; " + write_image(t.file, cache, options, std::move(*yaml), result);
    return result;
}

}  // namespace kbdiag
