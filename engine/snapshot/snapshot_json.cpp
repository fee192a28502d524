// The fast path for snapshots written as one JSON object (what `kbdiag batch` reads a line at a time, and what
// the C API takes). yaml-cpp reads JSON too, but its scanner is most of a batch run's cost; nlohmann-json reads the
// same text ~10x faster. The fast path takes only a clean snapshot — the right schema, known facts, values that fit
// their types, no duplicate keys, no nulls, no floats — and builds exactly what the general (YAML) reader builds
// from it: every scalar becomes the same text the YAML reader sees and goes through the same coerce(). Anything
// else returns nullopt and the caller reads the text the general way, which reports each problem at its
// file:line:col. So the fast path never has to produce a diagnostic, and cannot produce a different one.
#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/text.hpp"
#include "engine/snapshot/snapshot.hpp"

namespace kbdiag {

namespace {

using text::json_plain_char;   // unqualified below: the reader's string() has a local named text

// A JSON document as the fast path needs it: a tape of items in document order. An object's or array's members
// follow it and `end` is the index just past its last member, so a sibling is one jump away; scalars keep the text
// the YAML reader would see, as views of the input (or of the tape's own strings, for escaped or converted text).
// One vector for the whole document, instead of a tree of nodes with vectors of their own, is most of why the
// fast path is fast. Null, floats and binary values make the whole text unclean (the general reader takes it).
struct Item {
    enum class Kind : std::uint8_t { scalar, object, array };
    Kind kind = Kind::scalar;
    std::uint32_t end = 0;     // the index past this item's members
    std::string_view key;      // the member's name, when the item is an object's member
    std::string_view text;     // scalar
};

struct Tape {
    std::vector<Item> items;
    std::deque<std::string> owned;   // a deque: its strings stay where they are as it grows
    std::string_view keep(std::string text) { return owned.emplace_back(std::move(text)); }
};

// One value of a tape, as the snapshot readers below walk it.
class Value {
public:
    Value(const Tape& tape, std::uint32_t index) : tape_(&tape), index_(index) {}
    bool is_scalar() const { return item().kind == Item::Kind::scalar; }
    bool is_object() const { return item().kind == Item::Kind::object; }
    bool is_array() const { return item().kind == Item::Kind::array; }
    std::string_view text() const { return item().text; }
    std::string_view key() const { return item().key; }
    bool empty() const { return item().end == index_ + 1; }

    // The members of an object or the items of an array, in order.
    template <class Visit>
    bool all_of(Visit visit) const {
        for (std::uint32_t i = index_ + 1; i < item().end; i = tape_->items[i].end)
            if (!visit(Value(*tape_, i))) return false;
        return true;
    }
    std::optional<Value> find(std::string_view name) const {
        std::optional<Value> found;
        all_of([&](Value member) {
            if (member.key() == name) found = member;
            return !found;
        });
        return found;
    }

private:
    const Tape* tape_;
    std::uint32_t index_;
    const Item& item() const { return tape_->items[index_]; }
};

// Duplicate keys are the general reader's to report. Sorting views of the keys keeps a 200-fact object cheap; a
// fact's own few keys are compared pairwise, without an allocation.
bool unique_keys(const Tape& tape, std::uint32_t object) {
    constexpr std::size_t pairwise = 8;
    std::array<std::string_view, pairwise> first;   // most objects: no allocation at all
    std::size_t count = 0;
    std::vector<std::string_view> all;
    for (std::uint32_t i = object + 1; i < tape.items[object].end; i = tape.items[i].end) {
        const std::string_view key = tape.items[i].key;
        if (count < pairwise) {
            if (std::find(first.begin(), first.begin() + count, key) != first.begin() + count) return false;
            first[count++] = key;
            continue;
        }
        if (all.empty()) all.assign(first.begin(), first.end());
        all.push_back(key);
    }
    std::sort(all.begin(), all.end());
    return std::adjacent_find(all.begin(), all.end()) == all.end();
}

// Builds the tape from nlohmann's SAX events; refuses (returns false, which stops the parse) what the fast path
// does not take.
class TapeBuilder {
public:
    using Json = nlohmann::json;

