#include "engine/report/kb_docs.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/kb/kb_xref.hpp"
#include "engine/report/report.hpp"

namespace kbdiag {

namespace {

// Numbers references in the order an article first cites them; [S27] in prose becomes [n].
class Citations {
public:
    explicit Citations(const KnowledgeBase& kb) : kb_(kb) {}

    bool known(const std::string& id) const { return kb_.references.count(id) > 0; }

    int number(const std::string& id) {
        auto it = numbers_.find(id);
        if (it != numbers_.end()) return it->second;
        order_.push_back(id);
        return numbers_[id] = static_cast<int>(order_.size());
    }

    // "[1] [4]" for a references list; unknown ids are shown as written.
    std::string cite_all(const std::vector<std::string>& ids) {
        std::vector<int> numbers;
        std::vector<std::string> unknown;
        for (const auto& id : ids) {
            if (known(id)) numbers.push_back(number(id));
            else unknown.push_back("\\[" + id + "\\]");
        }
        std::sort(numbers.begin(), numbers.end());
        std::vector<std::string> parts;
        for (int n : numbers) parts.push_back(fmt::format("[{}]", n));
        parts.insert(parts.end(), unknown.begin(), unknown.end());
        return fmt::format("{}", fmt::join(parts, " "));
    }

    const std::vector<std::string>& order() const { return order_; }

private:
    const KnowledgeBase& kb_;
    std::map<std::string, int> numbers_;
    std::vector<std::string> order_;
};

bool starts_block(char c) { return c == '#' || c == '>' || c == '-' || c == '+' || c == '='; }

// Escapes prose outside code spans; `cite` (optional) turns [ID] of a known reference into [n].
std::string escape(const std::string& raw, bool in_table, Citations* cite) {
    // Line breaks inside a paragraph are soft breaks in Markdown: join them so no line can start a list or a
    // heading; blank lines stay paragraph breaks (outside tables).
    std::string text;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] != '\n') { text += raw[i]; continue; }
        const bool blank = i + 1 < raw.size() && raw[i + 1] == '\n';
        if (blank && !in_table) {
            while (!text.empty() && text.back() == ' ') text.pop_back();
            text += "\n\n";
            while (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
        } else if (!text.empty() && text.back() != ' ') {
            text += ' ';
        }
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();

    std::string out;
    bool line_start = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '`') {
            const auto close = text.find('`', i + 1);
            if (close == std::string::npos) {
                out += "\\`";
                line_start = false;
                continue;
            }
            std::string code = text.substr(i, close - i + 1);
            if (in_table) {
                std::string escaped;
                for (char x : code) escaped += x == '|' ? std::string("\\|") : std::string(1, x);
                code = escaped;
            }
            out += code;
            i = close;
            line_start = false;
            continue;
        }
        if (c == '[' && cite) {
            const auto close = text.find(']', i + 1);
            if (close != std::string::npos && cite->known(text.substr(i + 1, close - i - 1))) {
                out += fmt::format("[{}]", cite->number(text.substr(i + 1, close - i - 1)));
                i = close;
                line_start = false;
                continue;
            }
        }
        if (c == '\n') {
            out += c;
            line_start = true;
            continue;
        }
        if (line_start && starts_block(c)) out += '\\';
        if (line_start && std::isdigit(static_cast<unsigned char>(c))) {
            // "1. text" or "1) text" at the start of a paragraph would become a list.
            std::size_t j = i;
            while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
            if (j < text.size() && (text[j] == '.' || text[j] == ')')) {
                out += text.substr(i, j - i) + "\\" + text[j];
                i = j;
                line_start = false;
                continue;
            }
        }
        line_start = false;
        switch (c) {
            case '\\': case '*': case '_': case '[': case ']': case '<': out += '\\'; out += c; break;
            case '|': out += in_table ? "\\|" : "|"; break;
            default: out += c;
        }
    }
    return out;
}

std::string code(const std::string& s) {
    // A code span cannot hold its own delimiter run; ids and conditions have no backticks, but be safe.
    if (s.find('`') != std::string::npos) return "``" + s + "``";
    return "`" + s + "`";
}

