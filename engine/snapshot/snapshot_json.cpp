// The fast path for snapshots written as one JSON object (what `kbdiag batch` reads a line at a time, and what
// the C API takes). yaml-cpp reads JSON too, but its scanner is most of a batch run's cost; nlohmann-json reads the
// same text ~10x faster. The fast path takes only a clean snapshot — the right schema, known facts, values that fit
// their types, no duplicate keys, no nulls, no floats — and builds exactly what the general (YAML) reader builds
// from it: every scalar becomes the same text the YAML reader sees and goes through the same coerce(). Anything
// else returns nullopt and the caller reads the text the general way, which reports each problem at its
// file:line:col. So the fast path never has to produce a diagnostic, and cannot produce a different one.
#include <algorithm>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/snapshot/snapshot.hpp"

namespace kbdiag {

namespace {

// A JSON value as the fast path needs it, read by nlohmann-json's SAX interface straight into this small tree (no
// DOM of std::maps, no per-object key sets): a scalar keeps the text the YAML reader would see; objects keep their
// members in order. Null, floats and binary values make the whole text unclean (the general reader takes it).
struct Node {
    enum class Kind { scalar, object, array };
    Kind kind = Kind::scalar;
    std::string text;                                   // scalar
    // An object's member names and values (in input order, keys[i] names values[i]); an array's items are values.
    // Two vectors, not one of pairs: a vector may hold the incomplete Node, a pair may not (clang with libstdc++).
    std::vector<std::string> keys;
    std::vector<Node> values;

    const Node* find(std::string_view key) const {
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == key) return &values[i];
        return nullptr;
    }
    bool is_object() const { return kind == Kind::object; }
    bool is_scalar() const { return kind == Kind::scalar; }
};

// Duplicate keys are the general reader's to report. Sorting views of the keys keeps a 200-fact object cheap; a
// fact's own few keys are compared pairwise, without an allocation.
bool unique_keys(const Node& object) {
    constexpr std::size_t pairwise = 8;
    if (object.keys.size() <= pairwise) {
        for (std::size_t i = 0; i < object.keys.size(); ++i)
            for (std::size_t j = i + 1; j < object.keys.size(); ++j)
                if (object.keys[i] == object.keys[j]) return false;
        return true;
    }
    std::vector<std::string_view> keys(object.keys.begin(), object.keys.end());
    std::sort(keys.begin(), keys.end());
    return std::adjacent_find(keys.begin(), keys.end()) == keys.end();
}

// Builds the Node tree; refuses (returns false, which stops the parse) what the fast path does not take.
class TreeBuilder {
public:
    using Json = nlohmann::json;

    Node root;