    Tape tape;

    bool null() { return false; }
    bool boolean(bool v) { return scalar(v ? "true" : "false"); }
    bool number_integer(Json::number_integer_t v) { return scalar(tape.keep(std::to_string(v))); }
    bool number_unsigned(Json::number_unsigned_t v) { return scalar(tape.keep(std::to_string(v))); }
    bool number_float(Json::number_float_t, const Json::string_t&) { return false; }
    bool string(Json::string_t& v) { return scalar(tape.keep(std::move(v))); }
    bool binary(Json::binary_t&) { return false; }
    bool start_object(std::size_t) { return open(Item::Kind::object); }
    bool key(Json::string_t& k) {
        key_ = tape.keep(std::move(k));
        return true;
    }
    bool end_object() { return close() && unique_keys(tape, finished_); }
    bool start_array(std::size_t) { return open(Item::Kind::array); }
    bool end_array() { return close(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

private:
    std::vector<std::uint32_t> open_;   // the objects and arrays being filled, innermost last
    std::uint32_t finished_ = 0;
    std::string_view key_;              // the name of the member whose value comes next

    // A new item where the next value goes; false for a second top-level value.
    bool push(Item::Kind kind, std::string_view text = {}) {
        if (open_.empty() && !tape.items.empty()) return false;
        const bool member = !open_.empty() && tape.items[open_.back()].kind == Item::Kind::object;
        const auto index = static_cast<std::uint32_t>(tape.items.size());
        tape.items.push_back(Item{kind, index + 1, member ? key_ : std::string_view(), text});
        return true;
    }
    bool scalar(std::string_view text) { return push(Item::Kind::scalar, text); }
    bool open(Item::Kind kind) {
        if (!push(kind)) return false;
        open_.push_back(static_cast<std::uint32_t>(tape.items.size() - 1));
        return true;
    }
    bool close() {
        if (open_.empty()) return false;
        finished_ = open_.back();
        open_.pop_back();
        tape.items[finished_].end = static_cast<std::uint32_t>(tape.items.size());
        return true;
    }
};

// Reads the plain JSON batch lines are made of straight into the tape, several times faster than nlohmann's lexer
// and SAX events (most of a batch line's parsing cost): strings of printable ASCII with the short escapes,
// integers of at most 18 digits, true and false, objects and arrays. On anything else (a \u escape, a byte beyond
// ASCII, null, a fraction, a long number, deep nesting, a duplicate key, a syntax error) it gives up and nlohmann
// reads the text. So it never decides what is JSON: it only takes, and builds the very tape TapeBuilder would
// from, texts well inside the grammar.
class PlainJsonReader {
public:
    explicit PlainJsonReader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    // The tape, or nullopt when the text is not plain (which says nothing about whether it is clean).
    std::optional<Tape> read() {
        Tape tape;
        tape.items.reserve(static_cast<std::size_t>(end_ - p_) / 8 + 4);   // a batch line: ~9 bytes per item
        tape_ = &tape;
        if (!value(0, {})) return std::nullopt;
        skip_ws();
        if (p_ != end_) return std::nullopt;   // trailing text
        return tape;
    }

private:
    static constexpr int max_depth = 32;   // snapshots nest 5 deep; deeper is not worth a fast path
    const char* p_;
    const char* end_;
    Tape* tape_ = nullptr;

    void skip_ws() {
        while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
    }
    bool eat(char c) {
        skip_ws();
        if (p_ == end_ || *p_ != c) return false;
        ++p_;
        return true;
    }
    // Appends the value at p_ (an object's member named `key`, or an array item with no key) and its members.
    bool value(int depth, std::string_view key) {
        skip_ws();
        if (p_ == end_) return false;
        const auto index = static_cast<std::uint32_t>(tape_->items.size());
        tape_->items.push_back(Item{Item::Kind::scalar, index + 1, key, {}});
        switch (*p_) {
            case '{': return depth < max_depth && object(index, depth + 1);
            case '[': return depth < max_depth && array(index, depth + 1);
            case '"': return string(tape_->items[index].text);
            case 't': return literal("true", tape_->items[index].text);
            case 'f': return literal("false", tape_->items[index].text);
            default: return integer(tape_->items[index].text);
        }
    }
    bool object(std::uint32_t index, int depth) {
        tape_->items[index].kind = Item::Kind::object;
        ++p_;   // '{'
        if (!eat('}')) {
            do {
                skip_ws();
                std::string_view key;
                if (p_ == end_ || *p_ != '"' || !string(key) || !eat(':') || !value(depth, key)) return false;
            } while (eat(','));
            if (!eat('}')) return false;
        }
        tape_->items[index].end = static_cast<std::uint32_t>(tape_->items.size());
        return unique_keys(*tape_, index);
    }
    bool array(std::uint32_t index, int depth) {
        tape_->items[index].kind = Item::Kind::array;
        ++p_;   // '['
        if (!eat(']')) {
            do {
                if (!value(depth, {})) return false;
            } while (eat(','));
            if (!eat(']')) return false;
        }
        tape_->items[index].end = static_cast<std::uint32_t>(tape_->items.size());
        return true;
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
    // A string without escapes is a view of the input; one with escapes is unescaped into the tape's own strings.
    bool string(std::string_view& out) {
        const char* start = ++p_;   // past the opening quote
        while (p_ != end_ && json_plain_char(*p_)) ++p_;
        if (p_ != end_ && *p_ == '"') {
            out = std::string_view(start, static_cast<std::size_t>(p_++ - start));
            return true;
        }
        std::string text(start, p_);
        for (;;) {
            if (p_ == end_) return false;
            if (*p_ == '"') {
                ++p_;
                out = tape_->keep(std::move(text));
                return true;
            }
            if (*p_ != '\\' || ++p_ == end_) return false;   // a control character, a byte beyond ASCII, or the end
            const char c = unescaped(*p_++);
            if (c == 0) return false;
            text += c;
            const char* run = p_;
            while (p_ != end_ && json_plain_char(*p_)) ++p_;
            text.append(run, p_);
        }
    }
    bool literal(std::string_view word, std::string_view& out) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
            return false;
        p_ += word.size();
        out = word;
        return true;
    }
    // An integer as nlohmann's events give it (std::to_string of its value) is its own spelling when it has no
    // leading zero, is not -0 and fits: only such spellings are taken.
    bool integer(std::string_view& out) {
        const char* start = p_;
        if (*p_ == '-') ++p_;
        const char* digits = p_;
        while (p_ != end_ && *p_ >= '0' && *p_ <= '9') ++p_;
        const auto count = p_ - digits;
        if (count == 0 || count > 18 || (*digits == '0' && (count > 1 || digits != start))) return false;
        if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        return true;
    }
};

std::optional<std::string_view> text_at(const Value& object, std::string_view key) {
    auto v = object.find(key);
    if (!v || !v->is_scalar()) return std::nullopt;
    return v->text();
}

std::string string_at(const Value& object, std::string_view key) {
    return std::string(text_at(object, key).value_or(""));
}

bool all_scalars(const Value& object) {
    return object.all_of([](Value member) { return member.is_scalar(); });
}

// A loose value as the YAML reader makes it: scalar -> string, list of scalars -> list, list of mappings of
// scalars -> records. Empty mappings or lists of mixed kinds are the general reader's business.
std::optional<FactValue> loose_value(const Value& v) {
    if (v.is_scalar()) return FactValue(std::string(v.text()));
    if (!v.is_array()) return std::nullopt;
    if (v.empty()) return FactValue(std::vector<std::string>{});
    std::optional<FactValue> out;
    bool records = false;
    v.all_of([&](Value first) {
        records = first.is_object();
        return false;
    });
    if (records) {
        std::vector<Record> list;
        const bool ok = v.all_of([&](Value item) {
            if (!item.is_object() || item.empty() || !all_scalars(item)) return false;
            Record r;
            item.all_of([&](Value field) {
                r[std::string(field.key())] = std::string(field.text());
                return true;
            });
            list.push_back(std::move(r));
            return true;
        });
        if (ok) out = FactValue(std::move(list));
        return out;
    }
    std::vector<std::string> list;
    const bool ok = v.all_of([&](Value item) {
        if (!item.is_scalar()) return false;
        list.emplace_back(item.text());
        return true;
    });
    if (ok) out = FactValue(std::move(list));
    return out;
}

bool read_header(const Value& root, Snapshot& s) {
    if (auto created = root.find("created")) {
        if (!created->is_scalar()) return false;
        const std::string text(created->text());
        if (auto t = parse_iso8601(text))
            s.created = *t;
        else if (auto i = parse_integer_text(text))
            s.created = *i;
        else
            return false;   // the general reader warns
    }
    if (auto version = root.find("kbdiag_version")) {
        if (!version->is_scalar()) return false;
        s.kbdiag_version = version->text();
    }
    if (auto host = root.find("host")) {
        if (!host->is_object() || !all_scalars(*host)) return false;
        s.host_name = string_at(*host, "name");
        s.platform = string_at(*host, "platform");
    }
    return true;
}

bool read_collectors(const Value& root, Snapshot& s) {
    auto list = root.find("collectors");
    if (!list) return true;
    if (!list->is_array()) return false;
    return list->all_of([&](Value item) {
        if (!item.is_object() || !all_scalars(item)) return false;
        CollectorReport c;
        c.id = string_at(item, "id");
        auto status = collector_status_from_string(string_at(item, "status"));
        if (c.id.empty() || !status) return false;
        c.status = *status;
        if (auto ms = text_at(item, "duration_ms")) c.duration_ms = parse_integer_text(*ms).value_or(0);
        c.message = string_at(item, "message");
        s.collectors.push_back(std::move(c));
        return true;
    });
}

bool read_fact(const KnowledgeBase& kb, const Value& fact, FactStore& facts, std::vector<std::string>* unknown_facts) {
    const std::string name(fact.key());
    auto def = kb.facts.find(name);
    if (def == kb.facts.end() && unknown_facts) {   // the general reader drops it unread, whatever its value
        unknown_facts->push_back(name);
        return true;
    }
    if (def == kb.facts.end() || !fact.is_object()) return false;
    // One pass over the fact's members; any member but `value` must be a scalar (others are read and ignored).
    std::optional<Value> value;
    std::string_view state_text = "known";
    FactEntry e;
    const bool scalars = fact.all_of([&](Value member) {
        const std::string_view key = member.key();
        if (key == "value") {
            value = member;
            return true;
        }
        if (!member.is_scalar()) return false;
        if (key == "state") state_text = member.text();
        else if (key == "source") e.source = member.text();
        else if (key == "note") e.note = member.text();
        return true;
    });
    const auto state = fact_state_from_string(state_text);
    if (!scalars || !state) return false;
    e.state = *state;
    if (e.state == FactState::known) {
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

// Parses `text` as one JSON value into a tape; nullopt when it is not clean JSON for the fast path.
std::optional<Tape> parse_tape(const std::string& text) {
    if (auto plain = PlainJsonReader(text).read()) return plain;
    TapeBuilder builder;
    if (!nlohmann::json::sax_parse(text, &builder) || builder.tape.items.empty()) return std::nullopt;
    return std::move(builder.tape);
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
    auto tape = parse_tape(text);
    if (!tape) return std::nullopt;
    const Value root(*tape, 0);
    if (!root.is_object() || text_at(root, "schema") != std::optional<std::string_view>(snapshot_schema))
        return std::nullopt;
    Snapshot s;
    if (!read_header(root, s) || !read_collectors(root, s)) return std::nullopt;
    if (auto facts = root.find("facts")) {
        if (!facts->is_object()) return std::nullopt;
        if (!facts->all_of([&](Value fact) { return read_fact(kb, fact, s.facts, unknown_facts); }))
            return std::nullopt;
    }
    return s;
}

}  // namespace kbdiag
