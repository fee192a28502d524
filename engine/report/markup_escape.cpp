// Escaping for the Markdown and HTML exports: control characters first (format-neutral), then the format's own
// special characters.
#include "engine/report/markup_escape.hpp"

#include <cstdint>

#include <fmt/format.h>

namespace kbdiag {

namespace {

constexpr char32_t replacement_char = 0xFFFD;

// One decoded code point and how many bytes it took; `valid` is false for a byte that starts no well-formed
// UTF-8 sequence (stray continuation, overlong form, surrogate, beyond U+10FFFF, truncated).
struct Decoded {
    char32_t code_point = 0;
    std::size_t length = 1;
    bool valid = false;
};

Decoded decode_utf8(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) return {lead, 1, true};
    std::size_t length = 0;
    char32_t cp = 0;
    char32_t minimum = 0;
    if ((lead & 0xE0) == 0xC0) { length = 2; cp = lead & 0x1F; minimum = 0x80; }
    else if ((lead & 0xF0) == 0xE0) { length = 3; cp = lead & 0x0F; minimum = 0x800; }
    else if ((lead & 0xF8) == 0xF0) { length = 4; cp = lead & 0x07; minimum = 0x10000; }
    else return {};
    if (at + length > text.size()) return {};
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xC0) != 0x80) return {};
        cp = (cp << 6) | (byte(at + i) & 0x3F);
    }
    if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {};
    return {cp, length, true};
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Marks that change the order in which text is displayed (Trojan Source): LRM, RLM, ALM, embeddings,
// overrides and isolates.
bool is_bidi_control(char32_t cp) {
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

bool starts_line_markup(char c) { return c == '-' || c == '+' || c == '='; }

bool is_markdown_special(char c) {
    switch (c) {
        case '\\': case '`': case '*': case '_': case '[': case ']': case '<': case '>':
        case '|': case '~': case '&': case '#': case '@': case '$':
            return true;
        default:
            return false;
    }
}

// Where a leading ordered-list marker ("12. " or "3)" at the end) has its dot or parenthesis, else npos. Like
// CommonMark, only a marker followed by a space or the end counts: "0.1.0" stays as it is.
std::size_t ordered_list_marker(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && i < 9 && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == 0 || i >= text.size() || (text[i] != '.' && text[i] != ')')) return std::string_view::npos;
    return i + 1 == text.size() || text[i + 1] == ' ' ? i : std::string_view::npos;
}

}  // namespace

std::optional<Markup> markup_from_name(std::string_view name) {
    if (name == "markdown") return Markup::markdown;
    if (name == "html") return Markup::html;
    return std::nullopt;
}

std::string neutralize_controls(std::string_view text, bool keep_line_breaks) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t at = 0; at < text.size();) {
        const Decoded d = decode_utf8(text, at);
        at += d.length;
        const char32_t cp = d.code_point;
        if (!d.valid) {
            append_utf8(out, replacement_char);
        } else if (cp == '\r' && at < text.size() && text[at] == '\n') {
            continue;   // "\r\n" is a line break like "\n"
        } else if (cp == '\n' || cp == '\t') {
            out += keep_line_breaks ? static_cast<char>(cp) : ' ';
        } else if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {   // C0, DEL, C1
            out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
        } else if (is_bidi_control(cp)) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
        } else {
            out.append(text.substr(at - d.length, d.length));
        }
    }
    return out;
}

std::string escape_html(std::string_view text) {
    const std::string plain = neutralize_controls(text, true);
    std::string out;
    out.reserve(plain.size() + plain.size() / 8);
    for (char c : plain) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string escape_markdown(std::string_view text) {
    const std::string plain = neutralize_controls(text, false);
    const std::size_t first = plain.find_first_not_of(' ');
    const std::size_t list_dot =
        first == std::string::npos ? std::string::npos : ordered_list_marker(std::string_view(plain).substr(first));
    std::string out;
    out.reserve(plain.size() + plain.size() / 8);
    for (std::size_t i = 0; i < plain.size(); ++i) {
        const char c = plain[i];
        const bool leading = i == first && starts_line_markup(c);
        const bool list_marker = list_dot != std::string::npos && i == first + list_dot;
        if (is_markdown_special(c) || leading || list_marker) out += '\\';
        out += c;
    }
    return out;
}

std::string escape_markup(std::string_view text, Markup markup) {
    return markup == Markup::html ? escape_html(text) : escape_markdown(text);
}

}  // namespace kbdiag
