#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

// Hint defaults are not catalog facts, so nothing says their type: YAML's plain true/false and integers
// become booleans and integers (yaml-cpp keeps every scalar as text).
static std::map<std::string, FactValue> typed_defaults(std::map<std::string, FactValue> loose) {
    for (auto& [key, value] : loose) {
        if (!value.is_string()) continue;
        const std::string& text = value.as_string();
        if (text == "true" || text == "false") value = FactValue{text == "true"};
        else if (auto i = parse_fact_text(text, FactType::integer);
                 i.value && text.find_first_not_of("-0123456789") == std::string::npos)
            value = *i.value;
    }
    return loose;
}

std::optional<WindowsRelease> read_windows_release(NodeReader& r) {
    r.check_keys({"build", "name", "family", "version", "defaults", "guest_blocked_editions",
                  "signing_required_editions", "notes", "references"});
    WindowsRelease w;
    w.where = r.where();
    auto build = r.integer("build", true);
    if (build) {
        w.build = *build;
        r.set_name(std::to_string(*build));
    }
    w.name = r.string_or("name", "");
    if (w.name.empty()) r.error(codes::kb_missing_key, fmt::format("{} has no 'name'", r.what()), w.where);
    w.family = r.string_or("family", "");
    w.version = r.string_or("version", "");
    w.defaults = typed_defaults(read_value_map(r, "defaults"));
    w.guest_blocked_editions = r.strings("guest_blocked_editions");
    w.signing_required_editions = r.strings("signing_required_editions");
    w.notes = r.string_or("notes", "");
    w.references = r.strings("references");
    if (!r.ok()) return std::nullopt;
    return w;
}

std::optional<Vendor> read_vendor(NodeReader& r) {
    r.check_keys({"id", "name", "ui_paths", "confirmed", "notes", "references"});
    Vendor v;
    v.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        v.id = *id;
        r.set_name(*id);
    }
    v.name = r.string_or("name", "");
    v.ui_paths = r.string_map("ui_paths");
    for (const auto& [key, text] : r.string_map("confirmed")) {
        auto b = parse_fact_text(text, FactType::boolean);
        if (!b.value)
            r.error(codes::kb_wrong_type, fmt::format("{}: confirmed.{} must be true or false", r.what(), key),
                    r.where("confirmed"));
        else v.confirmed[key] = b.value->as_bool();
    }
    v.notes = r.string_or("notes", "");
    v.references = r.strings("references");
    if (!r.ok()) return std::nullopt;
    return v;
}

}  // namespace kbdiag
