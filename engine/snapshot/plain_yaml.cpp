// parse_plain_yaml: see plain_yaml.hpp. Every "return fail()" below is a text this reader does not vouch for; the
// general reader (yaml-cpp) reads those.
#include "engine/snapshot/plain_yaml.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace kbdiag {

namespace {

struct Line {
    std::size_t indent = 0;
    std::string_view body;   // after the indentation, without trailing spaces
};

bool is_flow_indicator(char c) { return c == ',' || c == '[' || c == ']' || c == '{' || c == '}'; }

// Plain scalars yaml-cpp reads as null, or that YAML gives a meaning other than their text in some context.
bool is_null_word(std::string_view s) { return s == "~" || s == "null" || s == "Null" || s == "NULL"; }

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

class PlainYamlReader {
public:
    explicit PlainYamlReader(std::string_view text) : text_(text) {}

    std::optional<YAML::Node> read() {
        if (!split_lines() || lines_.empty() || lines_.front().indent != 0) return std::nullopt;
        YAML::Node root = block(0);
        if (!ok_ || at_ != lines_.size()) return std::nullopt;
        return root;
    }

private:
    std::string_view text_;
    std::vector<Line> lines_;
    std::size_t at_ = 0;   // the next line to read
    bool ok_ = true;
    // Nesting (blocks and flows) deeper than a snapshot's few levels is the general reader's, which has its own
    // guard: each level is a stack frame here ("[[[[..." overflowed the stack, found by fuzz_snapshot_yaml).
    static constexpr int max_depth = 32;
    int depth_ = 0;
    struct Deeper {
        int& depth;
        explicit Deeper(int& d) : depth(++d) {}
        ~Deeper() { --depth; }
    };

    YAML::Node fail() {
        ok_ = false;
        return YAML::Node();
    }

