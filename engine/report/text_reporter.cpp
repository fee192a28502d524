// render_text(): the report for a person at an 80-column terminal.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/report/report.hpp"

namespace kbdiag {

namespace {

struct Style {
    bool on = false;
    std::string paint(const std::string& text, const char* code) const {
        if (!on || text.empty()) return text;
        // Colour each line separately so wrapped text keeps its colour and widths stay exact.
        std::string out;
        std::size_t start = 0;
        while (start < text.size()) {
            auto nl = text.find('\n', start);
            std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
            if (!line.empty()) out += fmt::format("\x1b[{}m{}\x1b[0m", code, line);
            if (nl == std::string::npos) break;
            out += '\n';
            start = nl + 1;
        }
        return out;
    }
    std::string heading(const std::string& t) const { return paint(t, "1"); }
    std::string dim(const std::string& t) const { return paint(t, "2"); }
    std::string good(const std::string& t) const { return paint(t, "32"); }
    std::string warn(const std::string& t) const { return paint(t, "33"); }
    std::string bad(const std::string& t) const { return paint(t, "31"); }
};

std::string pct(double p) { return fmt::format("{:.1f}%", 100.0 * p); }

std::string bar(double p, int cells) {
    const int full = std::clamp(static_cast<int>(std::lround(p * cells)), 0, cells);
    return "[" + std::string(static_cast<std::size_t>(full), '#') +
           std::string(static_cast<std::size_t>(cells - full), '.') + "]";
}

std::string step_label(std::size_t i) {
    std::string s;
    std::size_t n = i;
    do {
        s.insert(s.begin(), static_cast<char>('a' + n % 26));
        n = n / 26;
    } while (n-- > 0);
    return s + ")";
}

void section(std::string& out, const Style& st, const std::string& title) {
    out += '\n';
    out += st.heading(title);
    out += '\n';
}

}  // namespace

std::string render_text(const Report& r, const TextOptions& options) {
    const int w = std::max(40, options.width);
    Style st{options.color};
    std::string out;

    // Header
    out += st.heading(wrap(fmt::format("kbdiag {} - {}", r.kbdiag_version,
                                       r.problem_title.empty() ? r.problem_id : r.problem_title),
                           w, "", "  "));
    std::string error_line = r.error_as_typed.empty() ? std::string("(not given)") : r.error_as_typed;
    if (!r.problem_message.empty()) error_line += "  \"" + r.problem_message + "\"";
    out += wrap(error_line, w, "Error:    ", "          ");
    out += wrap(r.host_name.empty() ? std::string("(unknown)") : r.host_name, w, "Host:     ", "          ");
    if (!r.snapshot.empty()) out += wrap(r.snapshot, w, "Snapshot: ", "          ");
    out += wrap(fmt::format("{} rules ran; {} skipped", r.rules_run, r.skipped.size()), w, "Rules:    ",
                "          ");
    for (const auto& note : r.notes) out += st.warn(wrap(note, w, "Note:     ", "          "));

    // Causes
    section(out, st, "LIKELY CAUSES");
    if (r.ranking.causes.empty()) out += wrap("No causes are known for this problem.", w, "  ", "  ");
    std::size_t rank = 0;
    for (const auto& c : r.ranking.causes) {
        ++rank;
        const bool is_other = c.id == "other";
        std::string title = c.title.empty() ? c.id : c.title;
        std::string head = wrap(title, w, fmt::format("{:>3}. {:>6}  ", rank, pct(c.probability)), "            ");
        out += rank == 1 ? st.good(head) : head;
        std::string meta = bar(c.probability, 20) + "  prior " + pct(c.prior);
        if (!is_other) meta += "  (" + c.id + ")";
        out += wrap(meta, w, "            ", "            ");
        if (is_other) continue;
        auto info = r.cause_info.find(c.id);
        if (options.verbose && info != r.cause_info.end() && !info->second.applies_to.empty())
            out += st.dim(wrap("applies to: " + info->second.applies_to, w, "            ", "              "));
        for (const auto& f : c.evidence) {
            if (!f.counted && !options.verbose) continue;
            std::string lr = format_lr(f.applied_lr);
            if (!f.counted) lr += "*";
            std::string label = fmt::format("            {:<7}", lr);
            std::string what = f.title.empty() ? f.rule : f.title;
            std::string ev = wrap(what, w, label, "                   ");
            out += f.applied_lr >= 1.0 ? ev : st.warn(ev);
            if (!f.note.empty() && f.note != f.title) out += wrap(f.note, w, "                   ", "                   ");
            std::vector<std::string> used;
            for (const auto& [name, value] : f.facts) {
                // A data rule's note is its condition: "x == true" already shows the value.
                if (f.note.find(name + " == " + value) != std::string::npos) continue;
                used.push_back(name + "=" + value);
            }
            if (!used.empty()) out += st.dim(wrap(fmt::format("{}", fmt::join(used, ", ")), w, "                   ", "                     "));
            std::string loc = f.where.file_line();
            if (!f.counted) loc += (loc.empty() ? "" : "; ") + std::string("not counted: group ") + f.group;
            if (f.clamped) loc += (loc.empty() ? "" : "; ") + fmt::format("clamped from {}", format_lr(f.lr));
            if (!loc.empty()) out += st.dim(wrap(loc, w, "                   at ", "                   "));
        }
    }
    out += wrap(fmt::format("Probability of another cause (\"other\"): {}", pct(r.ranking.other_probability)), w,
                "  ", "  ");

    // Near misses
    if (!r.near_misses.empty()) {
        section(out, st, "WOULD CHANGE IF YOU KNEW");
        const std::size_t limit = options.verbose ? r.near_misses.size() : std::min<std::size_t>(6, r.near_misses.size());
        for (std::size_t i = 0; i < limit; ++i) {
            const auto& nm = r.near_misses[i];
            std::string text = fmt::format("{}", fmt::join(nm.missing_facts, ", ")) + ": " + (nm.title.empty() ? nm.rule : nm.title);
            if (!nm.causes.empty()) text += " (bears on " + fmt::format("{}", fmt::join(nm.causes, ", ")) + ")";
            out += wrap(text, w, "  - ", "    ");
            if (options.verbose) {
                if (!nm.condition.empty()) out += st.dim(wrap("when " + nm.condition, w, "    ", "      "));
                if (nm.where.known()) out += st.dim(wrap(nm.where.file_line(), w, "    at ", "    "));
            }
        }
        if (limit < r.near_misses.size())
            out += st.dim(wrap(fmt::format("({} more; --verbose shows all)", r.near_misses.size() - limit), w, "  ",
                               "  "));
    }

    // Fix plan
    section(out, st,
            fmt::format("FIX PLAN (in order; expected {:.0f} min)", std::round(r.ranking.expected_cost_minutes)));
    std::size_t n = 0;
    for (const auto& fx : r.ranking.plan) {
        ++n;
        out += st.heading(wrap(fx.title.empty() ? fx.id : fx.title, w, fmt::format("{:>3}. ", n), "     "));
        std::string meta = fmt::format("{:.0f} min, {} risk", fx.cost_minutes, to_string(fx.risk));
        if (fx.id != "escalate") meta += fmt::format(", {:.0f}% chance it works", 100.0 * fx.p_success);
        if (!fx.causes.empty()) meta += "; for " + fmt::format("{}", fmt::join(fx.causes, ", "));
        meta += " [" + fx.id + "]";
        out += st.dim(wrap(meta, w, "     ", "     "));
        const bool detailed = options.verbose || n <= 5 || fx.id == "escalate";
        if (!detailed) {
            out += st.dim(wrap(fmt::format("({} steps; --verbose shows them)", fx.steps.size()), w, "     ", "     "));
            continue;
        }
        for (std::size_t i = 0; i < fx.steps.size(); ++i) {
            std::string text = fx.steps[i].text;
            if (!fx.steps[i].condition.empty()) text = "(" + fx.steps[i].condition + ") " + text;
            out += wrap(text, w, "     " + step_label(i) + " ", "        ");
        }
        if (!fx.verify.empty()) out += wrap(fx.verify, w, "     Verify: ", "        ");
    }

    // Questions
    section(out, st, "WHAT TO CHECK NEXT");
    if (r.ranking.questions.empty()) out += wrap("Nothing worth asking: the plan would not change.", w, "  ", "  ");
    for (const auto& q : r.ranking.questions) {
        out += wrap(q.question.empty() ? q.fact : q.question, w, "  - ", "    ");
        std::string meta = fmt::format("fact {}; could save ~{:.1f} min; {:.2f} bits", q.fact, q.value,
                                       q.entropy_gain);
        if (!q.collector.empty()) meta += "; collector " + q.collector + " can tell";
        out += st.dim(wrap("(" + meta + ")", w, "    ", "     "));
    }

    // Facts
    if (!r.facts.empty()) {
        section(out, st, "FACTS USED");
        for (const auto& f : r.facts) {
            std::string text = f.name + " = " + (f.state == "known" ? f.value : "(" + f.state + ")");
            if (f.state != "known" && !f.value.empty()) text += " " + f.value;
            if (!f.source.empty()) text += "  [" + f.source + "]";
            out += wrap(text, w, "  ", "      ");
        }
    }

    // Skipped and diagnostics
    if (!r.skipped.empty() || !r.diagnostics.empty()) {
        section(out, st, "SKIPPED AND DIAGNOSTICS");
        for (const auto& s : r.skipped) {
            std::string text = "rule " + s.rule + " skipped: " + s.reason;
            if (s.where.known()) text += " (" + s.where.to_string() + ")";
            out += st.warn(wrap(text, w, "  - ", "    "));
        }
        for (const auto& d : r.diagnostics.items()) {
            if (d.severity == Severity::note && !options.verbose) continue;
            std::string text = format_diagnostic(d, false);
            // Keep the first line (location, severity, code, message); snippets only when verbose.
            if (!options.verbose) {
                auto nl = text.find('\n');
                if (nl != std::string::npos) text.resize(nl);
            }
            std::string wrapped = wrap(text, w, "  - ", "    ");
            out += d.severity == Severity::error ? st.bad(wrapped) : st.warn(wrapped);
        }
    }

    // Collectors
    if (!r.collectors.empty()) {
        section(out, st, "COLLECTORS");
        for (const auto& c : r.collectors) {
            std::string text = fmt::format("{:<20} {:<8} {:>6} ms", c.id, to_string(c.status), c.duration_ms);
            if (!c.message.empty()) text += "  " + c.message;
            std::string wrapped = wrap(text, w, "  ", "                                      ");
            out += c.status == CollectorStatus::ok || c.status == CollectorStatus::skipped ? wrapped
                                                                                         : st.warn(wrapped);
        }
    }

    if (!options.verbose && (!r.article_notes.empty() || !r.cause_article_differs.empty())) {
        out += '\n';
        out += st.dim(wrap(fmt::format("The knowledge base notes where the original article differs from its sources "
                                       "({} notes): --verbose shows them.",
                                       r.cause_article_differs.size() + (r.article_notes.empty() ? 0 : 1)),
                           w, "", ""));
    }
    if (options.verbose && (!r.article_notes.empty() || !r.cause_article_differs.empty())) {
        section(out, st, "WHERE THE ORIGINAL ARTICLE DIFFERS");
        if (!r.article_notes.empty()) out += wrap(r.article_notes, w, "  ", "  ");
        for (const auto& line : r.cause_article_differs) out += wrap(line, w, "  - ", "    ");
    }
    return out;
}

}  // namespace kbdiag