std::string table_code(const std::string& s) {
    std::string c = code(s);
    std::string out;
    for (char x : c) out += x == '|' ? std::string("\\|") : std::string(1, x);
    return out;
}

std::string percent(double p) {
    const double v = p * 100.0;
    if (v < 1.0 && v > 0.0) return fmt::format("{:.1f}%", v);
    return fmt::format("{:.0f}%", v);
}

// The path of a location relative to the knowledge folder holding it, with the line: stable across checkouts
// and platforms ('/' separators).
std::string relative_location(const KnowledgeBase& kb, const SourceLocation& where) {
    namespace fs = std::filesystem;
    std::string file = fs::path(where.file).filename().generic_string();
    for (const auto& folder : kb.folders) {
        const fs::path rel = fs::path(where.file).lexically_relative(folder);
        if (!rel.empty() && *rel.begin() != "..") {
            file = rel.generic_string();
            break;
        }
    }
    return where.line > 0 ? fmt::format("{}:{}", file, where.line) : file;
}

const char* strength(double lr, bool definitive) {
    if (definitive) return "decisive";
    const double f = lr >= 1.0 ? lr : 1.0 / lr;
    if (f < 2.0) return "weak";
    if (f < 5.0) return "moderate";
    if (f < 20.0) return "strong";
    return "very strong";
}

// A problem's causes, most likely first (ties by id, so the order is stable).
std::vector<CauseLink> ranked_causes(const Problem& p) {
    std::vector<CauseLink> links = p.causes;
    std::stable_sort(links.begin(), links.end(), [](const CauseLink& a, const CauseLink& b) {
        if (a.prior != b.prior) return a.prior > b.prior;
        return a.cause < b.cause;
    });
    return links;
}

std::string cause_title(const KnowledgeBase& kb, const std::string& id) {
    const Cause* c = kb.cause(id);
    return c && !c->title.empty() ? c->title : id;
}

// --- the article, one section per function -----------------------------------------------------------------

class ArticleWriter {
public:
    ArticleWriter(const KnowledgeBase& kb, const Problem& p) : kb_(kb), p_(p), cite_(kb), causes_(ranked_causes(p)) {}

    std::string render() {
        header();
        meaning();
        causes();
        tell_apart();
        questions();
        fixes();
        escalation();
        audit();
        references();
        return out_;
    }

private:
    const KnowledgeBase& kb_;
    const Problem& p_;
    Citations cite_;
    std::vector<CauseLink> causes_;
    std::string out_;

    // A fix the plan offers for this problem: it exists and serves the problem's platform (as in the ranker).
    bool offered(const FixLink& link) const {
        const Fix* f = kb_.fix(link.fix);
        return f && serves(f->platform, p_.platform);
    }

    std::string prose(const std::string& s) { return escape(s, false, &cite_); }
    std::string cell(const std::string& s) { return escape(s, true, &cite_); }
    void line(const std::string& s = "") { out_ += s + "\n"; }

    void header() {
        line("# " + escape(p_.title.empty() ? p_.id : p_.title, false, nullptr));
        line();
        line(fmt::format("*Generated by `kbdiag kb docs` from the knowledge base (problem {}, {}). Edit the knowledge, "
                         "not this file: the article then stays in step with what `kbdiag infer` uses.*",
                         code(p_.id), code(relative_location(kb_, p_.where))));
        line();
    }

    void meaning() {
        line("## What it means");
        line();
        if (!p_.message.empty()) line("> " + prose(p_.message));
        if (!p_.message.empty()) line();
        std::vector<std::string> codes;
        for (const auto& c : p_.codes) codes.push_back(code(c));
        if (!codes.empty()) line(fmt::format("**Error codes:** {}", fmt::join(codes, ", ")));
        if (!codes.empty()) line();
        double listed = 0;
        for (const auto& l : p_.causes) listed += l.prior;
        line(
            fmt::format("kbdiag knows {} cause{} of this error. Before any evidence, they explain {} of cases, most "
                        "likely first below; the remaining {} is \"{}\" - the reason the plan ends with an escalation.",
                        causes_.size(), causes_.size() == 1 ? "" : "s", percent(listed), percent(p_.other_prior),
                        escape(p_.other_title, false, nullptr)));
        line();
        if (!p_.references.empty()) {
            line("Sources: " + cite_.cite_all(p_.references));
            line();
        }
    }

