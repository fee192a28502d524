// kbdiag kb lint: loads the knowledge base and compiles every Lua rule; lists every diagnostic.
#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "bindings/lua/report_templates.hpp"
#include "engine/kb/script_refs.hpp"
#include "engine/report/report.hpp"
#include "engine/session/diagnosis_session.hpp"
#include "tools/kbdiag/commands.hpp"

namespace kbdiag::cli {

namespace {

struct LintArgs {
    std::string format = "text";
    bool strict = false;
};

// A diagnostic for CI: the report's JSON form plus the primary location split into file, line and column.
nlohmann::json lint_diagnostic_json(const Diagnostic& d) {
    nlohmann::json j = diagnostic_to_json(d);
    const SourceLocation at = d.primary();
    j["file"] = at.file;
    j["line"] = at.line;
    j["column"] = at.column;
    return j;
}

// The overrides of one folder (every folder after the first may replace earlier items by id).
std::vector<const KbOverride*> overrides_of(const KnowledgeBase& kb, const std::string& folder) {
    std::vector<const KbOverride*> out;
    for (const auto& o : kb.overrides)
        if (o.folder == folder) out.push_back(&o);
    return out;
}

nlohmann::json overrides_json(const KnowledgeBase& kb) {
    nlohmann::json folders = nlohmann::json::array();
    for (std::size_t i = 1; i < kb.folders.size(); ++i) {
        nlohmann::json items = nlohmann::json::array();
        for (const KbOverride* o : overrides_of(kb, kb.folders[i]))
            items.push_back(nlohmann::json{{"kind", o->kind}, {"id", o->id}, {"location", o->where.to_string()},
                                           {"replaces", o->replaced.to_string()}});
        folders.push_back(nlohmann::json{{"folder", kb.folders[i]}, {"overrides", items}});
    }
    return folders;
}

// "OVERRIDES" section: for each folder after the first, what it replaces (or that it only adds).
std::string overrides_text(const KnowledgeBase& kb) {
    if (kb.folders.size() < 2) return {};
    std::string out = "OVERRIDES\n";
    for (std::size_t i = 1; i < kb.folders.size(); ++i) {
        const auto items = overrides_of(kb, kb.folders[i]);
        out += fmt::format("  {}: {}\n", kb.folders[i],
                           items.empty() ? std::string("overrides nothing (only adds)")
                                         : fmt::format("overrides {} item(s)", items.size()));
        // One line each, like the diagnostics: locations stay whole for tools and editors.
        for (const KbOverride* o : items)
            out += fmt::format("    - {} '{}' at {} replaces {}\n", o->kind, o->id, o->where.file_line(),
                               o->replaced.file_line());
    }
    return out;
}

// The folders whose patches lint lists: every folder after the first (an overlay), and the first when it patches.
std::vector<std::string> overlay_folders(const KnowledgeBase& kb) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < kb.folders.size(); ++i) {
        const bool patches = std::any_of(kb.patches.begin(), kb.patches.end(),
                                         [&](const KbPatchRecord& p) { return p.folder == kb.folders[i]; });
        if (i > 0 || patches) out.push_back(kb.folders[i]);
    }
    return out;
}

std::vector<const KbPatchRecord*> patches_of(const KnowledgeBase& kb, const std::string& folder) {
    std::vector<const KbPatchRecord*> out;
    for (const auto& p : kb.patches)
        if (p.folder == folder) out.push_back(&p);
    return out;
}

nlohmann::json overlays_json(const KnowledgeBase& kb) {
    nlohmann::json folders = nlohmann::json::array();
    for (const auto& folder : overlay_folders(kb)) {
        nlohmann::json items = nlohmann::json::array();
        for (const KbPatchRecord* p : patches_of(kb, folder))
            items.push_back(nlohmann::json{{"kind", p->kind}, {"id", p->id}, {"change", p->change},
                                           {"location", p->where.to_string()}});
        folders.push_back(nlohmann::json{{"folder", folder}, {"patches", items}});
    }
    return folders;
}

// "OVERLAYS" section: for each overlay, what its patches changed (one line each, located like a diagnostic).
std::string overlays_text(const KnowledgeBase& kb) {
    const auto folders = overlay_folders(kb);
    if (folders.empty()) return {};
    std::string out = "OVERLAYS\n";
    for (const auto& folder : folders) {
        const auto items = patches_of(kb, folder);
        out += fmt::format(
            "  {}: {}\n", folder,
            items.empty() ? std::string("patches nothing") : fmt::format("{} patch change(s)", items.size()));
        for (const KbPatchRecord* p : items)
            out += fmt::format("    - {}: {} '{}': {}\n", p->where.file_line(), p->kind, p->id, p->change);
    }
    return out;
}

