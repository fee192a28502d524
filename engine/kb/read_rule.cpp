#include <filesystem>

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/readers.hpp"
#include "engine/kb/rule_modules.hpp"

namespace kbdiag {

static std::vector<EvidenceSpec> read_evidence(NodeReader& r) {
    std::vector<EvidenceSpec> out;
    YAML::Node list = r.child("evidence");
    if (!list || list.IsNull()) return out;
    if (!expect_sequence(list, r.file(), r.diagnostics(), r.what() + ": 'evidence'")) {
        r.fail();
        return out;
    }
    for (const auto& item : list) {
        if (!expect_map(item, r.file(), r.diagnostics(), r.what() + ": an evidence item")) {
            r.fail();
            continue;
        }
        NodeReader er(item, r.file(), r.diagnostics(), r.what() + " evidence");
        er.check_keys({"cause", "lr", "lr_false"});
        EvidenceSpec e;
        e.cause = er.string_or("cause", "");
        if (e.cause.empty()) er.error(codes::kb_missing_key, r.what() + ": evidence needs a 'cause'", er.where());
        e.lr = er.number_or("lr", 1.0, 1e-9, 1e9);
        if (er.has("lr_false")) e.lr_false = er.number_or("lr_false", 1.0, 1e-9, 1e9);
        if (!er.has("lr") && !er.has("lr_false"))
            er.error(codes::kb_missing_key, r.what() + ": evidence needs 'lr' and/or 'lr_false'", er.where());
        if (er.ok()) out.push_back(std::move(e));
        else r.fail();
    }
    return out;
}

static std::optional<ScriptRef> read_script(NodeReader& r, const std::string& folder) {
    YAML::Node n = r.child("script");
    if (!expect_map(n, r.file(), r.diagnostics(), r.what() + ": 'script'")) return std::nullopt;
    NodeReader sr(n, r.file(), r.diagnostics(), r.what() + " script");
    sr.check_keys({"file", "function"});
    ScriptRef s;
    s.file = sr.string_or("file", "");
    s.function = sr.string_or("function", "");
    if (s.file.empty() || s.function.empty())
        sr.error(codes::kb_missing_key, r.what() + ": 'script' needs 'file' and 'function'", sr.where());
    // Scripts are named relative to the KB folder, so a rule file can move without breaking its script.
    s.resolved = (std::filesystem::path(folder) / s.file).lexically_normal().string();
    if (!s.file.empty() && !inside_folder(folder, s.resolved))
        sr.error(codes::kb_wrong_type,
                 fmt::format("{}: script file '{}' is outside the knowledge folder (scripts must live in it)", r.what(),
                             s.file),
                 sr.where());
    if (!sr.ok()) return std::nullopt;
    return s;
}

std::optional<RuleDecl> read_rule(NodeReader& r, const std::string& folder) {
    r.check_keys({"id", "title", "when", "evidence", "derive", "script", "requires", "reads", "causes", "derives",
                  "group", "definitive"});
    RuleDecl rule;
    rule.where = r.where();
    auto id = r.string("id", true);
    if (id) {
        rule.id = *id;
        r.set_name(*id);
    }
    rule.title = r.string_or("title", "");
    if (r.has("when")) {
        rule.when = read_condition(r.child("when"), r.file(), r.diagnostics());
        if (!rule.when) r.fail();
    }
    rule.evidence = read_evidence(r);
    rule.derive = read_value_map(r, "derive");
    if (r.has("script")) {
        rule.script = read_script(r, folder);
        if (!rule.script) r.fail();
    }
    rule.required = r.strings("requires");
    rule.reads = r.strings("reads");
    rule.causes = r.strings("causes");
    rule.derives = r.strings("derives");
    for (const auto& e : rule.evidence)
        if (std::find(rule.causes.begin(), rule.causes.end(), e.cause) == rule.causes.end())
            rule.causes.push_back(e.cause);
    for (const auto& [fact, value] : rule.derive)
        if (std::find(rule.derives.begin(), rule.derives.end(), fact) == rule.derives.end())
            rule.derives.push_back(fact);
    rule.group = r.string_or("group", "");
    rule.definitive = r.boolean("definitive").value_or(false);
    if (!rule.when && !rule.script)
        r.error(codes::kb_missing_key, fmt::format("{} needs a 'when' condition or a 'script'", r.what()), rule.where);
    if (!rule.script && (!rule.evidence.empty() || !rule.derive.empty()) && !rule.when)
        r.error(codes::kb_missing_key, fmt::format("{}: 'evidence'/'derive' need a 'when'", r.what()), rule.where);
    if (rule.script && (!rule.evidence.empty() || !rule.derive.empty()))
        r.error(
            codes::kb_wrong_type,
            fmt::format("{}: a scripted rule gives evidence from its script; 'evidence'/'derive' belong to data rules",
                        r.what()),
            rule.where);
    if (!r.ok()) return std::nullopt;
    return rule;
}

std::vector<std::string> RuleDecl::inputs() const {
    std::vector<std::string> out = required;
    out.insert(out.end(), reads.begin(), reads.end());
    if (when) {
        auto w = when->facts();
        out.insert(out.end(), w.begin(), w.end());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace kbdiag