    void causes() {
        line("## Causes, most likely first");
        line();
        line("| # | Cause | Prior | Applies to | Fixes |");
        line("|---|---|---|---|---|");
        for (std::size_t i = 0; i < causes_.size(); ++i) {
            const Cause* c = kb_.cause(causes_[i].cause);
            std::vector<std::string> fixes;
            if (c)
                for (const auto& f : c->fixes)
                    if (offered(f)) fixes.push_back(table_code(f.fix));
            std::string applies = c ? (!c->applies_to_text.empty() ? cell(c->applies_to_text)
                                       : c->applies_to             ? table_code(c->applies_to->describe())
                                                                   : "any")
                                    : "";
            line(fmt::format("| {} | {} | {} | {} | {} |", i + 1, cell(cause_title(kb_, causes_[i].cause)),
                             percent(causes_[i].prior), applies, fmt::join(fixes, ", ")));
        }
        line(fmt::format("| - | {} | {} | | escalation |", cell(p_.other_title), percent(p_.other_prior)));
        line();
        for (std::size_t i = 0; i < causes_.size(); ++i) cause_section(i + 1, causes_[i]);
    }

    void cause_section(std::size_t n, const CauseLink& link) {
        const Cause* c = kb_.cause(link.cause);
        line(fmt::format("### {}. {}", n, escape(cause_title(kb_, link.cause), false, nullptr)));
        line();
        line(fmt::format("Cause {} · prior {} · defined in {}", code(link.cause), percent(link.prior),
                         c ? code(relative_location(kb_, c->where)) : std::string("(missing)")));
        line();
        if (!c) return;
        if (!c->explanation.empty()) {
            line(prose(c->explanation));
            line();
        }
        if (!c->applies_to_text.empty() || c->applies_to) {
            std::string when = c->applies_to_text.empty() ? "" : prose(c->applies_to_text);
            if (c->applies_to)
                when += fmt::format("{}(condition {}; when it is known false the cause is weighed {})",
                                    when.empty() ? "" : " ", code(c->applies_to->describe()),
                                    format_lr(c->not_applicable_lr));
            line("**Applies to:** " + when);
            line();
        }
        if (!c->fixes.empty()) {
            std::vector<std::string> fixes;
            for (const auto& f : c->fixes) {
                const Fix* fix = kb_.fix(f.fix);
                if (!offered(f)) continue;
                fixes.push_back(fmt::format("{} ({}, works in {} of cases)", fix ? prose(fix->title) : f.fix,
                                            code(f.fix), percent(f.success)));
            }
            line("**Fixes:** " + fmt::format("{}", fmt::join(fixes, "; ")));
            line();
        }
        if (!c->references.empty()) {
            line("Sources: " + cite_.cite_all(c->references));
            line();
        }
    }

    // One row of evidence: what is found, which way it points for `cause`, how strongly, and the rule.
    struct EvidenceRow {
        double weight;            // |log LR|, for ordering
        std::string finding;
        std::string points;
        std::string how;
        std::string rule;
    };

    // A rule that reads a fact only another client platform has (e.g. a mount.cifs test for a Windows error)
    // cannot fire for this problem: the article leaves it out (the ranker never asks such facts either).
    bool for_this_platform(const RuleDecl& r) const {
        for (const auto& f : r.inputs())
            if (const FactDef* def = kb_.fact(f); def && !serves(def->platform, p_.platform)) return false;
        return true;
    }

