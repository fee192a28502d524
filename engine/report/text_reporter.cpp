// render_text(): the report for a person at an 80x24 terminal. The first screen is the summary (the likeliest
// causes, the first fix with its steps, the one check worth doing first); the details follow. The default view
// speaks plain words; --verbose adds what knowledge authors need (likelihood ratios, fact and rule ids, where
// each rule is defined). Every value printed goes through escape_controls(), so text from a snapshot, the
// knowledge base or a Lua rule cannot drive the terminal; the reporter's own colour codes are added afterwards.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "engine/core/text.hpp"
#include "engine/report/report.hpp"

namespace kbdiag {

namespace {

constexpr int screen_lines = 24;      // the summary ends within the first screen of an 80x24 terminal
constexpr std::size_t default_near_miss_groups = 6;
constexpr std::size_t default_detailed_fixes = 5;

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

// What every section needs: the width, the colours, the view.
struct Ctx {
    int w = 80;
    Style st;
    bool verbose = false;
    // Wraps `text` (a value: shortened to 1,000 characters and escaped first) after `prefix`, continuation lines after
    // `indent`. Prefixes are the reporter's own layout and never carry values.
    std::string para(const std::string& text, const std::string& prefix, const std::string& indent) const {
        return wrap(escape_controls(text::shorten(text)), w, prefix, indent);
    }
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

std::string plural(std::size_t n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

int line_count(const std::string& text) { return static_cast<int>(std::count(text.begin(), text.end(), '\n')); }

// The first `max_lines` lines of wrapped `text`; when some are cut, the last kept one ends in "…" (within `w`).
std::string clip(const std::string& text, int max_lines, int w) {
    if (line_count(text) <= max_lines) return text;
    std::size_t end = 0;
    for (int i = 0; i < max_lines; ++i) end = text.find('\n', end) + 1;
    std::string kept = text.substr(0, end - 1);   // without the last newline
    auto last_line_start = kept.rfind('\n');
    last_line_start = last_line_start == std::string::npos ? 0 : last_line_start + 1;
    while (kept.size() > last_line_start && display_width(kept.substr(last_line_start)) > w - 1) {
        kept.pop_back();
        while (kept.size() > last_line_start && (static_cast<unsigned char>(kept.back()) & 0xC0) == 0x80)
            kept.pop_back();
        if (kept.size() > last_line_start) kept.pop_back();   // the lead byte (or an ASCII char)
    }
    return kept + "…\n";
}

void section(std::string& out, const Style& st, const std::string& title) {
    out += '\n';
    out += st.heading(title);
    out += '\n';
}

// Lines are added while they fit the first screen; what must be there is added first in the budget's count.
class ScreenBudget {
public:
    explicit ScreenBudget(int lines) : left_(lines) {}
    bool fits(const std::string& text) const { return line_count(text) <= left_; }
    bool add(std::string& out, const std::string& text) {
        if (!fits(text)) return false;
        out += text;
        left_ -= line_count(text);
        return true;
    }
    void force(std::string& out, const std::string& text) {
        out += text;
        left_ -= line_count(text);
    }
    void reserve(int lines) { left_ -= lines; }
    void release(int lines) { left_ += lines; }

private:
    int left_;
};

std::string rule_errors_block(const Ctx& c, const Report& r);

// ---- header -----------------------------------------------------------------------------------------------

std::string header(const Ctx& c, const Report& r) {
    std::string title = r.is_triage ? std::string("no error given: what this machine's facts point to")
                                    : (r.problem_title.empty() ? r.problem_id : r.problem_title);
    std::string out =
        c.st.heading(clip(c.para(fmt::format("kbdiag {} - {}", r.kbdiag_version, title), "", "  "), 2, c.w));
    std::string error_line = r.error_as_typed.empty() ? std::string("(not given)") : r.error_as_typed;
    if (!r.problem_message.empty()) error_line += "  \"" + r.problem_message + "\"";
    out += clip(c.para(error_line, "Error:    ", "          "), 2, c.w);
    out += clip(c.para(r.host_name.empty() ? std::string("(unknown)") : r.host_name, "Host:     ", "          "), 1,
                c.w);
    return out + rule_errors_block(c, r);
}

// Rules that failed while running, right under the header: the ranking was made without them, which a reader must
// know before trusting it. At most three, each on at most three lines; the rest are in SKIPPED AND DIAGNOSTICS.
std::string rule_errors_block(const Ctx& c, const Report& r) {
    std::string out;
    const std::size_t shown = std::min<std::size_t>(r.rule_errors.size(), 3);
    for (std::size_t i = 0; i < shown; ++i) {
        const RuleError& e = r.rule_errors[i];
        const std::string text = fmt::format("{}: {} [{}]", e.where.file_line(), e.message, e.code);
        out += c.st.bad(clip(c.para(text, "Rule error: ", "            "), 3, c.w));
    }
    if (r.rule_errors.size() > shown)
        out += c.st.bad(c.para(fmt::format("and {} more (see SKIPPED AND DIAGNOSTICS)", r.rule_errors.size() - shown),
                               "            ", "            "));
    return out;
}

// Where the report comes from; after the summary, as it rarely matters first.
std::string context(const Ctx& c, const Report& r) {
    std::string out;
    if (!r.snapshot.empty()) out += c.para(r.snapshot, "Snapshot: ", "          ");
    out += c.para(fmt::format("{} rules ran; {} skipped", r.rules_run, r.skipped.size()), "Rules:    ", "          ");
    for (const auto& note : r.notes) out += c.st.warn(c.para(note, "Note:     ", "          "));
    return out;
}

// ---- summary ----------------------------------------------------------------------------------------------

std::string check_heading(const NextCheck& check, const char* label) {
    std::vector<std::string> parts;
    if (check.cost_minutes > 0)
        parts.push_back(fmt::format("{:.0f} min", std::max(1.0, std::round(check.cost_minutes))));
    parts.push_back(check.before_fix ? fmt::format("can change the plan, saves ~{:.0f} min on average",
                                                   std::max(1.0, std::round(check.minutes_saved)))
                                     : std::string("narrows down the cause"));
    return fmt::format("{} ({}):", label, fmt::join(parts, "; "));
}

// A check's text, and for a collector its command on a line of its own (whole, to copy).
std::string check_lines(const Ctx& c, const NextCheck& check, const std::string& prefix, const std::string& indent,
                        int max_lines) {
    std::string out = clip(c.para(check.text, prefix, indent), max_lines, c.w);
    if (check.kind == "collect") out += c.para(check.command, indent + "  ", indent + "    ");
    return out;
}

std::string check_block(const Ctx& c, const NextCheck& check, const char* label) {
    return c.st.heading(clip(c.para(check_heading(check, label), "", "  "), 2, c.w)) +
           check_lines(c, check, "  ", "  ", 3);
}

std::string fix_meta(const SummaryFix& f) {
    std::string meta = fmt::format("{:.0f} min, {} risk", f.cost_minutes, f.risk);
    if (f.id != "escalate") meta += fmt::format(", {:.0f}% chance it works", 100.0 * f.p_success);
    return "(" + meta + ")";
}

std::string diagnosis_summary(const Ctx& c, const Report& r, const Summary& s, int budget_lines) {
    ScreenBudget budget(budget_lines);
    std::string out;
    budget.force(out, c.st.heading("SUMMARY") + "\n");
    const bool check_first = s.next_check.before_fix && !s.next_check.kind.empty();
    const std::string check_first_text = check_first ? check_block(c, s.next_check, "Check first") : std::string();
    std::string fix_head, first_step;
    if (s.has_fix) {
        fix_head = c.st.heading(clip(c.para(s.first_fix.title, check_first ? "Then fix: " : "Fix first: ", "  "), 2,
                                     c.w)) +
                   c.st.dim(c.para(fix_meta(s.first_fix), "  ", "  "));
        if (!s.first_fix.steps.empty()) first_step = clip(c.para(s.first_fix.steps[0], "  a) ", "     "), 3, c.w);
    }
    budget.force(out, "Most likely:\n");
    // What must be on the first screen after the causes: the check that comes first, the fix and its first step.
    const int tail = line_count(check_first_text) + line_count(fix_head) + line_count(first_step);
    budget.reserve(tail);
    for (std::size_t i = 0; i < s.causes.size(); ++i) {
        const auto& cause = s.causes[i];
        const std::string line = c.para(cause.title, fmt::format("{:>7}  ", pct(cause.probability)), "         ");
        const std::string two = clip(line, 2, c.w), one = clip(line, 1, c.w);
        if (i == 0) budget.force(out, c.st.good(budget.fits(two) ? two : one));
        else if (!budget.add(out, two) && !budget.add(out, one)) break;
    }
    if (s.causes.empty()) budget.add(out, c.para("No causes are known for this problem.", "  ", "  "));
    budget.release(tail);
    budget.force(out, check_first_text);
    if (s.has_fix) {
        budget.force(out, fix_head);
        budget.force(out, first_step);
        bool all_steps = true;
        for (std::size_t i = 1; i < s.first_fix.steps.size() && all_steps; ++i)
            all_steps = budget.add(out, c.para(s.first_fix.steps[i], "  " + step_label(i) + " ", "     "));
        if (all_steps && !s.first_fix.verify.empty())
            budget.add(out, c.para(s.first_fix.verify, "  Verify: ", "     "));
    }
    if (!check_first && !s.next_check.kind.empty()) {
        budget.add(out, check_block(c, s.next_check, "Worth knowing too"));
    } else if (s.next_check.kind.empty() && r.ranking.questions.empty()) {
        budget.add(out, c.st.dim(c.para("Nothing to check first: no answer would change the plan.", "", "  ")));
    }
    std::string more = "Below: why each cause";
    if (s.first_fix.more_fixes > 0) more += ", " + plural(s.first_fix.more_fixes, "more fix", "more fixes");
    more += ", what else to check; --verbose adds the evidence's weights and sources.";
    budget.add(out, c.st.dim(c.para(more, "", "")));
    return out;
}

std::string triage_summary(const Ctx& c, const Report& r, const Summary& s, int budget_lines) {
    ScreenBudget budget(budget_lines);
    std::string out;
    budget.force(out, c.st.heading(clip(c.para(fmt::format("SUMMARY - no error given; {} checked against this "
                                                           "machine's facts",
                                                           plural(r.triage.problems_considered, "problem", "problems")),
                                               "", "  "),
                                        2, c.w)));
    const std::string next = c.st.heading("Next:\n") + clip(c.para(s.next_check.text, "  - ", "    "), 3, c.w);
    budget.reserve(line_count(next));
    if (s.causes.empty())
        budget.add(out, c.para("The facts point to no problem in particular.", "  ", "  "));
    for (std::size_t i = 0; i < s.causes.size(); ++i) {
        const auto& e = s.causes[i];
        std::string entry = c.st.good(clip(c.para(e.code.empty() ? e.problem_title : e.code + " - " + e.problem_title,
                                                  fmt::format("{:>3}. ", i + 1), "     "),
                                           1, c.w));
        entry += clip(c.para(e.title, fmt::format("     Cause ({} if it is this error): ", pct(e.probability)),
                             "       "),
                      2, c.w);
        if (!e.why.empty()) entry += clip(c.para(e.why, "     Why: ", "       "), 1, c.w);
        if (!e.first_fix.empty()) entry += clip(c.para(e.first_fix, "     Fix: ", "       "), 1, c.w);
        if (i == 0) budget.force(out, entry);
        else if (!budget.add(out, entry)) break;
    }
    budget.release(line_count(next));
    budget.force(out, next);
    for (std::size_t i = 1; i < s.next_steps.size(); ++i)
        if (!budget.add(out, clip(c.para(s.next_steps[i], "  - ", "    "), 2, c.w))) break;
    return out;
}

// ---- details: causes --------------------------------------------------------------------------------------

// The strength of one piece of evidence in words (the default view shows no likelihood ratios).
std::string strength(double lr) {
    if (lr >= 10.0) return "strongly for";
    if (lr > 1.0) return "for";
    if (lr <= 0.1) return "strongly against";
    if (lr < 1.0) return "against";
    return "neutral";
}

void plain_evidence(const Ctx& c, const Finding& f, std::string& out) {
    std::string what = f.title.empty() ? f.rule : without_weights(f.title);
    std::string ev = c.para(what, fmt::format("      {:<17}", strength(f.applied_lr)), "                       ");
    out += f.applied_lr >= 1.0 ? ev : c.st.warn(ev);
    // A data rule's note is its condition, written with fact ids: --verbose shows it. A script's note is prose.
    const bool condition = std::any_of(f.facts.begin(), f.facts.end(),
                                       [&](const auto& fact) { return f.note.find(fact.first) != std::string::npos; });
    if (!f.note.empty() && f.note != f.title && !condition)
        out += c.para(f.note, "                       ", "                       ");
}

void verbose_evidence(const Ctx& c, const Finding& f, std::string& out) {
    std::string lr = format_lr(f.applied_lr);
    if (!f.counted) lr += "*";
    std::string what = f.title.empty() ? f.rule : f.title;
    std::string ev = c.para(what, fmt::format("            {:<7}", lr), "                   ");
    out += f.applied_lr >= 1.0 ? ev : c.st.warn(ev);
    if (!f.note.empty() && f.note != f.title) out += c.para(f.note, "                   ", "                   ");
    std::vector<std::string> used;
    for (const auto& [name, value] : f.facts) {
        // A data rule's note is its condition: "x == true" already shows the value.
        if (f.note.find(name + " == " + value) != std::string::npos) continue;
        used.push_back(name + "=" + value);
    }
    if (!used.empty())
        out +=
            c.st.dim(c.para(fmt::format("{}", fmt::join(used, ", ")), "                   ", "                     "));
    std::string loc = f.where.file_line();
    if (!f.counted) loc += (loc.empty() ? "" : "; ") + std::string("not counted: group ") + f.group;
    if (f.clamped) loc += (loc.empty() ? "" : "; ") + fmt::format("clamped from {}", format_lr(f.lr));
    if (!loc.empty()) out += c.st.dim(c.para(loc, "                   at ", "                   "));
}

void causes_section(const Ctx& c, const Report& r, std::string& out) {
    section(out, c.st, "LIKELY CAUSES");
    if (r.ranking.causes.empty()) out += c.para("No causes are known for this problem.", "  ", "  ");
    std::size_t rank = 0;
    for (const auto& cause : r.ranking.causes) {
        ++rank;
        const bool is_other = cause.id == "other";
        std::string head = c.para(cause.title.empty() ? cause.id : cause.title,
                                  fmt::format("{:>3}. {:>6}  ", rank, pct(cause.probability)), "            ");
        out += rank == 1 ? c.st.good(head) : head;
        std::string meta = bar(cause.probability, 20) + "  prior " + pct(cause.prior);
        if (!is_other && c.verbose) meta += "  (" + cause.id + ")";
        out += c.para(meta, "            ", "            ");
        if (is_other) continue;
        auto info = r.cause_info.find(cause.id);
        if (c.verbose && info != r.cause_info.end() && !info->second.applies_to.empty())
            out += c.st.dim(c.para("applies to: " + info->second.applies_to, "            ", "              "));
        for (const auto& f : cause.evidence) {
            if (c.verbose) verbose_evidence(c, f, out);
            else if (f.counted) plain_evidence(c, f, out);
        }
    }
    out += c.para(fmt::format("Probability of another cause (\"other\"): {}", pct(r.ranking.other_probability)), "  ",
                  "  ");
}

// ---- details: what would change the ranking ---------------------------------------------------------------

// Near misses by missing fact, each fact once (in order of first mention), with the rules it would decide.
std::vector<std::pair<std::string, std::vector<const NearMiss*>>> near_misses_by_fact(const Report& r) {
    std::vector<std::pair<std::string, std::vector<const NearMiss*>>> groups;
    for (const auto& nm : r.near_misses)
        for (const auto& fact : nm.missing_facts) {
            auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == fact; });
            if (it == groups.end()) it = groups.insert(groups.end(), {fact, {}});
            it->second.push_back(&nm);
        }
    return groups;
}

void near_misses_verbose(const Ctx& c, const Report& r, std::string& out) {
    for (const auto& [fact, misses] : near_misses_by_fact(r)) {
        out += c.para(fact, "  - ", "    ");
        for (const NearMiss* nm : misses) {
            std::string text = nm->title.empty() ? nm->rule : nm->title;
            if (!nm->causes.empty()) text += " (bears on " + fmt::format("{}", fmt::join(nm->causes, ", ")) + ")";
            out += c.para(text, "      ", "        ");
            if (!nm->condition.empty()) out += c.st.dim(c.para("when " + nm->condition, "        ", "          "));
            if (nm->where.known()) out += c.st.dim(c.para(nm->where.file_line(), "        at ", "        "));
        }
    }
}

// The causes `misses` bear on, most likely first, as titles.
std::vector<std::string> cause_titles(const Report& r, const std::vector<const NearMiss*>& misses) {
    std::vector<std::string> out;
    for (const auto& cause : r.ranking.causes)   // by probability
        for (const NearMiss* nm : misses)
            if (std::find(nm->causes.begin(), nm->causes.end(), cause.id) != nm->causes.end()) {
                out.push_back(cause.title.empty() ? cause.id : cause.title);
                break;
            }
    return out;
}

// The default view: grouped by how to find out (a collector's command once for all its facts, else the question),
// each with the causes the answer bears on; facts nobody can be asked about in plain words (derived ones) are
// left to --verbose.
void near_misses_plain(const Ctx& c, const Report& r, std::string& out) {
    std::vector<std::pair<NextCheck, std::vector<const NearMiss*>>> groups;   // how to find out -> near misses
    for (const auto& [fact, misses] : near_misses_by_fact(r)) {
        const NextCheck how = how_to_find_out(r, fact);
        if (how.kind.empty()) continue;
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
            return g.first.text == how.text && g.first.command == how.command;
        });
        if (it == groups.end()) it = groups.insert(groups.end(), {how, {}});
        it->second.insert(it->second.end(), misses.begin(), misses.end());
    }
    const std::size_t shown = std::min(default_near_miss_groups, groups.size());
    for (std::size_t i = 0; i < shown; ++i) {
        out += check_lines(c, groups[i].first, "  - ", "    ", 100);
        std::vector<std::string> causes = cause_titles(r, groups[i].second);
        std::string about = fmt::format(
            "{}", fmt::join(causes.begin(), causes.begin() + std::min<std::size_t>(3, causes.size()), "; "));
        if (causes.size() > 3) about += fmt::format("; and {} more", causes.size() - 3);
        if (!causes.empty()) out += c.st.dim(c.para(about, "    bears on: ", "      "));
    }
    if (groups.empty()) out += c.para("No missing fact can be asked or collected: --verbose lists them.", "  ", "  ");
    if (shown < groups.size())
        out += c.st.dim(c.para(fmt::format("({} more; --verbose shows all)", groups.size() - shown), "  ", "  "));
}

