#pragma once
// Small text helpers shared across the engine.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace kbdiag::text {

// Without leading and trailing blanks (space, tab, CR, LF).
inline std::string trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    auto e = s.find_last_not_of(" \t\r\n");
    return std::string(s.substr(b, e - b + 1));
}

// ASCII lower case (identifiers, option names; not for display text).
inline std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The non-empty parts of a path split at '/' and '\' ("\\server\share\x" -> server, share, x).
inline std::vector<std::string> split_path(std::string_view s) {
    std::vector<std::string> parts;
    std::string current;
    for (char c : s) {
        if (c == '/' || c == '\\') {
            if (!current.empty()) parts.push_back(std::move(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!current.empty()) parts.push_back(std::move(current));
    return parts;
}

}  // namespace kbdiag::text
