#include "engine/core/platform.hpp"

namespace kbdiag {

const char* to_string(Platform p) {
    switch (p) {
        case Platform::linux_os: return "linux";
        case Platform::windows_os: return "windows";
        case Platform::any: return "any";
    }
    return "any";
}

std::optional<Platform> platform_from_string(std::string_view s) {
    for (Platform p : {Platform::linux_os, Platform::windows_os, Platform::any})
        if (s == to_string(p)) return p;
    return std::nullopt;
}

}  // namespace kbdiag