// ---- details: plan and questions --------------------------------------------------------------------------

void plan_section(const Ctx& c, const Report& r, std::string& out) {
    section(out, c.st,
            fmt::format("FIX PLAN (in order; expected {:.0f} min)", std::round(r.ranking.expected_cost_minutes)));
    std::size_t n = 0;
    for (const auto& fx : r.ranking.plan) {
        ++n;
        out += c.st.heading(c.para(fx.title.empty() ? fx.id : fx.title, fmt::format("{:>3}. ", n), "     "));
        std::string meta = fmt::format("{:.0f} min, {} risk", fx.cost_minutes, to_string(fx.risk));
        if (fx.id != "escalate") meta += fmt::format(", {:.0f}% chance it works", 100.0 * fx.p_success);
        if (c.verbose) {
            if (!fx.causes.empty()) meta += "; for " + fmt::format("{}", fmt::join(fx.causes, ", "));
            meta += " [" + fx.id + "]";
        }
        out += c.st.dim(c.para(meta, "     ", "     "));
        const bool detailed = c.verbose || n <= default_detailed_fixes || fx.id == "escalate";
        if (!detailed) {
            out += c.st.dim(c.para(fmt::format("({} steps; --verbose shows them)", fx.steps.size()), "     ", "     "));
            continue;
        }
        for (std::size_t i = 0; i < fx.steps.size(); ++i) {
            std::string text = fx.steps[i].text;
            if (!fx.steps[i].condition.empty()) text = "(" + fx.steps[i].condition + ") " + text;
            out += c.para(text, "     " + step_label(i) + " ", "        ");
        }
        if (!fx.verify.empty()) out += c.para(fx.verify, "     Verify: ", "        ");
    }
}