// The report templates the folders provide (templates/<format>.lua), each rendered once with a real report (the
// first problem diagnosed on no facts), so a template that does not compile or fails on a field shows up here as
// KB017 at its file:line instead of when a technician exports a report.
void check_report_templates(const std::shared_ptr<const KnowledgeBase>& kb, const std::vector<std::string>& folders,
                            Diagnostics& out) {
    std::vector<std::filesystem::path> dirs(folders.begin(), folders.end());
    std::vector<std::string> formats;
    for (const char* format : {"markdown", "html"})
        if (!lua::find_report_template(format, dirs).empty()) formats.push_back(format);
    if (formats.empty() || kb->problems.empty()) return;
    DiagnosisSession session(kb, [] { return std::make_unique<LuaRuleRuntime>(RuntimeLimits{}); });
    DiagnosisRequest request;
    const Problem& first = kb->problems.begin()->second;
    if (first.codes.empty()) return;
    request.error = first.codes.front();
    request.questions = true;
    const nlohmann::json report = report_to_json(session.diagnose(request));
    for (const auto& format : formats) {
        try {
            lua::render_report_template(report, format, dirs);
        } catch (const lua::TemplateError& e) {
            out.add(e.diagnostic());
        }
    }
}

int run_lint(const GlobalOptions& g, const LintArgs& a) {
    LoadOptions lo;
    lo.folders = kb_folders(g);
    lo.strict = a.strict;
    LoadResult lr = load_knowledge_base(lo);
    Diagnostics all = lr.diagnostics;
    if (lr.kb) {
        LuaRuleRuntime runtime{RuntimeLimits{}};
        runtime.load(*lr.kb, all);
        check_script_references(*lr.kb, all);   // literal fact and cause names in the Lua files
        if (!all.has_errors()) check_report_templates(lr.kb, lo.folders, all);
    }
    all.sort();
    const std::size_t errors = all.count(Severity::error);
    const std::size_t warnings = all.count(Severity::warning);
    const std::size_t notes = all.count(Severity::note);
    const bool failed = !lr.kb || errors > 0 || (a.strict && warnings > 0);

    if (a.format == "json") {
        nlohmann::json j;
        j["schema"] = "kbdiag-lint/1";
        j["folders"] = lo.folders;
        j["strict"] = a.strict;
        j["errors"] = errors;
        j["warnings"] = warnings;
        j["notes"] = notes;
        j["ok"] = !failed;
        nlohmann::json d = nlohmann::json::array();
        for (const auto& item : all.items()) d.push_back(lint_diagnostic_json(item));
        j["diagnostics"] = d;
        j["overrides"] = lr.kb ? overrides_json(*lr.kb) : nlohmann::json::array();
        j["overlays"] = lr.kb ? overlays_json(*lr.kb) : nlohmann::json::array();
        if (lr.kb) {
            j["counts"] = nlohmann::json{{"facts", lr.kb->facts.size()},       {"problems", lr.kb->problems.size()},
                                         {"causes", lr.kb->causes.size()},     {"fixes", lr.kb->fixes.size()},
                                         {"rules", lr.kb->rules.size()},       {"scenarios", lr.kb->scenarios.size()},
                                         {"references", lr.kb->references.size()}};
        }
        write_output("", dump_json(j));
    } else {
        const bool color = stdout_color();
        std::string out;
        for (const auto& item : all.items()) {
            std::string text = format_diagnostic(item, color);
            out += text;
            if (text.empty() || text.back() != '\n') out += '\n';
        }
        if (lr.kb) out += overrides_text(*lr.kb) + overlays_text(*lr.kb);
        if (lr.kb)
            out += fmt::format("{} facts, {} problems, {} causes, {} fixes, {} rules, {} scenarios in {}\n",
                               lr.kb->facts.size(), lr.kb->problems.size(), lr.kb->causes.size(),
                               lr.kb->fixes.size(), lr.kb->rules.size(), lr.kb->scenarios.size(),
                               fmt::join(lo.folders, ", "));
        out += fmt::format("lint: {} error(s), {} warning(s), {} note(s){}: {}\n", errors, warnings, notes,
                           a.strict ? " (strict: warnings count)" : "", failed ? "FAILED" : "ok");
        write_output("", out);
    }
    return failed ? exit_kb : exit_ok;
}

}  // namespace

void setup_kb_lint(CLI::App& kb, const GlobalOptions& g, RunFn& run) {
    static LintArgs a;
    CLI::App* sub = kb.add_subcommand(
        "lint",
        "Check the knowledge base: schema, references, Lua (compile errors, fact and cause names), overrides, patches");
    sub->add_option("--format", a.format, "Output format: text or json")
        ->type_name("FORMAT")
        ->check(CLI::IsMember({"text", "json"}));
    sub->add_flag("--strict", a.strict, "Warnings count as errors");
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_lint(g, a); }; });
}

}  // namespace kbdiag::cli
