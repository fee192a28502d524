// summarize(): the report's first screen - the likeliest causes, the first fix with its steps and the single most
// valuable next check - in plain words; escape_controls(): what keeps hostile text from driving the terminal.
#include <algorithm>
#include <cctype>
#include <cstdint>

#include <fmt/format.h>

#include "engine/core/text.hpp"
#include "engine/report/report.hpp"

namespace kbdiag {

namespace {

constexpr std::size_t summary_causes = 3;
constexpr double negligible_probability = 0.01;   // below this a cause is not worth a summary line

// ---- the next check ---------------------------------------------------------------------------------------

// Characters a shell (sh, cmd, PowerShell) takes literally, so a server or share name made of them can go into
// a command to copy and paste without quoting. Anything else (a space, `;`, `$(...)`) becomes a placeholder.
bool shell_safe(const std::string& s, const std::string& extra) {
    if (s.empty() || s.size() > 253 || s.front() == '-') return false;
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
               c == '_' || extra.find(c) != std::string::npos;
    });
}

// The error as the user typed it, when it can stand unquoted in a command ("0x963", "1326", "963h").
std::string error_argument(const Report& r) {
    return shell_safe(r.error_as_typed, "") ? " --error " + r.error_as_typed : std::string();
}

// \\server\share on Windows, //server/share for a Linux client (mount.cifs spelling; no shell quoting needed).
std::string share_path(const Report& r, const std::string& server, const std::string& share) {
    if (r.problem_platform == "linux") return "//" + server + "/" + share;
    return "\\\\" + server + "\\" + share;
}

bool collector_ran(const Report& r, const std::string& id) {
    return std::any_of(r.collectors.begin(), r.collectors.end(), [&](const CollectorReport& c) {
        return c.id == id && (c.status == CollectorStatus::ok || c.status == CollectorStatus::partial);
    });
}

// The command that runs `collector`, filled in with what the facts know; and what it does, in plain words.
struct CollectCommand {
    std::string command;
    std::string what;
};

CollectCommand collect_command(const Report& r, const std::string& collector) {
    const bool server_known = shell_safe(r.target_server, "[]:");
    const bool share_known = shell_safe(r.target_share, "$");
    const std::string base = "kbdiag collect" + error_argument(r);
    if (collector == "probe.smb" || collector == "target") {
        if (collector == "probe.smb" && server_known && !share_known)
            return {base + " --server " + r.target_server, "Let kbdiag ask the server itself"};
        const std::string server = server_known ? r.target_server : "SERVER";
        const std::string share = share_known ? r.target_share : "SHARE";
        std::string what = collector == "probe.smb" ? "Let kbdiag ask the server itself"
                                                    : "Tell kbdiag which share fails";
        if (!server_known || !share_known) what += " (put in the share the user opened)";
        return {base + " --target " + share_path(r, server, share), what};
    }
    return {base, "Let kbdiag read the settings of the computer that shows the error (run it there)"};
}

// How to find out `fact`: see how_to_find_out(). `q`, when given, supplies what the report's fact_info lacks.
NextCheck find_out(const Report& r, const std::string& fact, const Question* q) {
    auto info = r.fact_info.find(fact);
    const bool has_info = info != r.fact_info.end();
    std::string collector = has_info ? info->second.collector : std::string();
    if (collector.empty() && q) collector = q->collector;
    NextCheck check;
    if (collector == "manual" && fact == "error.code") {
        check.kind = "error";
        check.command = "kbdiag infer --error CODE";
        check.text = "Which error code or message does the user see? Run `" + check.command + "` with it.";
        check.cost_minutes = 1;
        return check;
    }
    // Facts a collector can get are not asked of a person - unless that collector already ran and could not tell.
    if (!collector.empty() && collector != "manual" && !collector_ran(r, collector)) {
        const CollectCommand cc = collect_command(r, collector);
        check.kind = "collect";
        check.command = cc.command;
        check.text = cc.what + " - run this, then `kbdiag infer` again:";
        check.cost_minutes = 2;
        return check;
    }
    // Plain words only: the knowledge's own question, never the ranker's "What is fact.id? ..." stand-in.
    std::string question = has_info ? info->second.question : std::string();
    if (question.empty() && q && q->question.find(fact) == std::string::npos) question = q->question;
    if (question.empty()) return check;
    check.kind = "question";
    check.text = question;
    check.cost_minutes = has_info ? info->second.ask_cost_minutes : 0.0;
    return check;
}

