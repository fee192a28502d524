#pragma once
// A place in a source file. Lines and columns are 1-based; 0 means "not known".
// yaml-cpp marks are 0-based: convert once, with from_yaml_mark().
#include <string>

namespace kbdiag {

struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;

    bool known() const { return !file.empty(); }
    // "file:line:col", "file:line" or "file" depending on what is known.
    std::string to_string() const;
    // "file:line" or "file" (no column): how reports point at a rule or an item.
    std::string file_line() const;
    static SourceLocation from_yaml_mark(const std::string& file, int line0, int column0);

    friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

}  // namespace kbdiag