    std::vector<EvidenceRow> evidence_rows(const std::string& cause) {
        std::vector<EvidenceRow> rows;
        for (const RuleDecl* r : rules_for_cause(kb_, cause)) {
            if (!for_this_platform(*r)) continue;
            const std::string title = r->title.empty() ? r->id : r->title;
            const std::string rule =
                fmt::format("{}<br>{}", table_code(r->id), table_code(relative_location(kb_, r->where)));
            bool native = false;
            for (const auto& e : r->evidence) {
                if (e.cause != cause) continue;
                native = true;
                const std::string cond = r->when ? table_code(r->when->describe()) : std::string();
                add_row(rows, e.lr, r->definitive, cell(title) + (cond.empty() ? "" : "<br>" + cond), rule);
                if (e.lr_false)
                    add_row(rows, *e.lr_false, r->definitive,
                            "Known **not** to hold: " +
                                (cond.empty() ? cell(title) : table_code("not (" + r->when->describe() + ")")),
                            rule);
            }
            if (!native && r->script) {
                std::vector<std::string> inputs;
                for (const auto& f : r->inputs()) inputs.push_back(table_code(f));
                rows.push_back(EvidenceRow{
                    0.0, cell(title) + (inputs.empty() ? "" : fmt::format("<br>from {}", fmt::join(inputs, ", "))),
                    "either way",
                    "the script decides (" + table_code(r->script->file + ":" + r->script->function) + ")", rule});
            }
        }
        std::stable_sort(rows.begin(), rows.end(),
                         [](const EvidenceRow& a, const EvidenceRow& b) { return a.weight > b.weight; });
        return rows;
    }

    static void add_row(std::vector<EvidenceRow>& rows, double lr, bool definitive, std::string finding,
                        std::string rule) {
        if (!(lr > 0.0) || std::fabs(lr - 1.0) < 1e-9) return;   // LR 1 says nothing
        rows.push_back(EvidenceRow{std::fabs(std::log(lr)), std::move(finding), lr > 1.0 ? "**for** it" : "against it",
                                   fmt::format("{} ({})", strength(lr, definitive), format_lr(lr)), std::move(rule)});
    }

    // Per cause, the strongest finding for it and the strongest against it: the quick way to tell them apart.
    void at_a_glance() {
        line("| # | Cause | Strongest sign for it | Strongest sign against it |");
        line("|---|---|---|---|");
        for (std::size_t i = 0; i < causes_.size(); ++i) {
            const auto rows = evidence_rows(causes_[i].cause);
            auto strongest = [&](bool for_it) -> std::string {
                for (const auto& r : rows)   // rows are sorted strongest first
                    if (r.weight > 0.0 && (r.points.rfind("**for**", 0) == 0) == for_it)
                        return fmt::format("{} ({})", r.finding, r.how);
                return "-";
            };
            line(fmt::format("| {} | {} | {} | {} |", i + 1, cell(cause_title(kb_, causes_[i].cause)), strongest(true),
                             strongest(false)));
        }
        line();
        line("Every finding, per cause:");
        line();
    }

    void tell_apart() {
        line("## How to tell them apart");
        line();
        line("Each finding multiplies the odds of a cause by its likelihood ratio (×: more likely, ÷: less likely); "
             "what is unknown counts for nothing. These are the rules `kbdiag infer` runs, strongest first.");
        line();
        at_a_glance();
        for (std::size_t i = 0; i < causes_.size(); ++i) {
            const auto rows = evidence_rows(causes_[i].cause);
            line(fmt::format("### {}. {}", i + 1, escape(cause_title(kb_, causes_[i].cause), false, nullptr)));
            line();
            if (rows.empty()) {
                line("No rule gives evidence about this cause yet: only its prior and its fixes' order speak for it.");
                line();
                continue;
            }
            line("| Finding | Points | How strongly | Rule |");
            line("|---|---|---|---|");
            for (const auto& r : rows) line(fmt::format("| {} | {} | {} | {} |", r.finding, r.points, r.how, r.rule));
            line();
        }
    }

