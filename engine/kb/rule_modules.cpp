#include "engine/kb/rule_modules.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

namespace kbdiag {

namespace fs = std::filesystem;

bool inside_folder(const std::string& folder, const std::string& path) {
    std::error_code ec;
    const auto root = fs::weakly_canonical(folder, ec);
    if (ec) return false;
    const auto target = fs::weakly_canonical(path, ec);
    if (ec) return false;
    const auto relative = target.lexically_relative(root);
    return !relative.empty() && *relative.begin() != ".." && !relative.is_absolute();
}

bool valid_module_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string module_dir(const std::string& folder) { return (fs::path(folder) / "rules" / "lib").string(); }

std::vector<std::string> list_module_files(const std::string& folder) {
    std::vector<std::string> files;
    std::error_code ec;
    for (fs::directory_iterator it(module_dir(folder), ec), end; !ec && it != end; it.increment(ec)) {
        const fs::path& p = it->path();
        if (p.extension() == ".lua" && valid_module_name(p.stem().string())) files.push_back(p.string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::string> list_module_names(const std::vector<std::string>& folders) {
    std::set<std::string> names;
    for (const auto& folder : folders)
        for (const auto& file : list_module_files(folder)) names.insert(fs::path(file).stem().string());
    return {names.begin(), names.end()};
}

ModuleLookup find_module(const std::vector<std::string>& folders, const std::string& name) {
    if (!valid_module_name(name))
        return {{}, fmt::format("'{}' is not a module name (lower-case letters, digits and '_' only: a module is "
                                "rules/lib/NAME.lua of a knowledge folder, never a path)",
                                name)};
    for (auto folder = folders.rbegin(); folder != folders.rend(); ++folder) {   // overlays shadow
        const std::string dir = module_dir(*folder);
        const std::string path = (fs::path(dir) / (name + ".lua")).string();
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(path, ec))) continue;
        if (!inside_folder(dir, path) || !fs::is_regular_file(path, ec))
            return {{},
                    fmt::format("{} leaves {} (symlinks are resolved; a module must live in rules/lib)", path, dir)};
        return {path, {}};
    }
    std::string looked;
    for (const auto& folder : folders) looked += (looked.empty() ? "" : ", ") + module_dir(folder);
    return {{}, fmt::format("no module '{}' (looked for {}.lua in {})", name, name, looked)};
}

}  // namespace kbdiag
