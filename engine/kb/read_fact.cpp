#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

static std::map<std::string, FactType> read_fields(NodeReader& r) {
    std::map<std::string, FactType> fields;
    for (const auto& [name, type_text] : r.string_map("fields")) {
        auto t = fact_type_from_string(type_text);
        if (!t || *t == FactType::records || *t == FactType::string_list) {
            r.error(codes::kb_bad_value,
                    fmt::format(
                        "{}: field '{}' has type '{}' (fields may be boolean, integer, string, enumeration, timestamp)",
                        r.what(), name, type_text),
                    r.where("fields"));
            continue;
        }
        fields[name] = *t;
    }
    return fields;
}

std::optional<FactDef> read_fact(NodeReader& r) {
    r.check_keys({"id", "type", "values", "fields", "meaning", "context", "in_report", "provided_by", "question",
                  "ask_cost_minutes", "platform", "references"});
    FactDef f;
    f.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        f.id = *id;
        r.set_name(*id);
    }
    auto type_text = r.string("type", true);
    if (type_text) {
        auto t = fact_type_from_string(*type_text);
        if (!t)
            r.error(codes::kb_bad_value,
                    fmt::format("{}: unknown type '{}' (boolean, integer, string, enumeration, string_list, timestamp, "
                                "records)",
                                r.what(), *type_text),
                    r.where("type"));
        else
            f.type = *t;
    }
    f.values = r.strings("values");
    f.fields = read_fields(r);
    f.meaning = r.string_or("meaning", "");
    f.context = r.string_or("context", "");
    f.in_report = r.boolean("in_report").value_or(false);
    f.provided_by = r.strings("provided_by");
    f.question = r.string_or("question", "");
    f.ask_cost_minutes = r.number_or("ask_cost_minutes", 1.0, 0.0, 10000.0);
    f.platform = read_platform(r);
    f.references = r.strings("references");
    if (f.type == FactType::enumeration && f.values.empty())
        r.error(codes::kb_missing_key, fmt::format("{}: an enumeration needs 'values'", r.what()), f.where);
    if (f.type == FactType::records && f.fields.empty())
        r.error(codes::kb_missing_key, fmt::format("{}: records need 'fields'", r.what()), f.where);
    if (!r.ok()) return std::nullopt;
    return f;
}

std::optional<Reference> read_reference(NodeReader& r) {
    r.check_keys({"id", "title", "url"});
    Reference ref;
    ref.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        ref.id = *id;
        r.set_name(*id);
    }
    ref.title = r.string_or("title", "");
    ref.url = r.string_or("url", "");
    if (ref.title.empty() && ref.url.empty())
        r.error(codes::kb_missing_key, fmt::format("{} needs a title or a url", r.what()), ref.where);
    if (!r.ok()) return std::nullopt;
    return ref;
}

std::map<std::string, FactValue> read_value_map(NodeReader& r, const char* key,
                                                std::map<std::string, SourceLocation>* where) {
    std::map<std::string, FactValue> out;
    YAML::Node n = r.child(key);
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
        r.error(codes::kb_wrong_type, fmt::format("{}: '{}' must be a mapping of fact: value", r.what(), key),
                r.where(key));
        return out;
    }
    for (const auto& kv : n) {
        std::string name = kv.first.IsScalar() ? kv.first.Scalar() : "";
        std::string error;
        auto value = loose_value(kv.second, error);
        if (!value) {
            r.error(codes::kb_wrong_type, fmt::format("{}: '{}.{}': {}", r.what(), key, name, error),
                    location_of(kv.second, r.file()));
            continue;
        }
        out[name] = std::move(*value);
        if (where) (*where)[name] = location_of(kv.second, r.file());
    }
    return out;
}

}  // namespace kbdiag
