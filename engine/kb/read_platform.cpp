// The `platform` key shared by facts, problems and fixes.
#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

Platform read_platform(NodeReader& r) {
    auto text = r.string("platform");
    if (!text) return Platform::any;
    if (auto p = platform_from_string(*text)) return *p;
    r.error(codes::kb_bad_value, fmt::format("{}: platform '{}' is not any, windows or linux", r.what(), *text),
            r.where("platform"));
    return Platform::any;
}

}  // namespace kbdiag
