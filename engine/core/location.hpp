#pragma once
// A place in a source file. Lines and columns are 1-based; 0 means "not known".
// yaml-cpp marks are 0-based: convert once, with from_yaml_mark().
#include <string>
#include <string_view>
#include <vector>

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

// Where each line of a text starts, found once: a snippet for each of N diagnostics in a big file costs a lookup,
// not a rescan from the top (which made 8 MB snapshots with many diagnostics take seconds, 60 MB ones forever).
// Holds a view: the text must outlive the index.
class LineIndex {
public:
    explicit LineIndex(std::string_view text);
    // Line `line` (1-based) without its line break (and CR); empty when there is no such line.
    std::string_view line(int line) const;

private:
    std::string_view text_;
    std::vector<std::size_t> starts_;
};

// A source line as a diagnostic quotes it: at most `max_chars` bytes, "..." when cut (whole UTF-8 sequences).
std::string snippet_of(std::string_view line, std::size_t max_chars = 200);
}  // namespace kbdiag