void questions_section(const Ctx& c, const Report& r, const Summary& s, std::string& out) {
    section(out, c.st, "WHAT TO CHECK NEXT");
    if (r.ranking.questions.empty()) {
        out += c.para("Nothing worth asking: the plan would not change.", "  ", "  ");
        return;
    }
    if (!c.verbose) {
        for (const auto& check : s.checks) {
            out += check_lines(c, check, "  - ", "    ", 100);
            out += c.st.dim(c.para("(" + check.why + ")", "    ", "     "));
        }
        if (s.checks.empty())
            out += c.para("No check can be asked or collected: --verbose lists the facts.", "  ", "  ");
        return;
    }
    for (const auto& q : r.ranking.questions) {
        const NextCheck how = how_to_find_out(r, q.fact);
        out += c.para(how.kind == "collect" || q.question.empty() ? (how.text.empty() ? q.fact : how.text) : q.question,
                      "  - ", "    ");
        std::string meta = fmt::format("fact {}; could save ~{:.1f} min; {:.2f} bits", q.fact, q.value,
                                       q.entropy_gain);
        if (!q.collector.empty()) meta += "; collector " + q.collector + " can tell";
        out += c.st.dim(c.para("(" + meta + ")", "    ", "     "));
    }
}

// ---- details: triage --------------------------------------------------------------------------------------

