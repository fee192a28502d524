// kbdiag kb show ID: any item of the knowledge base by id - all its fields, where it is defined, what it refers
// to and what refers to it. Problems are also found by any spelling of their error codes.
#include <fmt/format.h>

#include "engine/core/text.hpp"
#include "engine/kb/kb_xref.hpp"
#include "engine/report/report.hpp"
#include "tools/kbdiag/commands.hpp"

namespace kbdiag::cli {

namespace {

using nlohmann::json;

struct ShowArgs {
    std::string id;
    std::string format = "text";
};

// Fields in display order: the text output keeps this order, JSON gets them as one object.
using Fields = std::vector<std::pair<std::string, json>>;

json condition_json(const std::optional<Condition>& c) { return c ? json(c->describe()) : json(nullptr); }

// Fact values keep their JSON types (true, 3, "text"), as in the report; the catalog types timestamps.
json fact_values_json(const KnowledgeBase& kb, const std::map<std::string, FactValue>& values) {
    json j = json::object();
    for (const auto& [k, v] : values) j[k] = fact_value_json(v, kb.fact(k));
    return j;
}

Fields problem_fields(const Problem& p) {
    json causes = json::array();
    for (const auto& l : p.causes) causes.push_back(json{{"cause", l.cause}, {"prior", round_to(l.prior, 4)}});
    return {
        {"title", p.title},
        {"message", p.message},
        {"codes", p.codes},
        {"causes", causes},
        {"other_prior", round_to(p.other_prior, 4)},
        {"escalation",
         json{{"title", p.escalation.title}, {"cost_minutes", p.escalation.cost_minutes}, {"text", p.escalation.text}}},
        {"article_notes", p.article_notes},
        {"references", p.references}};
}

Fields cause_fields(const Cause& c) {
    json fixes = json::array();
    for (const auto& l : c.fixes) fixes.push_back(json{{"fix", l.fix}, {"success", round_to(l.success, 4)}});
    return {{"title", c.title},
            {"explanation", c.explanation},
            {"applies_to", condition_json(c.applies_to)},
            {"applies_to_text", c.applies_to_text},
            {"not_applicable_lr", round_to(c.not_applicable_lr, 4)},
            {"fixes", fixes},
            {"article_differs", c.article_differs},
            {"references", c.references}};
}

Fields fix_fields(const Fix& f) {
    json steps = json::array();
    for (const auto& s : f.steps)
        steps.push_back(json{{"text", s.text},
                             {"when", condition_json(s.when)},
                             {"when_text", s.when_text},
                             {"location", s.where.file_line()}});
    return {{"title", f.title},   {"cost_minutes", f.cost_minutes}, {"risk", to_string(f.risk)},
            {"steps", steps},     {"verify", f.verify},             {"references", f.references}};
}

Fields fact_fields(const FactDef& f) {
    json fields = json::object();
    for (const auto& [name, type] : f.fields) fields[name] = to_string(type);
    return {{"type", to_string(f.type)},    {"values", f.values},        {"fields", fields},
            {"meaning", f.meaning},         {"context", f.context},      {"in_report", f.in_report},
            {"provided_by", f.provided_by}, {"question", f.question},    {"ask_cost_minutes", f.ask_cost_minutes},
            {"secret_free", f.secret_free}, {"references", f.references}};
}

Fields rule_fields(const KnowledgeBase& kb, const RuleDecl& r) {
    json evidence = json::array();
    for (const auto& e : r.evidence) {
        json item{{"cause", e.cause}, {"lr", e.lr}};
        if (e.lr_false) item["lr_false"] = *e.lr_false;
        evidence.push_back(item);
    }
    json script = r.script ? json{{"file", r.script->file}, {"function", r.script->function}} : json(nullptr);
    return {{"title", r.title},      {"when", condition_json(r.when)}, {"evidence", evidence},
            {"derive", fact_values_json(kb, r.derive)}, {"script", script}, {"requires", r.required},
            {"reads", r.reads},      {"causes", r.causes},             {"derives", r.derives},
            {"group", r.group},      {"definitive", r.definitive}};
}

Fields release_fields(const KnowledgeBase& kb, const WindowsRelease& w) {
    return {{"build", w.build},
            {"name", w.name},
            {"family", w.family},
            {"version", w.version},
            {"defaults", fact_values_json(kb, w.defaults)},
            {"guest_blocked_editions", w.guest_blocked_editions},
            {"signing_required_editions", w.signing_required_editions},
            {"notes", w.notes},
            {"references", w.references}};
}

Fields vendor_fields(const Vendor& v) {
    json paths = json::object();
    for (const auto& [key, path] : v.ui_paths) {
        auto c = v.confirmed.find(key);
        paths[key] = json{{"path", path}, {"confirmed", c != v.confirmed.end() && c->second}};
    }
    return {{"name", v.name}, {"ui_paths", paths}, {"notes", v.notes}, {"references", v.references}};
}

Fields scenario_fields(const KnowledgeBase& kb, const Scenario& s) {
    json expect{
        {"top", s.expect.top},     {"not_top", s.expect.not_top},     {"order", s.expect.order},
        {"fixes", s.expect.fixes}, {"first_fix", s.expect.first_fix}, {"step_contains", s.expect.step_contains}};
    if (s.expect.min_probability) expect["min_probability"] = *s.expect.min_probability;
    return {{"description", s.description},
            {"error", s.error},
            {"facts", fact_values_json(kb, s.facts)},
            {"expect", expect}};
}

Fields fields_of(const KnowledgeBase& kb, const KbItem& item) {
    switch (item.kind) {
        case ItemKind::problem: return problem_fields(*kb.problem(item.id));
        case ItemKind::cause: return cause_fields(*kb.cause(item.id));
        case ItemKind::fix: return fix_fields(*kb.fix(item.id));
        case ItemKind::fact: return fact_fields(*kb.fact(item.id));
        case ItemKind::reference: {
            const auto& r = kb.references.at(item.id);
            return {{"title", r.title}, {"url", r.url}};
        }
        case ItemKind::vendor: return vendor_fields(kb.vendors.at(item.id));
        case ItemKind::rule:
            for (const auto& r : kb.rules)
                if (r.id == item.id) return rule_fields(kb, r);
            break;
        case ItemKind::windows_release:
            for (const auto& w : kb.windows_releases)
                if (std::to_string(w.build) + "/" + w.family == item.id) return release_fields(kb, w);
            break;
        case ItemKind::scenario:
            for (const auto& s : kb.scenarios)
                if (s.id == item.id) return scenario_fields(kb, s);
            break;
    }
    return {};
}

json links_json(const std::vector<KbLink>& links) {
    json arr = json::array();
    for (const auto& l : links)
        arr.push_back(json{{"kind", to_string(l.kind)}, {"id", l.id}, {"relation", l.relation}, {"detail", l.detail},
                           {"location", l.where.file_line()}});
    return arr;
}

json item_json(const KnowledgeBase& kb, const KbItem& item) {
    json fields = json::object();
    for (const auto& [k, v] : fields_of(kb, item)) fields[k] = v;
    return json{{"kind", to_string(item.kind)},
                {"id", item.id},
                {"location", item.where.to_string()},
                {"fields", fields},
                {"refers_to", links_json(refers_to(kb, item))},
                {"referred_by", links_json(referred_by(kb, item))}};
}

// --- text ---------------------------------------------------------------------------------------------------

bool is_empty(const json& v) {
    return v.is_null() || (v.is_string() && v.get<std::string>().empty()) ||
           ((v.is_array() || v.is_object()) && v.empty());
}

// YAML block text keeps its line breaks; for wrapping, a single break is a space and a blank line stays.
std::string reflow(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '\n') out += s[i];
        else if (i + 1 < s.size() && s[i + 1] == '\n') {
            out += "\n";
            while (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else if (i + 1 < s.size())
            out += ' ';
    }
    return out;
}

std::string scalar_text(const json& v) {
    if (v.is_string()) return reflow(text::shorten(v.get<std::string>()));
    if (v.is_number_float()) return fmt::format("{:g}", v.get<double>());
    return v.dump();
}

// One object as "key: value, key: value" (empty values left out).
std::string object_line(const json& o) {
    std::vector<std::string> parts;
    for (const auto& [k, v] : o.items())
        if (!is_empty(v)) parts.push_back(k + ": " + (v.is_array() || v.is_object() ? v.dump() : scalar_text(v)));
    return fmt::format("{}", fmt::join(parts, "; "));
}

std::string field_text(const std::string& key, const json& v) {
    std::string label = "  " + key + ": ";   // at least one space after a long key
    if (label.size() < 22) label.resize(22, ' ');
    const std::string indent(22, ' ');
    if (v.is_array() && !v.empty() && v.front().is_object()) {
        std::string out = fmt::format("  {}:\n", key);
        for (const auto& o : v) out += wrap(object_line(o), 80, "    - ", "      ");
        return out;
    }
    if (v.is_array()) {
        std::vector<std::string> parts;
        for (const auto& x : v) parts.push_back(scalar_text(x));
        return wrap(fmt::format("{}", fmt::join(parts, ", ")), 80, label, indent);
    }
    if (v.is_object()) {
        std::string out = fmt::format("  {}:\n", key);
        for (const auto& [k, x] : v.items())
            out += wrap(x.is_object() ? object_line(x) : scalar_text(x), 80, fmt::format("    {}: ", k), "      ");
        return out;
    }
    return wrap(scalar_text(v), 80, label, indent);
}

std::string links_text(const char* heading, const std::vector<KbLink>& links) {
    if (links.empty()) return fmt::format("  {}: nothing\n", heading);
    std::string out = fmt::format("  {}:\n", heading);
    for (const auto& l : links) {
        std::string line = fmt::format("{} {} - {}", to_string(l.kind), l.id, l.relation);
        if (!l.detail.empty()) line += " (" + l.detail + ")";
        out += wrap(line, 80, "    - ", "      ");
        if (l.where.known()) out += wrap(l.where.file_line(), 80, "      at ", "         ");
    }
    return out;
}

std::string item_text(const KnowledgeBase& kb, const KbItem& item) {
    std::string out = fmt::format("{} {}\n", to_string(item.kind), item.id);
    out += wrap(item.where.to_string(), 80, "  defined at:         ", "                      ");
    for (const auto& [k, v] : fields_of(kb, item))
        if (!is_empty(v)) out += field_text(k, v);
    out += links_text("refers to", refers_to(kb, item));
    out += links_text("referred to by", referred_by(kb, item));
    return out;
}

int run_show(const GlobalOptions& g, const ShowArgs& a) {
    Diagnostics carried;
    auto kb = load_kb_or_throw(g, carried);
    const auto items = find_items(*kb, a.id);
    if (items.empty()) {
        const auto close = closest_ids(*kb, a.id);
        throw CliError{exit_unknown_error,   // as kb docs --problem and infer --error: nothing matches
                       fmt::format("no problem, cause, fix, fact, rule, reference, vendor, Windows release or scenario "
                                   "is named '{}'{}",
                                   a.id,
                                   close.empty() ? std::string(" (see 'kbdiag kb facts' and the knowledge folder)")
                                                 : fmt::format("; did you mean: {}?", fmt::join(close, ", ")))};
    }
    if (is_json_format(a.format)) {
        json arr = json::array();
        for (const auto& item : items) arr.push_back(item_json(*kb, item));
        write_output("", dump_json(json{{"schema", "kbdiag-show/1"}, {"query", a.id}, {"items", arr}}));
        return exit_ok;
    }
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += '\n';
        out += item_text(*kb, items[i]);
    }
    write_output("", text::escape_controls(out));   // knowledge text must not drive the terminal
    return exit_ok;
}

}  // namespace

void setup_kb_show(CLI::App& kb, const GlobalOptions& g, RunFn& run) {
    static ShowArgs a;
    CLI::App* sub =
        kb.add_subcommand("show", "Show one item (problem, cause, fix, fact, rule, ...) and its cross references");
    sub->add_option("ID", a.id,
                    "Id of a problem, cause, fix, fact, rule, reference, vendor, scenario; a Windows build; an error "
                    "code; or KIND:ID to pick one kind")
        ->required();
    sub->add_option("--format", a.format, "Output format: text or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_show(g, a); }; });
}

}  // namespace kbdiag::cli