    // The facts that bear on one cause: what its rules and its applies_to read, and - since a derived fact is
    // answered through what its derivations read - what those derivations read, transitively.
    std::set<std::string> facts_for_cause(const std::string& cause) const {
        std::vector<std::string> todo;
        for (const RuleDecl* r : rules_for_cause(kb_, cause))
            for (const auto& f : r->inputs()) todo.push_back(f);
        if (const Cause* c = kb_.cause(cause); c && c->applies_to)
            for (const auto& f : c->applies_to->facts()) todo.push_back(f);
        std::set<std::string> facts;
        while (!todo.empty()) {
            std::string f = std::move(todo.back());
            todo.pop_back();
            if (!facts.insert(f).second) continue;
            if (auto it = kb_.rules_deriving.find(f); it != kb_.rules_deriving.end())
                for (auto i : it->second)
                    for (const auto& input : kb_.rules[i].inputs()) todo.push_back(input);
        }
        return facts;
    }

    // Every question that bears on this error, those that tell more causes apart first.
    void questions() {
        std::map<std::string, std::vector<std::size_t>> causes_of;   // fact -> cause numbers (1-based)
        for (std::size_t i = 0; i < causes_.size(); ++i)
            for (const auto& f : facts_for_cause(causes_[i].cause)) causes_of[f].push_back(i + 1);
        std::vector<const FactDef*> asked;
        // Like the ranker: no Linux-only question for a Windows error, and the other way round.
        for (const auto& [f, numbers] : causes_of)
            if (const FactDef* def = kb_.fact(f); def && !def->question.empty() && serves(def->platform, p_.platform))
                asked.push_back(def);
        std::stable_sort(asked.begin(), asked.end(), [&](const FactDef* a, const FactDef* b) {
            const auto na = causes_of[a->id].size(), nb = causes_of[b->id].size();
            if (na != nb) return na > nb;
            return a->ask_cost_minutes < b->ask_cost_minutes;
        });
        line("## Questions a technician would be asked");
        line();
        if (asked.empty()) {
            line("None: every fact these rules read is collected or derived.");
            line();
            return;
        }
        line("kbdiag collects what it can; when a fact stays unknown, `kbdiag infer` suggests the question worth "
             "asking next. These are all the questions that bear on this error, those that bear on more causes "
             "first (causes by their number above):");
        line();
        line("| Question | Bears on causes | Fact | Collected by | Answer takes |");
        line("|---|---|---|---|---|");
        for (const FactDef* f : asked) {
            std::vector<std::string> by;
            for (const auto& c : f->provided_by) by.push_back(table_code(c));
            line(fmt::format("| {} | {} | {} | {} | {} min |", cell(f->question), fmt::join(causes_of[f->id], ", "),
                             table_code(f->id),
                             by.empty() ? std::string("nobody: ask") : fmt::format("{}", fmt::join(by, ", ")),
                             fmt::format("{:g}", f->ask_cost_minutes)));
        }
        line();
    }

    // Fixes in the order the causes list them (most likely cause first), each once.
    std::vector<const Fix*> ordered_fixes() const {
        std::vector<const Fix*> out;
        for (const auto& l : causes_)
            if (const Cause* c = kb_.cause(l.cause))
                for (const auto& f : c->fixes)
                    if (const Fix* fix = kb_.fix(f.fix); fix && serves(fix->platform, p_.platform) &&
                                                         std::find(out.begin(), out.end(), fix) == out.end())
                        out.push_back(fix);
        return out;
    }

    // Markdown label of a conditional step: its when_text, else its condition as code; empty for every PC.
    static std::string step_label(const FixStep& s) {
        if (!s.when_text.empty()) return escape(s.when_text, false, nullptr);
        return s.when ? code(s.when->describe()) : std::string();
    }

    void fixes() {
        line("## Fixes");
        line();
        line("Steps marked with a Windows version or a vendor apply only there; `kbdiag infer` leaves out the ones "
             "that do not match the PC and the server.");
        line();
        for (const Fix* f : ordered_fixes()) fix_section(*f);
    }