void triage_section(const Ctx& c, const Report& r, std::string& out) {
    section(out, c.st, "WHAT THIS MACHINE'S FACTS POINT TO");
    if (r.triage.entries.empty()) out += c.para("Nothing stands out: no rule found evidence for a cause.", "  ", "  ");
    std::size_t n = 0;
    for (const auto& e : r.triage.entries) {
        ++n;
        std::string problem = e.problem_title.empty() ? e.problem_id : e.problem_title;
        if (!e.codes.empty()) problem = fmt::format("{} - {}", fmt::join(e.codes, ", "), problem);
        out += c.st.heading(c.para(problem, fmt::format("{:>3}. ", n), "     "));
        out += c.para(e.cause_title.empty() ? e.cause_id : e.cause_title,
                      fmt::format("     {:>6} if it is this error: ", pct(e.probability)), "       ");
        if (c.verbose)
            out += c.st.dim(c.para(fmt::format("prior {}; evidence {}; problem {}, cause {}", pct(e.prior),
                                               format_lr(e.evidence_factor), e.problem_id, e.cause_id),
                                   "       ", "       "));
        for (const auto& why : e.evidence)
            out += c.para(c.verbose ? why : without_weights(why), "       + ", "         ");
        if (!e.first_fix.empty()) out += c.para(e.first_fix, "       Fix: ", "         ");
    }
    if (!r.triage.next_steps.empty()) {
        section(out, c.st, "NEXT STEPS");
        for (const auto& step : r.triage.next_steps) out += c.para(step, "  - ", "    ");
    }
}