std::string minutes(double m) { return m < 1.5 ? std::string("1 min") : fmt::format("{:.0f} min", m); }

// The checks worth doing, most valuable first, each way of finding out once (one collector run answers many).
std::vector<NextCheck> checks_for(const Report& r) {
    std::vector<NextCheck> out;
    for (const auto& q : r.ranking.questions) {
        NextCheck check = find_out(r, q.fact, &q);
        if (check.kind.empty()) continue;
        const bool seen = std::any_of(out.begin(), out.end(), [&](const NextCheck& c) {
            return c.text == check.text && c.command == check.command;
        });
        if (seen) continue;
        check.minutes_saved = std::max(q.value, 0.0);
        check.before_fix = q.value > 1e-6;   // knowing it lowers the expected work: some answer changes the plan
        check.why = check.before_fix
                        ? fmt::format("knowing it can change the plan; saves about {} of work on average",
                                      minutes(q.value))
                        : std::string("narrows down the cause; the plan stays the same either way");
        out.push_back(std::move(check));
    }
    return out;
}

// ---- the two kinds of summary -----------------------------------------------------------------------------

SummaryFix summary_fix(const PlannedFix& fx, std::size_t more) {
    SummaryFix f;
    f.id = fx.id;
    f.title = fx.title.empty() ? fx.id : fx.title;
    f.cost_minutes = fx.cost_minutes;
    f.p_success = fx.p_success;
    f.risk = to_string(fx.risk);
    for (const auto& s : fx.steps) f.steps.push_back(s.condition.empty() ? s.text : "(" + s.condition + ") " + s.text);
    f.verify = fx.verify;
    f.more_fixes = more;
    return f;
}

Summary diagnosis_summary(const Report& r) {
    Summary s;
    for (const auto& c : r.ranking.causes) {
        if (s.causes.size() == summary_causes) break;
        if (!s.causes.empty() && c.probability < negligible_probability) break;
        SummaryCause sc;
        sc.id = c.id;
        sc.title = c.title.empty() ? c.id : c.title;
        sc.probability = c.probability;
        s.causes.push_back(std::move(sc));
    }
    if (!r.ranking.plan.empty()) {
        s.has_fix = true;
        s.first_fix = summary_fix(r.ranking.plan.front(), r.ranking.plan.size() - 1);
    }
    s.checks = checks_for(r);
    if (!s.checks.empty()) s.next_check = s.checks.front();
    return s;
}

// The first command quoted with backticks in `text`, if any.
std::string quoted_command(const std::string& text) {
    const auto open = text.find('`');
    if (open == std::string::npos) return {};
    const auto close = text.find('`', open + 1);
    return close == std::string::npos ? std::string() : text.substr(open + 1, close - open - 1);
}

Summary triage_summary(const Report& r) {
    Summary s;
    s.triage = true;
    for (const auto& e : r.triage.entries) {
        if (s.causes.size() == summary_causes) break;
        SummaryCause sc;
        sc.id = e.cause_id;
        sc.title = e.cause_title.empty() ? e.cause_id : e.cause_title;
        sc.probability = e.probability;
        sc.problem_id = e.problem_id;
        sc.problem_title = e.problem_title.empty() ? e.problem_id : e.problem_title;
        if (!e.codes.empty()) sc.code = e.codes.front();
        std::vector<std::string> reasons;
        for (std::size_t k = 0; k < std::min<std::size_t>(2, e.evidence.size()); ++k)
            reasons.push_back(without_weights(e.evidence[k]));
        sc.why = fmt::format("{}", fmt::join(reasons, "; "));
        sc.first_fix = e.first_fix;
        s.causes.push_back(std::move(sc));
    }
    s.next_steps = r.triage.next_steps;
    NextCheck& check = s.next_check;
    check.kind = "error";
    check.why = "the error code picks the problem, and the diagnosis is then about that error alone";
    check.cost_minutes = 1;
    check.before_fix = true;
    if (!r.triage.next_steps.empty()) {
        check.text = r.triage.next_steps.front();
        check.command = quoted_command(check.text);
    } else {
        check.command = "kbdiag infer --error CODE";
        check.text = "Ask which error code or message the user sees, then run `" + check.command + "`.";
    }
    return s;
}

