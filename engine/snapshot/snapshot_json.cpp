// The fast path for snapshots written as one JSON object (what `kbdiag batch` reads a line at a time, and what
// the C API takes). yaml-cpp reads JSON too, but its scanner is most of a batch run's cost; nlohmann-json reads the
// same text ~10x faster. The fast path takes only a clean snapshot — the right schema, known facts, values that fit
// their types, no duplicate keys, no nulls, no floats — and builds exactly what the general (YAML) reader builds
// from it: every scalar becomes the same text the YAML reader sees and goes through the same coerce(). Anything
// else returns nullopt and the caller reads the text the general way, which reports each problem at its
// file:line:col. So the fast path never has to produce a diagnostic, and cannot produce a different one.
#include <set>

#include <nlohmann/json.hpp>

#include "engine/snapshot/snapshot.hpp"

namespace kbdiag {

namespace {

using Json = nlohmann::json;

// The text the YAML reader would see for a JSON scalar; nullopt for null, floats and containers (not taken here:
// a float's JSON spelling and nlohmann's may differ, e.g. 1e5 and 100000.0).
std::optional<std::string> scalar_text(const Json& v) {
    switch (v.type()) {
        case Json::value_t::string: return v.get<std::string>();
        case Json::value_t::boolean: return v.get<bool>() ? "true" : "false";
        case Json::value_t::number_integer: return std::to_string(v.get<std::int64_t>());
        case Json::value_t::number_unsigned: return std::to_string(v.get<std::uint64_t>());
        default: return std::nullopt;
    }
}

std::optional<std::string> text_at(const Json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end()) return std::nullopt;
    return scalar_text(*it);
}

// A loose value as the YAML reader makes it: scalar -> string, list of scalars -> list, list of mappings of
// scalars -> records. Empty mappings or lists of mixed kinds are the general reader's business.
std::optional<FactValue> loose_value(const Json& v) {
    if (auto s = scalar_text(v)) return FactValue(std::move(*s));
    if (!v.is_array()) return std::nullopt;
    if (v.empty()) return FactValue(std::vector<std::string>{});
    if (v.front().is_object()) {
        std::vector<Record> records;
        for (const auto& item : v) {
            if (!item.is_object()) return std::nullopt;
            Record r;
            for (const auto& [field, value] : item.items()) {
                auto s = scalar_text(value);
                if (!s) return std::nullopt;
                r[field] = std::move(*s);
            }
            records.push_back(std::move(r));
        }
        return FactValue(std::move(records));
    }
    std::vector<std::string> list;
    for (const auto& item : v) {
        auto s = scalar_text(item);
        if (!s) return std::nullopt;
        list.push_back(std::move(*s));
    }
    return FactValue(std::move(list));
}

bool read_header(const Json& root, Snapshot& s) {
    if (root.contains("created")) {
        auto created = text_at(root, "created");
        if (!created) return false;
        if (auto t = parse_iso8601(*created))
            s.created = *t;
        else if (auto i = parse_integer_text(*created))
            s.created = *i;
        else
            return false;   // the general reader warns
    }
    if (auto v = text_at(root, "kbdiag_version")) s.kbdiag_version = *v;
    else if (root.contains("kbdiag_version")) return false;
    if (auto host = root.find("host"); host != root.end()) {
        if (!host->is_object()) return false;
        for (const auto& [key, value] : host->items())
            if (!scalar_text(value)) return false;
        s.host_name = text_at(*host, "name").value_or("");
        s.platform = text_at(*host, "platform").value_or("");
    }
    return true;
}

bool read_collectors(const Json& root, Snapshot& s) {
    auto list = root.find("collectors");
    if (list == root.end()) return true;
    if (!list->is_array()) return false;
    for (const auto& item : *list) {
        if (!item.is_object()) return false;
        for (const auto& [key, value] : item.items())
            if (!scalar_text(value)) return false;
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

bool read_fact(const KnowledgeBase& kb, const std::string& name, const Json& node, FactStore& facts) {
    auto def = kb.facts.find(name);
    if (def == kb.facts.end() || !node.is_object()) return false;
    for (const auto& [key, value] : node.items())
        if (key != "value" && !scalar_text(value)) return false;
    FactEntry e;
    const auto state = fact_state_from_string(text_at(node, "state").value_or("known"));
    if (!state) return false;
    e.state = *state;
    e.source = text_at(node, "source").value_or("");
    e.note = text_at(node, "note").value_or("");
    if (e.state == FactState::known) {
        auto value = node.find("value");
        if (value == node.end()) return false;
        auto loose = loose_value(*value);
        if (!loose) return false;
        auto typed = coerce(*loose, def->second.type, def->second.values, def->second.fields);
        if (!typed.value) return false;
        e.value = std::move(*typed.value);
    }
    facts.put(name, std::move(e));
    return true;
}

// Parses `text` as JSON, refusing duplicate keys in any object (the general reader reports them).
std::optional<Json> parse_without_duplicate_keys(const std::string& text) {
    std::vector<std::set<std::string>> keys_per_object;
    bool duplicate = false;
    auto watch = [&](int, Json::parse_event_t event, Json& parsed) {
        if (event == Json::parse_event_t::object_start) keys_per_object.emplace_back();
        else if (event == Json::parse_event_t::object_end && !keys_per_object.empty()) keys_per_object.pop_back();
        else if (event == Json::parse_event_t::key && !keys_per_object.empty() &&
                 !keys_per_object.back().insert(parsed.get<std::string>()).second)
            duplicate = true;
        return true;
    };
    Json root = Json::parse(text, watch, /*allow_exceptions=*/false);
    if (root.is_discarded() || duplicate) return std::nullopt;
    return root;
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

std::optional<Snapshot> parse_clean_json_snapshot(const std::string& text, const KnowledgeBase& kb) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{' || has_negative_zero(text)) return std::nullopt;
    auto root = parse_without_duplicate_keys(text);
    if (!root || !root->is_object()) return std::nullopt;
    if (text_at(*root, "schema") != std::optional<std::string>(snapshot_schema)) return std::nullopt;
    Snapshot s;
    if (!read_header(*root, s) || !read_collectors(*root, s)) return std::nullopt;
    if (auto facts = root->find("facts"); facts != root->end()) {
        if (!facts->is_object()) return std::nullopt;
        for (const auto& [name, node] : facts->items())
            if (!read_fact(kb, name, node, s.facts)) return std::nullopt;
    }
    return s;
}

}  // namespace kbdiag