    void fix_section(const Fix& f) {
        line(fmt::format("### {}", escape(f.title.empty() ? f.id : f.title, false, nullptr)));
        line();
        std::vector<std::string> fixes_what;
        for (const auto& l : causes_)
            if (const Cause* c = kb_.cause(l.cause))
                for (const auto& link : c->fixes)
                    if (link.fix == f.id)
                        fixes_what.push_back(
                            fmt::format("{} ({})", prose(cause_title(kb_, c->id)), percent(link.success)));
        line(fmt::format("Fix {} · about {:g} min · risk {} · fixes: {}", code(f.id), f.cost_minutes,
                         to_string(f.risk), fmt::join(fixes_what, "; ")));
        line();
        std::vector<std::string> variants;
        for (std::size_t i = 0; i < f.steps.size(); ++i) {
            const auto& s = f.steps[i];
            const std::string label = step_label(s);
            std::string text = prose(s.text);
            if (!label.empty()) {
                text = fmt::format("**{}:** {}", label, text);
                if (std::find(variants.begin(), variants.end(), label) == variants.end()) variants.push_back(label);
            }
            line(fmt::format("{}. {}", i + 1, text));
        }
        if (!f.steps.empty()) line();
        if (!variants.empty()) {
            line(fmt::format("Version- and vendor-specific steps: {}.", fmt::join(variants, "; ")));
            line();
        }
        if (!f.verify.empty()) {
            line("**Check that it worked:** " + prose(f.verify));
            line();
        }
        if (!f.references.empty()) {
            line("Sources: " + cite_.cite_all(f.references));
            line();
        }
    }

    void escalation() {
        line("## If nothing helped: " + escape(p_.escalation.title, false, nullptr));
        line();
        line(fmt::format("About {:g} min. {}", p_.escalation.cost_minutes, prose(p_.escalation.text)));
        line();
    }

    void audit() {
        std::vector<const Cause*> differing;
        for (const auto& l : causes_)
            if (const Cause* c = kb_.cause(l.cause); c && !c->article_differs.empty()) differing.push_back(c);
        if (p_.article_notes.empty() && differing.empty()) return;
        line("## Where the original article differs");
        line();
        if (!p_.article_notes.empty()) {
            line(prose(p_.article_notes));
            line();
        }
        for (const Cause* c : differing) {
            line(fmt::format("- **{}:** {}", escape(cause_title(kb_, c->id), false, nullptr),
                             prose(c->article_differs)));
        }
        if (!differing.empty()) line();
    }

    void references() {
        line("## References");
        line();
        if (cite_.order().empty()) {
            line("None cited.");
            return;
        }
        for (std::size_t i = 0; i < cite_.order().size(); ++i) {
            const Reference& r = kb_.references.at(cite_.order()[i]);
            std::string title = escape(r.title.empty() ? r.id : r.title, false, nullptr);
            std::string entry = r.url.empty() ? title : fmt::format("[{}](<{}>)", title, r.url);
            line(fmt::format("{}. {} ({})", i + 1, entry, code(r.id)));
        }
    }
};

}  // namespace

std::string markdown_escape(const std::string& text, bool in_table) { return escape(text, in_table, nullptr); }

std::string article_file_name(const Problem& problem) { return problem.id + ".md"; }

std::string render_problem_article(const KnowledgeBase& kb, const Problem& problem) {
    return ArticleWriter(kb, problem).render();
}

std::string render_docs_index(const KnowledgeBase& kb, const std::vector<const Problem*>& problems) {
    std::string out = "# Share-access errors: generated articles\n\n";
    out += "*Generated by `kbdiag kb docs` from the knowledge base; regenerate after editing the knowledge.*\n\n";
    out += "| Error | Codes | Causes | Article |\n|---|---|---|---|\n";
    for (const Problem* p : problems) {
        std::vector<std::string> codes;
        for (const auto& c : p->codes) codes.push_back(table_code(c));
        out += fmt::format("| {} | {} | {} | [{}]({}) |\n", markdown_escape(p->title, true), fmt::join(codes, ", "),
                           p->causes.size(), markdown_escape(p->id, true), article_file_name(*p));
    }
    (void)kb;
    return out;
}

std::vector<DocsPage> render_docs(const KnowledgeBase& kb, const std::vector<const Problem*>& problems) {
    std::vector<DocsPage> pages;
    for (const Problem* p : problems) pages.push_back({article_file_name(*p), render_problem_article(kb, *p)});
    pages.push_back({"README.md", render_docs_index(kb, problems)});
    return pages;
}

}  // namespace kbdiag