// ---- rule titles in plain words ----------------------------------------------------------------------

// "stale story needs it: LR 4" -> "stale story needs it"; "LR 4" -> "".
std::string without_trailing_lr(std::string seg) {
    const auto lr = seg.rfind("LR ");
    if (lr == std::string::npos || (lr > 0 && seg[lr - 1] != ' ')) return seg;
    if (seg.find_first_not_of("0123456789.-", lr + 3) != std::string::npos) return seg;
    seg.resize(lr);
    while (!seg.empty() && (seg.back() == ' ' || seg.back() == ':' || seg.back() == ',')) seg.pop_back();
    return seg;
}

// Whether `words` (before a number) name a product or counter rather than a cause ("Windows 10", "DSM 7").
bool names_a_version(const std::string& words) {
    static const char* const names[] = {"windows", "server", "smb", "dsm", "samba", "qts", "build", "level",
                                        "port", "version", "kernel", "firmware", "error", "event", "tls", "ntlm"};
    std::string first;
    for (char ch : words) {
        if (ch == ' ' || ch == ':') break;
        first += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return first == n; });
}

// "LR 40", "0.15", "stale 4", "refuses it: 2", "account causes 0.05-0.1", "guest 0.15, guest+signing 0.5".
bool is_weight(const std::string& segment) {
    std::size_t start = 0;
    bool any = false;
    while (start <= segment.size()) {
        std::size_t comma = segment.find(',', start);
        if (comma == std::string::npos) comma = segment.size();
        std::string part = segment.substr(start, comma - start);
        while (!part.empty() && part.back() == ' ') part.pop_back();
        const auto digits = part.find_last_not_of("0123456789.-");
        const std::string number = digits == std::string::npos ? part : part.substr(digits + 1);
        if (number.empty() || !std::isdigit(static_cast<unsigned char>(number.front()))) return false;
        double value = 0;
        try {
            value = std::stod(number);
        } catch (const std::exception&) {
            return false;
        }
        if (value > 100) return false;   // a year or a build number, not a weight
        const std::string words = digits == std::string::npos ? std::string() : part.substr(0, digits + 1);
        if (words.find_first_of("()") != std::string::npos || words.size() > 24) return false;
        if (!words.empty() && words.back() != ' ' && words.back() != ':') return false;
        if (names_a_version(words)) return false;   // "Windows 10", "SMB 3", "event 4625"
        any = true;
        start = comma + 1;
    }
    return any;
}

}  // namespace

Summary summarize(const Report& r) { return r.is_triage ? triage_summary(r) : diagnosis_summary(r); }

// A rule title without the weights and source tags knowledge authors write into it: "... wrong (LR 8) [S40]"
// reads "... wrong". A parenthesis holding any weight ("stale 4", "0.05", "LR 3") is an annotation and goes whole
// ("(stale story needs it: LR 4; no change: 0.25)"); other parentheses stay ("(Windows 11 24H2)", "(60% or surer)").
std::string without_weights(const std::string& title) {
    std::string out;
    for (std::size_t i = 0; i < title.size();) {
        const char ch = title[i];
        if (ch == '[') {   // [S40], [A1], [L3]: source tags
            std::size_t j = i + 1;
            while (j < title.size() && std::isalnum(static_cast<unsigned char>(title[j]))) ++j;
            if (j < title.size() && title[j] == ']' && j > i + 2 &&
                std::isupper(static_cast<unsigned char>(title[i + 1]))) {
                i = j + 1;
                continue;
            }
        }
        if (ch == '(') {
            const std::size_t close = title.find(')', i);
            if (close != std::string::npos && title.find('(', i + 1) > close) {
                std::vector<std::string> kept;
                std::string seg;
                bool annotated = false;   // any weight inside: the whole parenthesis is the author's annotation
                for (std::size_t k = i + 1; k <= close; ++k) {
                    if (k == close || title[k] == ';') {
                        const auto first = seg.find_first_not_of(' ');
                        seg = first == std::string::npos ? std::string() : seg.substr(first);
                        const std::string bare = without_trailing_lr(seg);
                        if (bare != seg || is_weight(bare)) annotated = true;
                        if (!bare.empty()) kept.push_back(bare);
                        seg.clear();
                    } else {
                        seg += title[k];
                    }
                }
                if (!annotated && !kept.empty()) out += fmt::format("({})", fmt::join(kept, "; "));
                i = close + 1;
                continue;
            }
        }
        out += ch;
        ++i;
    }
    // Tidy the spaces and punctuation the removals leave.
    std::string tidy;
    for (char ch : out) {
        if (ch == ' ' && (tidy.empty() || tidy.back() == ' ')) continue;
        if ((ch == ';' || ch == ',' || ch == ':' || ch == '.') && !tidy.empty() && tidy.back() == ' ') tidy.pop_back();
        tidy += ch;
    }
    while (!tidy.empty() && (tidy.back() == ' ' || tidy.back() == ';')) tidy.pop_back();
    return tidy.empty() ? title : tidy;
}

