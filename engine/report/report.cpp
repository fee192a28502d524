// build_report(): gathers what a reporter prints from a diagnosis; plus the text helpers reporters share.
#include "engine/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

namespace kbdiag {

namespace {

bool starts_with(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

ReportFact report_fact(const std::string& name, const FactEntry& e, const KnowledgeBase* kb) {
    ReportFact rf;
    rf.name = name;
    rf.state = to_string(e.state);
    rf.source = e.source;
    rf.note = e.note;
    if (e.state != FactState::known) {
        rf.value = e.note;
        return rf;
    }
    const FactDef* def = kb ? kb->fact(name) : nullptr;
    const FactType type = def ? def->type : FactType::string;
    rf.typed = fact_value_json(e.value, def);
    try {
        rf.value = to_display(e.value, type);
    } catch (const std::exception&) {
        rf.value = to_display(e.value, FactType::string);
    }
    return rf;
}

// The known facts the knowledge marks `in_report` that no finding used: what the technician reads beside the
// evidence (the Windows release, the share path, the server's domain), so collecting them was not for nothing.
// In id order: the linker's list of them, not the whole catalog.
std::vector<ReportFact> also_checked(const KnowledgeBase& kb, const FactStore& facts,
                                     const std::set<std::string>& used) {
    std::vector<ReportFact> out;
    for (const auto& name : kb.in_report_facts) {
        if (used.count(name)) continue;
        const FactEntry* e = facts.find(name);
        if (e && e->state == FactState::known) out.push_back(report_fact(name, *e, &kb));
    }
    return out;
}

}  // namespace

double round_to(double value, int decimals) {
    if (!std::isfinite(value)) return 0.0;
    // A table for the usual 0-9 decimals: std::pow was most of this function's cost in batch records.
    static constexpr double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    const double scale = decimals >= 0 && decimals <= 9 ? powers[decimals] : std::pow(10.0, decimals);
    double r = std::round(value * scale) / scale;
    if (r == 0.0) r = 0.0;   // no "-0"
    return r;
}

std::string format_lr(double lr) {
    if (!std::isfinite(lr) || lr <= 0.0) return "×0";
    auto trim = [](double v) {
        std::string s = v >= 10.0 ? fmt::format("{:.0f}", v) : fmt::format("{:.1f}", v);
        if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
        return s;
    };
    // A million and beyond in powers of ten: a definitive 1e308 is "×1e+308", not 309 digits.
    auto compact = [&](double v) { return v >= 1e6 ? fmt::format("{:.3g}", v) : trim(v); };
    if (lr >= 1.0) return "×" + compact(lr);
    return "÷" + compact(1.0 / lr);
}

int display_width(const std::string& text) {
    int width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0x1b && i + 1 < text.size() && text[i + 1] == '[') {   // ANSI CSI: skip to the final byte
            i += 2;
            while (i < text.size() && !(text[i] >= '@' && text[i] <= '~')) ++i;
            ++i;
            continue;
        }
        if ((c & 0xC0) != 0x80) ++width;   // count lead bytes only
        ++i;
    }
    return width;
}

namespace {

bool is_break_after(char c) { return c == '/' || c == '\\' || c == ',' || c == ';' || c == '=' || c == '&'; }

// The longest head of `word` that fits in `cols` code points. It ends after a path or list separator when there is
// one, so a location breaks between folders and keeps "file.yaml:12" whole; otherwise it is cut at the width.
std::string fitting_head(std::string_view word, int cols) {
    std::size_t cut = 0;             // byte length of the hard cut
    std::size_t after_separator = 0; // byte length up to the last separator that fits
    int w = 0;
    for (std::size_t i = 0; i < word.size(); ++i) {
        const bool lead = (static_cast<unsigned char>(word[i]) & 0xC0) != 0x80;
        if (lead) {
            if (w == cols) break;
            ++w;
        }
        cut = i + 1;
        if (is_break_after(word[i])) after_separator = cut;
    }
    while (cut < word.size() && (static_cast<unsigned char>(word[cut]) & 0xC0) == 0x80) ++cut;   // whole code points
    return std::string(word.substr(0, after_separator > 0 ? after_separator : cut));
}

void wrap_paragraph(const std::string& para, int width, const std::string& prefix, const std::string& indent,
                    std::string& out) {
    // Tokens keep the spacing before each word, so columns laid out with spaces survive when nothing wraps.
    struct Token {
        std::string sep;
        std::string word;
    };
    std::vector<Token> tokens;
    Token cur;
    for (char ch : para) {
        if (ch == ' ' || ch == '\t') {
            if (!cur.word.empty()) tokens.push_back(std::move(cur)), cur = Token{};
            cur.sep += ' ';
        } else {
            cur.word += ch;
        }
    }
    if (!cur.word.empty()) tokens.push_back(std::move(cur));

    std::string line = prefix;
    int line_w = display_width(prefix);
    bool line_has_word = false;
    const int indent_w = display_width(indent);
    auto flush = [&]() {
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line;
        out += '\n';
        line = indent;
        line_w = indent_w;
        line_has_word = false;
    };
    bool first_token = true;
    for (const auto& tok : tokens) {
        const int ww = display_width(tok.word);
        // Spacing before the word: kept inside a line and at the start of the paragraph, dropped after a break.
        const std::string sep = (line_has_word || first_token) ? tok.sep : std::string();
        first_token = false;
        const int sw = static_cast<int>(sep.size());
        if (line_w + sw + ww <= width) {
            line += sep;
            line += tok.word;
            line_w += sw + ww;
            line_has_word = true;
            continue;
        }
        if (line_has_word) flush();
        const int avail = std::max(1, width - line_w);
        if (ww <= avail) {
            line += tok.word;
            line_w += ww;
            line_has_word = true;
            continue;
        }
        // Longer than a whole line: break it, preferably after a separator, else at the width.
        // An offset into the word, not a copy of its rest per line: that was quadratic in the word's length.
        std::string_view rest = tok.word;
        while (!rest.empty()) {
            const int room = std::max(1, width - line_w);
            const std::string head = fitting_head(rest, room);
            line += head;
            line_w += display_width(head);
            line_has_word = true;
            rest.remove_prefix(head.size());
            if (!rest.empty()) flush();
        }
    }
    if (line_has_word || tokens.empty()) flush();
}

}  // namespace