    // Lines with something on them. Refuses tabs, comments and document markers rather than reading them.
    bool split_lines() {
        std::size_t start = 0;
        while (start <= text_.size()) {
            std::size_t end = text_.find('\n', start);
            if (end == std::string_view::npos) end = text_.size();
            std::string_view line = text_.substr(start, end - start);
            start = end + 1;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            // Tabs, comments, control characters and anything not ASCII (a BOM, UTF-8 yaml-cpp might check or
            // mend): the general reader's.
            for (const char c : line)
                if (c == '#' || static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
                    return false;
            const std::size_t indent = line.find_first_not_of(' ');
            if (indent == std::string_view::npos) continue;   // blank
            std::string_view body = line.substr(indent);
            body = body.substr(0, body.find_last_not_of(' ') + 1);
            if (body.substr(0, 3) == "---" || body.substr(0, 3) == "..." || body[0] == '%') return false;
            lines_.push_back(Line{indent, body});
        }
        return true;
    }

    static bool is_item(std::string_view body) { return body == "-" || body.substr(0, 2) == "- "; }

    // The node whose lines start at `indent`: a sequence when the first one is an item, else a mapping.
    YAML::Node block(std::size_t indent) {
        const Deeper deeper(depth_);
        if (depth_ > max_depth) return fail();
        return is_item(lines_[at_].body) ? block_sequence(indent) : block_mapping(indent);
    }

    YAML::Node block_sequence(std::size_t indent) {
        YAML::Node seq(YAML::NodeType::Sequence);
        while (ok_ && at_ < lines_.size() && lines_[at_].indent == indent && is_item(lines_[at_].body)) {
            std::string_view rest = lines_[at_].body.substr(1);
            rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
            ++at_;
            if (rest.empty()) seq.push_back(nested(indent, false));
            else seq.push_back(whole_line_value(rest));
        }
        return seq;
    }

    YAML::Node block_mapping(std::size_t indent) {
        YAML::Node map(YAML::NodeType::Map);
        std::unordered_set<std::string> keys;   // a snapshot may have thousands of facts
        while (ok_ && at_ < lines_.size() && lines_[at_].indent == indent) {
            std::string_view body = lines_[at_].body;
            if (is_item(body)) return fail();
            std::size_t pos = 0;
            std::optional<std::string> key = mapping_key(body, pos, false);
            if (!key || !keys.insert(*key).second) return fail();   // no key, or a duplicate
            std::string_view rest = body.substr(pos);
            rest.remove_prefix(std::min(rest.find_first_not_of(' '), rest.size()));
            ++at_;
            YAML::Node value = rest.empty() ? nested(indent, true) : whole_line_value(rest);
            if (!ok_) return map;
            map.force_insert(*key, value);
        }
        if (at_ < lines_.size() && lines_[at_].indent > indent) return fail();   // a line indented oddly
        return map;
    }

    // The block under a key (or an item) on the lines that follow: more indented, or, under a key, a sequence at
    // the key's own indentation. Nothing there would be a null.
    YAML::Node nested(std::size_t indent, bool under_key) {
        if (at_ >= lines_.size()) return fail();
        const Line& next = lines_[at_];
        if (next.indent > indent) return block(next.indent);
        if (under_key && next.indent == indent && is_item(next.body)) return block_sequence(indent);
        return fail();
    }

    // A value that must take the rest of the line.
    YAML::Node whole_line_value(std::string_view text) {
        std::size_t pos = 0;
        YAML::Node value = inline_value(text, pos, false);
        if (ok_ && pos != text.size()) return fail();
        return value;
    }

    static void skip_spaces(std::string_view s, std::size_t& pos) {
        while (pos < s.size() && s[pos] == ' ') ++pos;
    }

    // A key and its ':' (followed by a space or the end). Plain or double-quoted keys only.
    std::optional<std::string> mapping_key(std::string_view s, std::size_t& pos, bool flow) {
        std::optional<std::string> key;
        if (pos < s.size() && s[pos] == '"') {
            key = double_quoted(s, pos);
        } else {
            std::size_t end = pos;
            while (end < s.size() && s[end] != ':' && !(flow && is_flow_indicator(s[end]))) ++end;
            std::string_view text = s.substr(pos, end - pos);
            while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
            if (!plain_ok(text)) return std::nullopt;
            key = std::string(text);
            pos = end;
        }
        if (!key || pos >= s.size() || s[pos] != ':') return std::nullopt;
        ++pos;
        if (pos < s.size() && s[pos] != ' ') return std::nullopt;
        return key;
    }

    YAML::Node inline_value(std::string_view s, std::size_t& pos, bool flow) {
        const Deeper deeper(depth_);
        if (pos >= s.size() || depth_ > max_depth) return fail();
        switch (s[pos]) {
            case '{': return flow_mapping(s, pos);
            case '[': return flow_sequence(s, pos);
            case '"': {
                auto text = double_quoted(s, pos);
                return text ? YAML::Node(*text) : fail();
            }
            case '\'': {
                auto text = single_quoted(s, pos);
                return text ? YAML::Node(*text) : fail();
            }
            default: return plain(s, pos, flow);
        }
    }

    // The entries of the flow collection opening at `pos`, each read by `entry` (false: give up), up to `close`.
    template <class Entry>
    bool flow_entries(std::string_view s, std::size_t& pos, char close, Entry&& entry) {
        ++pos;   // the opening bracket
        skip_spaces(s, pos);
        if (pos < s.size() && s[pos] == close) {
            ++pos;
            return true;
        }
        for (;;) {
            if (!entry()) return false;
            skip_spaces(s, pos);
            if (pos >= s.size()) return false;
            if (s[pos] == close) {
                ++pos;
                return true;
            }
            if (s[pos] != ',') return false;
            ++pos;
            skip_spaces(s, pos);
        }
    }

    YAML::Node flow_mapping(std::string_view s, std::size_t& pos) {
        YAML::Node map(YAML::NodeType::Map);
        std::unordered_set<std::string> keys;
        const bool read = flow_entries(s, pos, '}', [&] {
            std::optional<std::string> key = mapping_key(s, pos, true);
            if (!key || !keys.insert(*key).second) return false;   // no key, or a duplicate
            skip_spaces(s, pos);
            YAML::Node value = inline_value(s, pos, true);
            if (ok_) map.force_insert(*key, value);
            return ok_;
        });
        return read ? map : fail();
    }

    YAML::Node flow_sequence(std::string_view s, std::size_t& pos) {
        YAML::Node seq(YAML::NodeType::Sequence);
        const bool read = flow_entries(s, pos, ']', [&] {
            YAML::Node item = inline_value(s, pos, true);
            if (ok_) seq.push_back(item);
            return ok_;
        });
        return read ? seq : fail();
    }

    // A plain scalar this reader is sure of: letters, digits, spaces and ._/+=()-@% only (what the snapshot writer
    // leaves plain, and a few more; yaml-cpp's scanner gives other characters meanings in places: a '?' in a flow
    // was an unknown token, found by fuzz_snapshot_yaml), no indicator first ('@', '%', a dash and a space: an
    // item), nothing YAML reads as null. Trailing spaces are not part of it.
    static bool plain_ok(std::string_view text) {
        if (text.empty() || is_null_word(text) || text.front() == ' ' || text.front() == '@' || text.front() == '%')
            return false;
        if (text.front() == '-' && (text.size() < 2 || text[1] == ' ')) return false;
        return std::all_of(text.begin(), text.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   std::string_view("._/+=()-@% ").find(c) != std::string_view::npos;
        });
    }

