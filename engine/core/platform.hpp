#pragma once
// Client operating systems. Collectors declare where they run; facts, problems and fixes declare which client
// they are about, so a problem for a Windows error offers no Linux-only fix and asks no Linux-only question.
#include <optional>
#include <string_view>

namespace kbdiag {

enum class Platform { linux_os, windows_os, any };   // not `linux`: GCC predefines that macro in gnu++ modes

const char* to_string(Platform p);                     // "linux", "windows", "any"
std::optional<Platform> platform_from_string(std::string_view s);

// Whether an item for `item` belongs with a problem (or host) of `context`; `any` fits everything.
inline bool serves(Platform item, Platform context) {
    return item == Platform::any || context == Platform::any || item == context;
}

}  // namespace kbdiag