std::string wrap(const std::string& text, int width, const std::string& first_prefix, const std::string& indent) {
    std::string out;
    std::size_t start = 0;
    bool first = true;
    while (true) {
        const auto nl = text.find('\n', start);
        const std::string para = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        wrap_paragraph(para, width, first ? first_prefix : indent, indent, out);
        first = false;
        if (nl == std::string::npos) break;
        start = nl + 1;
        if (start >= text.size()) break;   // a trailing newline adds no empty line
    }
    return out;
}

namespace {

nlohmann::json scalar_json(const Scalar& s, FactType type) {
    if (const auto* b = std::get_if<bool>(&s)) return *b;
    if (const auto* i = std::get_if<std::int64_t>(&s))
        return type == FactType::timestamp ? nlohmann::json(format_iso8601(*i)) : nlohmann::json(*i);
    return std::get<std::string>(s);
}

// A record field's catalog type (string when the catalog does not say).
FactType field_type(const FactDef* def, const std::string& field) {
    if (!def) return FactType::string;
    const auto it = def->fields.find(field);
    return it == def->fields.end() ? FactType::string : it->second;
}

}  // namespace

nlohmann::json fact_value_json(const FactValue& value, const FactDef* def) {
    const FactType type = def ? def->type : FactType::string;
    if (value.is_bool()) return value.as_bool();
    if (value.is_int()) return scalar_json(value.as_int(), type);
    if (value.is_string()) return value.as_string();
    if (value.is_list()) return value.as_list();
    nlohmann::json records = nlohmann::json::array();
    for (const auto& record : value.as_records()) {
        nlohmann::json fields = nlohmann::json::object();
        for (const auto& [field, scalar] : record) fields[field] = scalar_json(scalar, field_type(def, field));
        records.push_back(std::move(fields));
    }
    return records;
}

Report build_report(const ReportInput& in) { return build_report(in, in.ranking ? *in.ranking : Ranking{}); }

Report build_report(const ReportInput& in, Ranking ranking) {
    Report r;
    r.kbdiag_version = KBDIAG_VERSION;
    if (in.problem) {
        r.problem_id = in.problem->id;
        r.problem_title = in.problem->title;
        r.problem_message = in.problem->message;
        r.article_notes = in.problem->article_notes;
    }
    r.error_as_typed = in.error_as_typed;
    r.snapshot = in.snapshot;
    r.host_name = in.host_name;
    r.collectors = in.collectors;
    r.notes = in.notes;
    r.diagnostics.append(in.diagnostics);

    r.ranking = std::move(ranking);

    if (in.result) {
        const EngineResult& res = *in.result;
        r.near_misses = res.near_misses;
        r.skipped = res.skipped;
        r.rule_errors = res.rule_errors;
        r.rules_run = res.rules_run;
        r.diagnostics.append(res.diagnostics);

        // Facts the findings used, plus every derived fact.
        std::set<std::string> names;
        for (const auto& f : res.findings)
            for (const auto& [name, value] : f.facts) names.insert(name);
        for (const auto& cause : r.ranking.causes)
            for (const auto& f : cause.evidence)
                for (const auto& [name, value] : f.facts) names.insert(name);
        for (const auto& [name, entry] : res.facts().entries())
            if (starts_with(entry.source, "derived:")) names.insert(name);
        for (const auto& name : names)
            if (const FactEntry* e = res.facts().find(name)) r.facts.push_back(report_fact(name, *e, in.kb));
        if (in.kb) r.also_checked = also_checked(*in.kb, res.facts(), names);
    }

    if (in.kb) {
        for (const auto& rc : r.ranking.causes) {
            const Cause* c = in.kb->cause(rc.id);
            if (!c) continue;
            ReportCauseInfo info;
            info.applies_to = c->applies_to_text;
            if (info.applies_to.empty() && c->applies_to) info.applies_to = c->applies_to->describe();
            info.location = c->where.file_line();
            for (const auto& link : c->fixes) {
                ReportCauseFix rf;
                rf.id = link.fix;
                rf.success = link.success;
                if (const Fix* fx = in.kb->fix(link.fix)) {
                    rf.title = fx->title;
                    rf.cost_minutes = fx->cost_minutes;
                    rf.risk = to_string(fx->risk);
                }
                info.fixes.push_back(std::move(rf));
            }
            r.cause_info[rc.id] = std::move(info);
            if (!c->article_differs.empty()) r.cause_article_differs.push_back(rc.id + ": " + c->article_differs);
        }
    }
    add_summary_context(in, r);
    r.diagnostics.sort();
    return r;
}

}  // namespace kbdiag
