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

// Line breaks as YAML 1.2 counts them (and the YAML reader, which reads a lone CR as LF): LF, CRLF and a lone CR.
LineIndex::LineIndex(std::string_view text) : text_(text) {
    starts_.push_back(0);
    for (std::size_t i = text.find_first_of("\r\n"); i != std::string_view::npos;
         i = text.find_first_of("\r\n", i + 1)) {
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;   // CRLF is one break
        starts_.push_back(i + 1);
    }
}

std::string_view LineIndex::line(int line) const {
    if (line <= 0 || static_cast<std::size_t>(line) > starts_.size()) return {};
    const std::size_t begin = starts_[static_cast<std::size_t>(line) - 1];
    if (begin >= text_.size()) return {};
    std::size_t end = text_.find_first_of("\r\n", begin);
    if (end == std::string_view::npos) end = text_.size();
    return text_.substr(begin, end - begin);
}

std::string snippet_of(std::string_view line, std::size_t max_chars) {
    if (line.size() <= max_chars) return std::string(line);
    std::size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;   // not inside a sequence
    return std::string(line.substr(0, cut)) + "...";
}

}  // namespace kbdiag