// ---- details: facts, diagnostics, collectors, the original article ---------------------------------------

void fact_lines(const Ctx& c, const std::vector<ReportFact>& facts, std::string& out) {
    for (const auto& f : facts) {
        std::string text = f.name + " = " + (f.state == "known" ? f.value : "(" + f.state + ")");
        if (f.state != "known" && !f.value.empty()) text += " " + f.value;
        if (!f.source.empty()) text += "  [" + f.source + "]";
        out += c.para(text, "  ", "      ");
    }
}

void facts_section(const Ctx& c, const Report& r, std::string& out) {
    if (!r.facts.empty()) {
        section(out, c.st, "FACTS USED");
        fact_lines(c, r.facts, out);
    }
    if (!r.also_checked.empty()) {
        section(out, c.st, "ALSO CHECKED");
        fact_lines(c, r.also_checked, out);
    }
}

void diagnostics_section(const Ctx& c, const Report& r, std::string& out) {
    if (r.skipped.empty() && r.diagnostics.empty()) return;
    section(out, c.st, "SKIPPED AND DIAGNOSTICS");
    for (const auto& s : r.skipped) {
        std::string text = "rule " + s.rule + " skipped: " + s.reason;
        if (s.where.known()) text += " (" + s.where.to_string() + ")";
        out += c.st.warn(c.para(text, "  - ", "    "));
    }
    for (const auto& d : r.diagnostics.items()) {
        if (d.severity == Severity::note && !c.verbose) continue;
        std::string text = format_diagnostic(d, false);
        // Keep the first line (location, severity, code, message); snippets only when verbose.
        if (!c.verbose) {
            auto nl = text.find('\n');
            if (nl != std::string::npos) text.resize(nl);
        }
        std::string wrapped = c.para(text, "  - ", "    ");
        out += d.severity == Severity::error ? c.st.bad(wrapped) : c.st.warn(wrapped);
    }
}

