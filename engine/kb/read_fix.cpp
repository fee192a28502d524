#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

// `- Open Settings: Network` is YAML for a one-entry mapping, not the text the author meant: a single key that is
// no step key, with a plain scalar value.
static bool reads_as_text_with_colon(const YAML::Node& item) {
    if (item.size() != 1) return false;
    const auto& kv = *item.begin();
    if (!kv.first.IsScalar() || !kv.second.IsScalar()) return false;
    const std::string& key = kv.first.Scalar();
    return key != "text" && key != "when" && key != "when_text";
}

std::optional<FixStep> read_step(const YAML::Node& item, NodeReader& r) {
    FixStep s;
    s.where = location_of(item, r.file());
    if (item.IsScalar()) {   // shorthand: a step that always applies
        s.text = item.Scalar();
        return s;
    }
    if (!expect_map(item, r.file(), r.diagnostics(), r.what() + ": a step")) return std::nullopt;
    if (reads_as_text_with_colon(item)) {
        r.error(
            codes::kb_wrong_type,
            fmt::format("{}: this step reads as a mapping '{}' -> '{}', not as text: quote the text: it contains ': '",
                        r.what(), item.begin()->first.Scalar(), item.begin()->second.Scalar()),
            s.where);
        return std::nullopt;
    }
    NodeReader sr(item, r.file(), r.diagnostics(), r.what() + " step");
    sr.check_keys({"text", "when", "when_text"});
    auto text = sr.string("text", true);
    if (text) s.text = *text;
    if (sr.has("when")) {
        s.when = read_condition(sr.child("when"), r.file(), r.diagnostics());
        if (!s.when) sr.fail();
    }
    s.when_text = sr.string_or("when_text", "");
    if (!sr.ok()) return std::nullopt;
    return s;
}

static std::optional<Risk> risk_from_string(const std::string& s) {
    if (s == "low") return Risk::low;
    if (s == "medium") return Risk::medium;
    if (s == "high") return Risk::high;
    return std::nullopt;
}

std::optional<Fix> read_fix(NodeReader& r) {
    r.check_keys({"id", "title", "cost_minutes", "risk", "platform", "steps", "verify", "references"});
    Fix f;
    f.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        f.id = *id;
        r.set_name(*id);
    }
    f.title = r.string_or("title", "");
    if (f.title.empty()) r.error(codes::kb_missing_key, fmt::format("{} has no 'title'", r.what()), f.where);
    f.cost_minutes = r.number_or("cost_minutes", f.cost_minutes, 0.1, 100000.0);
    f.platform = read_platform(r);
    if (auto risk = r.string("risk")) {
        auto parsed = risk_from_string(*risk);
        if (!parsed)
            r.error(codes::kb_bad_value, fmt::format("{}: risk '{}' is not low, medium or high", r.what(), *risk),
                    r.where("risk"));
        else f.risk = *parsed;
    }
    YAML::Node steps = r.child("steps");
    if (!steps || !steps.IsSequence() || steps.size() == 0) {
        r.error(codes::kb_missing_key, fmt::format("{} needs a non-empty list of 'steps'", r.what()), r.where("steps"));
    } else {
        for (const auto& item : steps) {
            auto s = read_step(item, r);
            if (s) f.steps.push_back(std::move(*s));
            else r.fail();
        }
    }
    f.verify = r.string_or("verify", "");
    f.references = r.strings("references");
    if (!r.ok()) return std::nullopt;
    return f;
}

const char* to_string(Risk r) {
    switch (r) {
        case Risk::low: return "low";
        case Risk::medium: return "medium";
        case Risk::high: return "high";
    }
    return "low";
}

double risk_factor(Risk r) {
    switch (r) {
        case Risk::low: return 1.0;
        case Risk::medium: return 1.5;
        case Risk::high: return 3.0;
    }
    return 1.0;
}

}  // namespace kbdiag