NextCheck how_to_find_out(const Report& r, const std::string& fact) { return find_out(r, fact, nullptr); }

namespace {

nlohmann::json check_json(const NextCheck& c) {
    return nlohmann::json{{"kind", c.kind},
                          {"text", c.text},
                          {"command", c.command},
                          {"why", c.why},
                          {"minutes_saved", round_to(c.minutes_saved, 4)},
                          {"cost_minutes", round_to(c.cost_minutes, 4)},
                          {"before_fix", c.before_fix}};
}

}  // namespace

nlohmann::json summary_to_json(const Summary& s) {
    nlohmann::json causes = nlohmann::json::array();
    for (const auto& c : s.causes) {
        nlohmann::json jc{{"id", c.id}, {"title", c.title}, {"probability", round_to(c.probability, 4)}};
        if (s.triage) {
            jc["problem_id"] = c.problem_id;
            jc["problem_title"] = c.problem_title;
            jc["code"] = c.code;
            jc["why"] = c.why;
            jc["first_fix"] = c.first_fix;
        }
        causes.push_back(std::move(jc));
    }
    nlohmann::json j{{"triage", s.triage}, {"causes", causes}, {"next_check", check_json(s.next_check)}};
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : s.checks) checks.push_back(check_json(c));
    j["checks"] = checks;
    j["next_steps"] = s.next_steps;
    if (s.has_fix) {
        const SummaryFix& f = s.first_fix;
        j["first_fix"] = nlohmann::json{{"id", f.id},
                                        {"title", f.title},
                                        {"cost_minutes", round_to(f.cost_minutes, 4)},
                                        {"p_success", round_to(f.p_success, 4)},
                                        {"risk", f.risk},
                                        {"steps", f.steps},
                                        {"verify", f.verify},
                                        {"more_fixes", f.more_fixes}};
    } else {
        j["first_fix"] = nullptr;
    }
    return j;
}

void add_summary_context(const ReportInput& in, Report& r) {
    if (in.problem) r.problem_platform = to_string(in.problem->platform);
    if (in.result) {
        auto text_fact = [&](const char* name) {
            const FactValue* v = in.result->facts().value(name);
            return v && v->is_string() ? v->as_string() : std::string();
        };
        r.target_server = text_fact("target.server");
        r.target_share = text_fact("target.share");
    }
    if (!in.kb) return;
    std::vector<std::string> names;
    for (const auto& q : r.ranking.questions) names.push_back(q.fact);
    for (const auto& nm : r.near_misses) names.insert(names.end(), nm.missing_facts.begin(), nm.missing_facts.end());
    for (const auto& name : names) {
        const FactDef* def = in.kb->fact(name);
        if (!def) continue;
        ReportFactInfo info;
        info.question = def->question;
        if (!def->provided_by.empty()) info.collector = def->provided_by.front();
        info.meaning = def->meaning;
        info.ask_cost_minutes = def->ask_cost_minutes;
        r.fact_info[name] = std::move(info);
    }
}

std::string escape_controls(const std::string& text) { return text::escape_controls(text); }

}  // namespace kbdiag