    YAML::Node plain(std::string_view s, std::size_t& pos, bool flow) {
        std::size_t end = pos;
        if (flow)
            while (end < s.size() && !is_flow_indicator(s[end])) ++end;
        else
            end = s.size();
        std::string_view text = s.substr(pos, end - pos);
        while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
        if (!plain_ok(text)) return fail();
        pos += text.size();
        return YAML::Node(std::string(text));
    }

    // "..." on one line, with the usual escapes; nullopt for any other escape or an unfinished string.
    static std::optional<std::string> double_quoted(std::string_view s, std::size_t& pos) {
        std::string out;
        for (std::size_t i = pos + 1; i < s.size(); ++i) {
            const char c = s[i];
            if (c == '"') {
                pos = i + 1;
                return out;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (++i >= s.size()) return std::nullopt;
            switch (s[i]) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                case 'u': {
                    if (i + 4 >= s.size()) return std::nullopt;
                    std::uint32_t cp = 0;
                    for (std::size_t k = 1; k <= 4; ++k) {
                        const char h = s[i + k];
                        cp <<= 4;
                        if (h >= '0' && h <= '9') cp |= static_cast<std::uint32_t>(h - '0');
                        else if (h >= 'a' && h <= 'f') cp |= static_cast<std::uint32_t>(h - 'a' + 10);
                        else if (h >= 'A' && h <= 'F') cp |= static_cast<std::uint32_t>(h - 'A' + 10);
                        else return std::nullopt;
                    }
                    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;   // NUL, surrogates
                    append_utf8(out, cp);
                    i += 4;
                    break;
                }
                default: return std::nullopt;
            }
        }
        return std::nullopt;
    }

    static std::optional<std::string> single_quoted(std::string_view s, std::size_t& pos) {
        std::string out;
        for (std::size_t i = pos + 1; i < s.size(); ++i) {
            if (s[i] != '\'') {
                out += s[i];
                continue;
            }
            if (i + 1 < s.size() && s[i + 1] == '\'') {
                out += '\'';
                ++i;
                continue;
            }
            pos = i + 1;
            return out;
        }
        return std::nullopt;
    }
};

}  // namespace

std::optional<YAML::Node> parse_plain_yaml(std::string_view text) { return PlainYamlReader(text).read(); }

}  // namespace kbdiag
