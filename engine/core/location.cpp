#include "engine/core/location.hpp"

#include <fmt/format.h>

namespace kbdiag {

std::string SourceLocation::to_string() const {
    if (file.empty()) return {};
    if (line <= 0) return file;
    if (column <= 0) return fmt::format("{}:{}", file, line);
    return fmt::format("{}:{}:{}", file, line, column);
}

std::string SourceLocation::file_line() const {
    if (file.empty()) return {};
    if (line <= 0) return file;
    return fmt::format("{}:{}", file, line);
}

SourceLocation SourceLocation::from_yaml_mark(const std::string& file, int line0, int column0) {
    // yaml-cpp reports -1 for "no mark" (e.g. a node built in memory).
    return SourceLocation{file, line0 >= 0 ? line0 + 1 : 0, column0 >= 0 ? column0 + 1 : 0};
}

}  // namespace kbdiag