    bool null() { return false; }
    bool boolean(bool v) { return scalar(v ? "true" : "false"); }
    bool number_integer(Json::number_integer_t v) { return scalar(std::to_string(v)); }
    bool number_unsigned(Json::number_unsigned_t v) { return scalar(std::to_string(v)); }
    bool number_float(Json::number_float_t, const Json::string_t&) { return false; }
    bool string(Json::string_t& v) { return scalar(std::move(v)); }
    bool binary(Json::binary_t&) { return false; }
    bool start_object(std::size_t) { return open(Node::Kind::object); }
    bool key(Json::string_t& k) {
        Node* object = open_.back();
        object->keys.push_back(std::move(k));
        object->values.emplace_back();
        return true;
    }
    bool end_object() { return close() && unique_keys(*finished_); }
    bool start_array(std::size_t) { return open(Node::Kind::array); }
    bool end_array() { return close(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

private:
    std::vector<Node*> open_;   // the objects and arrays being filled, innermost last
    Node* finished_ = nullptr;
    bool started_ = false;

    // Where the next value goes: the root, the last key's slot, or a new array item.
    Node* slot() {
        if (open_.empty()) {
            if (started_) return nullptr;   // a second top-level value
            started_ = true;
            return &root;
        }
        Node* parent = open_.back();
        if (parent->kind == Node::Kind::array) return &parent->values.emplace_back();
        return parent->values.empty() ? nullptr : &parent->values.back();
    }
    bool scalar(std::string text) {
        Node* n = slot();
        if (!n) return false;
        n->text = std::move(text);
        return true;
    }
    bool open(Node::Kind kind) {
        Node* n = slot();
        if (!n) return false;
        n->kind = kind;
        open_.push_back(n);
        return true;
    }
    bool close() {
        if (open_.empty()) return false;
        finished_ = open_.back();
        open_.pop_back();
        return true;
    }
};

// Reads the plain JSON batch lines are made of straight into the Node tree, several times faster than nlohmann's
// lexer and SAX events (most of a batch line's parsing cost): strings of printable ASCII with the short escapes,
// integers of at most 18 digits, true and false, objects and arrays. On anything else (a \u escape, a byte beyond
// ASCII, null, a fraction, a long number, deep nesting, a duplicate key, a syntax error) it gives up and nlohmann
// reads the text. So it never decides what is JSON: it only takes, and builds the very tree TreeBuilder would
// from, texts well inside the grammar.
class PlainJsonReader {
public:
    explicit PlainJsonReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    // The tree, or nullopt when the text is not plain (which says nothing about whether it is clean).
    std::optional<Node> read() {
        Node root;
        if (!value(root, 0)) return std::nullopt;
        skip_ws();
        if (p_ != end_) return std::nullopt;   // trailing text
        return root;
    }

private:
    static constexpr int max_depth = 32;   // snapshots nest 5 deep; deeper is not worth a fast path
    static constexpr std::size_t small_object = 4;
    const char* p_;
    const char* end_;

    void skip_ws() {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
    }
    bool eat(char c) {
        skip_ws();
        if (p_ == end_ || *p_ != c) return false;
        ++p_;
        return true;
    }
    bool value(Node& n, int depth) {
        skip_ws();
        if (p_ == end_) return false;
        switch (*p_) {
            case '{': return depth < max_depth && object(n, depth + 1);
            case '[': return depth < max_depth && array(n, depth + 1);
            case '"': return string(n.text);
            case 't': return literal("true", n.text);
            case 'f': return literal("false", n.text);
            default: return integer(n.text);
        }
    }
    bool object(Node& n, int depth) {
        n.kind = Node::Kind::object;
        ++p_;   // '{'
        if (eat('}')) return true;
        n.keys.reserve(small_object);   // one allocation each for a fact's {value, source, note}
        n.values.reserve(small_object);
        do {
            skip_ws();
            if (p_ == end_ || *p_ != '"') return false;
            n.keys.emplace_back();
            if (!string(n.keys.back()) || !eat(':')) return false;
            n.values.emplace_back();
            if (!value(n.values.back(), depth)) return false;
        } while (eat(','));
        return eat('}') && unique_keys(n);
    }
    bool array(Node& n, int depth) {
        n.kind = Node::Kind::array;
        ++p_;   // '['
        if (eat(']')) return true;
        do {
            n.values.emplace_back();
            if (!value(n.values.back(), depth)) return false;
        } while (eat(','));
        return eat(']');
    }
    static bool plain_char(char c) {
        const auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u < 0x7F && c != '"' && c != '\\';
    }
    // The character a short escape stands for; 0 for \u and anything that is not an escape.
    static char unescaped(char c) {
        switch (c) {
            case '"': return '"';
            case '\\': return '\\';
            case '/': return '/';
            case 'b': return '\b';
            case 'f': return '\f';
            case 'n': return '\n';
            case 'r': return '\r';
            case 't': return '\t';
            default: return 0;
        }
    }
    bool string(std::string& out) {
        ++p_;   // the opening quote
        for (;;) {
            const char* run = p_;
            while (p_ != end_ && plain_char(*p_)) ++p_;
            out.append(run, p_);
            if (p_ == end_) return false;
            if (*p_ == '"') {
                ++p_;
                return true;
            }
            if (*p_ != '\\' || ++p_ == end_) return false;   // a control character, a byte beyond ASCII, or the end
            const char c = unescaped(*p_++);
            if (c == 0) return false;
            out += c;
        }
    }
    bool literal(std::string_view word, std::string& out) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) return false;
        p_ += word.size();
        out = word;
        return true;
    }
    // An integer as nlohmann's events give it (std::to_string of its value) is its own spelling when it has no
    // leading zero, is not -0 and fits: only such spellings are taken.
    bool integer(std::string& out) {
        const char* start = p_;
        if (*p_ == '-') ++p_;
        const char* digits = p_;
        while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        const auto count = p_ - digits;
        if (count == 0 || count > 18 || (*digits == '0' && (count > 1 || digits != start))) return false;
        if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
        out.assign(start, p_);
        return true;
    }
};

std::optional<std::string> text_at(const Node& object, const char* key) {
    const Node* n = object.find(key);
    if (!n || !n->is_scalar()) return std::nullopt;
    return n->text;
}

bool all_scalars(const Node& object) {
    return std::all_of(object.values.begin(), object.values.end(), [](const Node& value) { return value.is_scalar(); });
}

// A loose value as the YAML reader makes it: scalar -> string, list of scalars -> list, list of mappings of
// scalars -> records. Empty mappings or lists of mixed kinds are the general reader's business.
std::optional<FactValue> loose_value(const Node& v) {
    if (v.is_scalar()) return FactValue(v.text);
    if (v.kind != Node::Kind::array) return std::nullopt;
    if (v.values.empty()) return FactValue(std::vector<std::string>{});
    if (v.values.front().is_object()) {
        std::vector<Record> records;
        for (const auto& item : v.values) {
            if (!item.is_object() || item.keys.empty() || !all_scalars(item)) return std::nullopt;
            Record r;
            for (std::size_t i = 0; i < item.keys.size(); ++i) r[item.keys[i]] = item.values[i].text;
            records.push_back(std::move(r));
        }
        return FactValue(std::move(records));
    }
    std::vector<std::string> list;
    for (const auto& item : v.values) {
        if (!item.is_scalar()) return std::nullopt;
        list.push_back(item.text);
    }
    return FactValue(std::move(list));
}

bool read_header(const Node& root, Snapshot& s) {
    if (const Node* created = root.find("created")) {
        if (!created->is_scalar()) return false;
        if (auto t = parse_iso8601(created->text))
            s.created = *t;
        else if (auto i = parse_integer_text(created->text))
            s.created = *i;
        else
            return false;   // the general reader warns
    }
    if (const Node* version = root.find("kbdiag_version")) {
        if (!version->is_scalar()) return false;
        s.kbdiag_version = version->text;
    }
    if (const Node* host = root.find("host")) {
        if (!host->is_object() || !all_scalars(*host)) return false;
        s.host_name = text_at(*host, "name").value_or("");
        s.platform = text_at(*host, "platform").value_or("");
    }
    return true;
}

bool read_collectors(const Node& root, Snapshot& s) {
    const Node* list = root.find("collectors");
    if (!list) return true;
    if (list->kind != Node::Kind::array) return false;
    for (const auto& item : list->values) {
        if (!item.is_object() || !all_scalars(item)) return false;
        CollectorReport c;
        c.id = text_at(item, "id").value_or("");
        auto status = collector_status_from_string(text_at(item, "status").value_or(""));
        if (c.id.empty() || !status) return false;
        c.status = *status;
        if (auto ms = text_at(item, "duration_ms")) c.duration_ms = parse_integer_text(*ms).value_or(0);
        c.message = text_at(item, "message").value_or("");
        s.collectors.push_back(std::move(c));
    }
    return true;
}

bool read_fact(const KnowledgeBase& kb, const std::string& name, const Node& node, FactStore& facts,
               std::vector<std::string>* unknown_facts) {
    auto def = kb.facts.find(name);
    if (def == kb.facts.end() && unknown_facts) {   // the general reader drops it unread, whatever its value
        unknown_facts->push_back(name);
        return true;
    }
    if (def == kb.facts.end() || !node.is_object()) return false;
    for (std::size_t i = 0; i < node.keys.size(); ++i)
        if (node.keys[i] != "value" && !node.values[i].is_scalar()) return false;
    FactEntry e;
    const auto state = fact_state_from_string(text_at(node, "state").value_or("known"));
    if (!state) return false;
    e.state = *state;
    e.source = text_at(node, "source").value_or("");
    e.note = text_at(node, "note").value_or("");
    if (e.state == FactState::known) {
        const Node* value = node.find("value");
        if (!value) return false;
        auto loose = loose_value(*value);
        if (!loose) return false;
        auto typed = coerce(*loose, def->second.type, def->second.values, def->second.fields);
        if (!typed.value) return false;
        e.value = std::move(*typed.value);
    }
    facts.put(name, std::move(e));
    return true;
}

// Parses `text` as one JSON value into a Node tree; nullopt when it is not clean JSON for the fast path.
std::optional<Node> parse_tree(const std::string& text) {
    if (auto plain = PlainJsonReader(text).read()) return plain;
    TreeBuilder builder;
    if (!nlohmann::json::sax_parse(text, &builder)) return std::nullopt;
    return std::move(builder.root);
}

// Whether a number -0 stands outside the strings: nlohmann reads it as the integer 0, whose text "0" is not the
// "-0" the YAML reader sees (a string fact would differ). The only JSON integer spelling it does not keep.
bool has_negative_zero(const std::string& text) {
    if (text.find("-0") == std::string::npos) return false;   // the usual case: one fast scan
    bool in_string = false;
    for (std::size_t i = 0; i + 1 < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '-' && text[i + 1] == '0') {
            return true;
        }
    }
    return false;
}

}  // namespace

std::optional<Snapshot> parse_clean_json_snapshot(const std::string& text, const KnowledgeBase& kb,
                                                  std::vector<std::string>* unknown_facts) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{' || has_negative_zero(text)) return std::nullopt;
    auto root = parse_tree(text);
    if (!root || !root->is_object()) return std::nullopt;
    if (text_at(*root, "schema") != std::optional<std::string>(snapshot_schema)) return std::nullopt;
    Snapshot s;
    if (!read_header(*root, s) || !read_collectors(*root, s)) return std::nullopt;
    if (const Node* facts = root->find("facts")) {
        if (!facts->is_object()) return std::nullopt;
        for (std::size_t i = 0; i < facts->keys.size(); ++i)
            if (!read_fact(kb, facts->keys[i], facts->values[i], s.facts, unknown_facts)) return std::nullopt;
    }
    return s;
}

}  // namespace kbdiag
