#pragma once
// Small text helpers shared across the engine.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
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

// A character JSON writes as itself inside a string: printable ASCII but the quote and the backslash. A run of
// them needs no escaping to write (kbdiag batch's records) and no unescaping to read (the plain-JSON snapshot
// reader). Inline: both test every character of their strings.
inline bool json_plain_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7F && c != '"' && c != '\\';
}

// Length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlongs, surrogates or code points past
// U+10FFFF), with its code point in `cp`; 0 when the bytes there are not one.
inline std::size_t utf8_sequence(std::string_view s, std::size_t i, std::uint32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;   // allowed range of the second byte
    if (b0 < 0x80) return cp = b0, 1;
    if (b0 >= 0xC2 && b0 <= 0xDF) len = 2, cp = b0 & 0x1F;
    else if (b0 >= 0xE0 && b0 <= 0xEF)
        len = 3, cp = b0 & 0x0F, lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
    else if (b0 >= 0xF0 && b0 <= 0xF4)
        len = 4, cp = b0 & 0x07, lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
    else return 0;
    if (i + len > s.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    return len;
}

// `text` with every control character a terminal would act on written out visibly: C0 controls but newline and
// tab (ESC -> "\x1b"), DEL, C1 controls (U+009B CSI -> "\u009b") and bytes that are not UTF-8 ("\x9b": a lone
// 0x9B is CSI to an 8-bit terminal). Every text output passes values through this, so a host name, a knowledge
// title or a Lua note cannot clear the screen, move the cursor or recolour what follows.
inline std::string escape_controls(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    char buf[8];
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t cp = 0;
        const std::size_t len = utf8_sequence(text, i, cp);
        const bool c0 = len == 1 && ((cp < 0x20 && cp != '\n' && cp != '\t') || cp == 0x7F);
        if (len == 0 || c0) {
            std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(text[i]));
            out += buf;
            ++i;
        } else if (cp >= 0x80 && cp <= 0x9F) {
            std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
            out += buf;
            i += len;
        } else {
            out.append(text, i, len);
            i += len;
        }
    }
    return out;
}

// `text` cut after `max_chars` code points, with "… (N more characters)" saying how much was left out: text
// output shows values, and an 8 MB host name is not a value anyone reads on a terminal.
inline std::string shorten(std::string_view text, std::size_t max_chars = 1000) {
    std::size_t chars = 0, cut = text.size();
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;   // count lead bytes only
        if (chars == max_chars) {
            cut = i;
            break;
        }
        ++chars;
    }
    if (cut == text.size()) return std::string(text);
    std::size_t rest = 0;
    for (std::size_t i = cut; i < text.size(); ++i) rest += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    return std::string(text.substr(0, cut)) + "… (" + std::to_string(rest) + " more characters)";
}

}  // namespace kbdiag::text
