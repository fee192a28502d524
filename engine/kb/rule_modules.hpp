#pragma once
// Shared Lua modules of the rules: knowledge-folder/rules/lib/NAME.lua, loaded by require("NAME") in the sandbox.
// Overlays shadow: among the folders of a load, the last one that has rules/lib/NAME.lua provides NAME.
#include <string>
#include <vector>

namespace kbdiag {

// Whether `path`, with every symlink resolved, lies inside `folder` (also resolved).
bool inside_folder(const std::string& folder, const std::string& path);

// Whether `name` may name a module: [a-z0-9_]+ only, so no path (no '/', '..', drive or absolute path) gets in.
bool valid_module_name(const std::string& name);

// folder/rules/lib: where a knowledge folder keeps its shared modules.
std::string module_dir(const std::string& folder);

// Every folder/rules/lib/NAME.lua with a valid NAME, sorted by path (what the knowledge cache hashes).
std::vector<std::string> list_module_files(const std::string& folder);

// The module names the folders provide, sorted, unique.
std::vector<std::string> list_module_names(const std::vector<std::string>& folders);

struct ModuleLookup {
    std::string path;    // the file providing the module (empty when refused or not found)
    std::string error;   // why not, e.g. "no module 'x' (looked in ...)"
};

// Resolves require(name) against the folders (the last folder that has the file wins) and refuses a file that,
// with symlinks resolved, leaves its folder's rules/lib.
ModuleLookup find_module(const std::vector<std::string>& folders, const std::string& name);

}  // namespace kbdiag
