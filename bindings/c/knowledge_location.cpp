#include "bindings/c/knowledge_location.hpp"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>

#ifndef KBDIAG_KB_RELATIVE_TO_LIB
#define KBDIAG_KB_RELATIVE_TO_LIB "../share/kbdiag/knowledge"
#endif

namespace fs = std::filesystem;

namespace kbdiag::capi {

namespace {

bool is_dir(const fs::path& p) {
    std::error_code ec;
    return !p.empty() && fs::is_directory(p, ec);
}

// The folder holding this shared library (libkbdiag.so.0), as the dynamic loader opened it.
fs::path library_dir() {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<const void*>(&find_builtin_kb), &info) == 0 || !info.dli_fname) return {};
    std::error_code ec;
    fs::path lib = fs::absolute(info.dli_fname, ec);
    if (ec) return {};
    return lib.parent_path();
}

}  // namespace

std::string find_builtin_kb(const char* explicit_folder) {
    if (explicit_folder && *explicit_folder) return explicit_folder;
    if (const char* env = std::getenv("KBDIAG_KNOWLEDGE"); env && *env) return env;
    if (const fs::path dir = library_dir(); !dir.empty()) {
        const fs::path installed = dir / KBDIAG_KB_RELATIVE_TO_LIB;
        std::error_code ec;
        if (is_dir(installed)) {
            const fs::path tidy = fs::weakly_canonical(installed, ec);   // "/usr/lib/../share/..." -> "/usr/share/..."
            return ec ? installed.string() : tidy.string();
        }
    }
    // Never a source tree baked in at build time (the build tree has a link where an install has the folder).
    return {};
}

}  // namespace kbdiag::capi