void collectors_section(const Ctx& c, const Report& r, std::string& out) {
    if (r.collectors.empty()) return;
    section(out, c.st, "COLLECTORS");
    for (const auto& col : r.collectors) {
        std::string text = fmt::format("{:<20} {:<8} {:>6} ms", col.id, to_string(col.status), col.duration_ms);
        if (!col.message.empty()) text += "  " + col.message;
        std::string wrapped = c.para(text, "  ", "                                      ");
        out += col.status == CollectorStatus::ok || col.status == CollectorStatus::skipped ? wrapped
                                                                                           : c.st.warn(wrapped);
    }
}

void article_section(const Ctx& c, const Report& r, std::string& out) {
    if (r.article_notes.empty() && r.cause_article_differs.empty()) return;
    if (!c.verbose) {
        out += '\n';
        out += c.st.dim(c.para(fmt::format("The knowledge base notes where the original article differs from its "
                                           "sources ({} notes): --verbose shows them.",
                                           r.cause_article_differs.size() + (r.article_notes.empty() ? 0 : 1)),
                               "", ""));
        return;
    }
    section(out, c.st, "WHERE THE ORIGINAL ARTICLE DIFFERS");
    if (!r.article_notes.empty()) out += c.para(r.article_notes, "  ", "  ");
    for (const auto& line : r.cause_article_differs) out += c.para(line, "  - ", "    ");
}

}  // namespace

std::string render_text(const Report& r, const TextOptions& options) {
    Ctx c;
    c.w = std::max(40, options.width);
    c.st = Style{options.color};
    c.verbose = options.verbose;
    const Summary s = summarize(r);

    std::string out = header(c, r);
    out += '\n';
    const int budget = screen_lines - line_count(out);
    out += r.is_triage ? triage_summary(c, r, s, budget) : diagnosis_summary(c, r, s, budget);
    out += '\n';
    out += context(c, r);

    if (r.is_triage) {
        triage_section(c, r, out);
    } else {
        causes_section(c, r, out);
        if (!r.near_misses.empty()) {
            section(out, c.st, "WOULD CHANGE IF YOU KNEW");
            if (c.verbose) near_misses_verbose(c, r, out);
            else near_misses_plain(c, r, out);
        }
        plan_section(c, r, out);
        questions_section(c, r, s, out);
    }
    facts_section(c, r, out);
    diagnostics_section(c, r, out);
    collectors_section(c, r, out);
    article_section(c, r, out);
    return out;
}

}  // namespace kbdiag
