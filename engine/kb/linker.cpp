// Linker stage: every cross-item check and the indexes. See builder.hpp.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/kb/builder.hpp"

namespace kbdiag {

namespace {

// Scenario values "(absent)" and "(failed)" stand for those states, not for values.
bool is_state_marker(const FactValue& v) {
    return v.is_string() && (v.as_string() == "(absent)" || v.as_string() == "(failed)");
}

// mount.cifs's "mount error(13)" / "mount error 13" / "mount error (13)", written as the problems list it.
void mount_error_tokens(const std::string& text, std::vector<std::string>& out) {
    static const std::string prefix = "mount error";
    for (std::size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
        std::size_t i = at + prefix.size();
        while (i < text.size() && (text[i] == ' ' || text[i] == '(')) ++i;
        const std::size_t digits = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (i > digits) out.push_back(fmt::format("mount error({})", text.substr(digits, i - digits)));
    }
}

// Words of a cause text that can only be error codes: hex numbers (0x963), decimals of two digits or more that are
// not part of a version number (1272, but not 4.13 or 3.1.1), upper-case symbols (ERROR_LOGON_FAILURE,
// STATUS_ACCESS_DENIED, EACCES) and mount.cifs's "mount error(13)". Single digits are left out: "level 5" is not
// error 5.
std::vector<std::string> code_like_tokens(const std::string& text) {
    std::vector<std::string> out;
    mount_error_tokens(text, out);
    auto word_char = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '.'; };
    for (std::size_t i = 0; i < text.size();) {
        if (!word_char(text[i])) { ++i; continue; }
        std::size_t j = i;
        while (j < text.size() && word_char(text[j])) ++j;
        std::string word = text.substr(i, j - i);
        i = j;
        while (!word.empty() && word.back() == '.') word.pop_back();      // a full stop after the code
        if (word.empty() || word.find('.') != std::string::npos) continue; // a version number
        bool hex = word.size() > 3 && word[0] == '0' && (word[1] == 'x' || word[1] == 'X');
        bool decimal = word.size() >= 2 && std::all_of(word.begin(), word.end(), [](char ch) {
                           return std::isdigit(static_cast<unsigned char>(ch));
                       });
        bool symbol = word.size() >= 4 && std::isupper(static_cast<unsigned char>(word[0])) &&
                      std::all_of(word.begin(), word.end(), [](char ch) {
                          return std::isupper(static_cast<unsigned char>(ch)) ||
                                 std::isdigit(static_cast<unsigned char>(ch)) || ch == '_';
                      });
        if (hex || decimal || symbol) out.push_back(word);
    }
    return out;
}

class Linker {
public:
    Linker(KnowledgeBase& kb, Diagnostics& d, const std::set<std::string>& failed) : kb_(kb), d_(d), failed_(failed) {}

    void run() {
        link_problems();
        link_causes();
        link_fixes();
        link_rules();
        order_rules();
        link_scenarios();
        check_references();
        check_unused();
        check_unread_collected();
        check_cause_codes();
        build_indexes();
    }

private:
    KnowledgeBase& kb_;
    Diagnostics& d_;
    const std::set<std::string>& failed_;
    std::set<std::string> cited_refs_;
    std::set<std::string> used_facts_;

    // A reference to a missing item (KB006): an error, unless the item is there but failed to load. Then its own
    // error is the root cause and this one only a note, so one mistake shows as one error.
    void dangling(const char* kind, const std::string& id, const std::string& message, const SourceLocation& where) {
        if (failed_.count(std::string(kind) + ":" + id))
            d_.note(codes::kb_dangling_ref, fmt::format("{} (it did not load: see the error there)", message), where);
        else
            d_.error(codes::kb_dangling_ref, message, where);
    }

    // "no cause 'x'" / "no fix 'x'" (KB006), with the close ids when the name looks like a typo.
    std::string no_cause(const std::string& id) const {
        return fmt::format("no cause '{}'{}", id, suggest::did_you_mean_key(id, kb_.causes));
    }
    std::string no_fix(const std::string& id) const {
        return fmt::format("no fix '{}'{}", id, suggest::did_you_mean_key(id, kb_.fixes));
    }

    // --- facts and conditions ----------------------------------------------------------------------------

    const FactDef* need_fact(const std::string& name, const SourceLocation& where, const std::string& context) {
        used_facts_.insert(name);
        const FactDef* f = kb_.fact(name);
        if (!f && failed_.count("fact:" + name))
            d_.note(codes::kb_unknown_fact,
                    fmt::format("{}: fact '{}' did not load (see the error there)", context, name), where);
        else if (!f)
            d_.error(codes::kb_unknown_fact,
                     fmt::format("{}: unknown fact '{}' (not in the catalog{})", context, name,
                                 suggest::not_in_catalog_hint(name, kb_.facts)),
                     where);
        return f;
    }

    bool coerce_literal(FactValue& value, const FactDef& def, CompareOp op, const SourceLocation& where,
                        const std::string& context) {
        FactType type = def.type;
        if (op == CompareOp::contains) type = FactType::string;   // an element of a list, or a substring
        if (type == FactType::records || type == FactType::string_list) {
            if (op != CompareOp::contains) {
                d_.error(codes::kb_wrong_type,
                         fmt::format("{}: '{}' is a {}; compare it with 'contains' or 'exists', or in a script",
                                     context, def.id, to_string(def.type)),
                         where);
                return false;
            }
        }
        auto r = coerce(value, type, def.values, def.fields);
        if (!r.value) {
            d_.error(codes::kb_wrong_type, fmt::format("{}: value for '{}': {}", context, def.id, r.error), where);
            return false;
        }
        value = std::move(*r.value);
        return true;
    }

    bool link_condition(Condition& c, const std::string& context) {
        if (c.kind != Condition::Kind::compare) {
            bool ok = true;
            for (auto& child : c.children) ok = link_condition(child, context) && ok;
            return ok;
        }
        const FactDef* left = need_fact(c.fact, c.where, context);
        if (!left) return false;
        if (!c.operand.fact.empty()) {
            const FactDef* right = need_fact(c.operand.fact, c.where, context);
            return right != nullptr;
        }
        if (c.op == CompareOp::exists) return true;
        bool ok = true;
        for (auto& v : c.operand.set) ok = coerce_literal(v, *left, c.op, c.where, context) && ok;
        if (c.operand.literal) ok = coerce_literal(*c.operand.literal, *left, c.op, c.where, context) && ok;
        return ok;
    }

    void cite(const std::vector<std::string>& refs) { cited_refs_.insert(refs.begin(), refs.end()); }

    // --- problems ------------------------------------------------------------------------------------------

    void link_problems() {
        for (auto& [id, p] : kb_.problems) {
            cite(p.references);
            double sum = 0;
            std::set<std::string> seen;
            for (const auto& link : p.causes) {
                if (!kb_.cause(link.cause))
                    dangling("cause", link.cause, fmt::format("problem '{}': {}", id, no_cause(link.cause)),
                             link.where);
                if (!seen.insert(link.cause).second)
                    d_.error(codes::kb_duplicate_id, fmt::format("problem '{}' lists cause '{}' twice", id, link.cause),
                             link.where);
                if (link.prior <= 0 || link.prior >= 1)
                    d_.error(codes::kb_priors,
                             fmt::format("problem '{}': the prior of '{}' is {} but must be in (0, 1)", id, link.cause,
                                         link.prior),
                             link.where);
                sum += link.prior;
            }
            check_priors(p, sum);
            index_codes(p);
        }
    }

    void check_priors(Problem& p, double sum) {
        if (p.other_prior < 0) {   // not given: "other" takes what the causes leave
            if (sum >= 1.0 - 1e-9)
                d_.error(codes::kb_priors,
                         fmt::format("problem '{}': the causes' priors add up to {:.3f}, leaving no room for 'other'",
                                     p.id, sum),
                         p.where);
            p.other_prior = std::max(0.0, 1.0 - sum);
            return;
        }
        if (p.other_prior <= 0)
            d_.error(codes::kb_priors,
                     fmt::format("problem '{}': 'other' must be above 0: no knowledge base is complete", p.id),
                     p.where);
        if (std::fabs(sum + p.other_prior - 1.0) > 1e-3)
            d_.error(codes::kb_priors,
                     fmt::format("problem '{}': priors add up to {:.3f} with 'other' ({:.3f}); they must add up to 1",
                                 p.id, sum + p.other_prior, p.other_prior),
                     p.where);
    }

    void index_codes(const Problem& p) {
        for (const auto& code : p.codes) {
            auto key = normalise_error_code(code);
            auto [it, inserted] = kb_.code_index.emplace(key, p.id);
            if (!inserted && it->second != p.id)
                d_.error(codes::kb_duplicate_code,
                         fmt::format("problem '{}': code '{}' already belongs to problem '{}'", p.id, code, it->second),
                         p.where);
        }
    }

    // --- causes and fixes ----------------------------------------------------------------------------------

    void link_causes() {
        for (auto& [id, c] : kb_.causes) {
            cite(c.references);
            std::string context = fmt::format("cause '{}'", id);
            if (c.applies_to && !link_condition(*c.applies_to, context)) c.applies_to.reset();
            for (const auto& link : c.fixes) {
                if (!kb_.fix(link.fix))
                    dangling("fix", link.fix, fmt::format("cause '{}': {}", id, no_fix(link.fix)), link.where);
                used_fixes_.insert(link.fix);
            }
        }
    }
    std::set<std::string> used_fixes_;

    void link_fixes() {
        for (auto& [id, f] : kb_.fixes) {
            cite(f.references);
            std::string context = fmt::format("fix '{}'", id);
            for (auto& step : f.steps)
                if (step.when && !link_condition(*step.when, context)) step.when.reset();
        }
    }

    // --- rules ---------------------------------------------------------------------------------------------

    bool link_rule(RuleDecl& r) {
        std::string context = fmt::format("rule '{}'", r.id);
        bool ok = !r.when || link_condition(*r.when, context);
        for (const auto& name : r.required) ok = need_fact(name, r.where, context) && ok;
        for (const auto& name : r.reads) ok = need_fact(name, r.where, context) && ok;
        for (const auto& name : r.derives) ok = need_fact(name, r.where, context) && ok;
        for (const auto& cause : r.causes)
            if (!kb_.cause(cause)) {
                dangling("cause", cause, fmt::format("{}: {}", context, no_cause(cause)), r.where);
                ok = false;
            }
        for (auto& [fact, value] : r.derive) {
            const FactDef* def = kb_.fact(fact);
            if (!def) continue;
            auto c = coerce(value, def->type, def->values, def->fields);
            if (!c.value) {
                d_.error(codes::kb_wrong_type, fmt::format("{}: derived value for '{}': {}", context, fact, c.error),
                         r.where);
                ok = false;
            } else {
                value = *c.value;
            }
        }
        return link_script(r, context) && ok;
    }

    bool link_script(RuleDecl& r, const std::string& context) {
        if (!r.script) return true;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(r.script->resolved, ec)) {
            d_.error(codes::kb_dangling_ref, fmt::format("{}: script file '{}' not found", context, r.script->resolved),
                     r.where);
            return false;
        }
        if (r.causes.empty() && r.derives.empty())
            d_.warning(codes::kb_unused,
                       fmt::format("{}: the script may neither give evidence ('causes') nor derive facts ('derives')",
                                   context),
                       r.where);
        return true;
    }

    void link_rules() {
        std::vector<RuleDecl> kept;
        for (auto& r : kb_.rules) {
            if (link_rule(r)) kept.push_back(std::move(r));
        }
        kb_.rules = std::move(kept);
        std::set<std::string> files;
        for (const auto& r : kb_.rules)
            if (r.script) files.insert(r.script->resolved);
        kb_.script_files.assign(files.begin(), files.end());
    }

    // Derivations run before the rules that read what they derive (Kahn's algorithm, stable in file order).
    void order_rules() {
        const auto n = kb_.rules.size();
        std::map<std::string, std::vector<std::size_t>> derivers;
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& f : kb_.rules[i].derives) derivers[f].push_back(i);
        std::vector<std::set<std::size_t>> after(n);   // after[i]: rules that must run before i
        for (std::size_t i = 0; i < n; ++i)
            for (const auto& f : kb_.rules[i].inputs())
                for (auto j : derivers[f])
                    if (j != i) after[i].insert(j);
        std::vector<bool> done(n, false);
        std::vector<RuleDecl> ordered;
        for (bool progress = true; progress && ordered.size() < n;) {
            progress = false;
            for (std::size_t i = 0; i < n; ++i) {
                if (done[i]) continue;
                bool ready = std::all_of(after[i].begin(), after[i].end(), [&](std::size_t j) { return done[j]; });
                if (!ready) continue;
                done[i] = true;
                progress = true;
                ordered.push_back(kb_.rules[i]);
            }
        }
        for (std::size_t i = 0; i < n; ++i)
            if (!done[i])
                d_.error(codes::kb_rule_cycle,
                         fmt::format("rule '{}' is part of a cycle: it reads facts that depend on its own derivations",
                                     kb_.rules[i].id),
                         kb_.rules[i].where);
        kb_.rules = std::move(ordered);
    }

    // --- scenarios -------------------------------------------------------------------------------------------

    void link_scenarios() {
        for (auto& s : kb_.scenarios) {
            std::string context = fmt::format("scenario '{}'", s.id);
            const Problem* p = kb_.find_problem_by_code(s.error);
            if (!p)
                d_.error(codes::kb_dangling_ref, fmt::format("{}: error '{}' matches no problem", context, s.error),
                         s.where);
            for (auto& [name, value] : s.facts) {
                auto where = s.fact_where.count(name) ? s.fact_where[name] : s.where;
                const FactDef* def = need_fact(name, where, context);
                if (!def || is_state_marker(value)) continue;
                auto c = coerce(value, def->type, def->values, def->fields);
                if (!c.value)
                    d_.error(codes::kb_wrong_type, fmt::format("{}: fact '{}': {}", context, name, c.error), where);
                else value = *c.value;
            }
            auto check_cause = [&](const std::string& cause) {
                if (!cause.empty() && cause != "other" && !kb_.cause(cause))
                    dangling("cause", cause, fmt::format("{}: {}", context, no_cause(cause)), s.where);
            };
            check_cause(s.expect.top);
            for (const auto& c : s.expect.not_top) check_cause(c);
            for (const auto& c : s.expect.order) check_cause(c);
            for (const auto& f : s.expect.fixes)
                if (!kb_.fix(f) && f != "escalate")
                    dangling("fix", f, fmt::format("{}: {}", context, no_fix(f)), s.where);
            if (!s.expect.first_fix.empty() && !kb_.fix(s.expect.first_fix) && s.expect.first_fix != "escalate")
                dangling("fix", s.expect.first_fix, fmt::format("{}: {}", context, no_fix(s.expect.first_fix)),
                         s.where);
        }
    }

    // --- whole-KB checks -------------------------------------------------------------------------------------

    void check_references() {
        for (auto& [id, f] : kb_.facts) cite(f.references);
        for (auto& w : kb_.windows_releases) cite(w.references);
        for (auto& [id, v] : kb_.vendors) cite(v.references);
        for (const auto& ref : cited_refs_)
            if (!kb_.references.count(ref))
                d_.error(codes::kb_dangling_ref, fmt::format("reference '{}' is cited but not defined", ref),
                         first_citation(ref));
    }

    SourceLocation first_citation(const std::string& ref) const {
        auto has = [&](const std::vector<std::string>& refs) {
            return std::find(refs.begin(), refs.end(), ref) != refs.end();
        };
        for (const auto& [id, c] : kb_.causes) if (has(c.references)) return c.where;
        for (const auto& [id, f] : kb_.fixes) if (has(f.references)) return f.where;
        for (const auto& [id, p] : kb_.problems) if (has(p.references)) return p.where;
        for (const auto& [id, f] : kb_.facts) if (has(f.references)) return f.where;
        for (const auto& w : kb_.windows_releases) if (has(w.references)) return w.where;
        for (const auto& [id, v] : kb_.vendors) if (has(v.references)) return v.where;
        return {};
    }

    // Whether an item of `kind` failed to load: what it referred to is unknown, so "nothing refers to X" may be
    // its consequence, not a mistake of its own.
    bool any_failed(const std::string& kind) const {
        auto it = failed_.lower_bound(kind + ":");
        return it != failed_.end() && it->rfind(kind + ":", 0) == 0;
    }

    // KB015 as a warning, or as a note when an item that could have referred to it failed to load.
    void unused(bool maybe_cascade, const std::string& message, const SourceLocation& where) {
        if (maybe_cascade) d_.note(codes::kb_unused, message + " (an item that failed to load may refer to it)", where);
        else d_.warning(codes::kb_unused, message, where);
    }

    void check_unused() {
        for (const auto& [id, f] : kb_.fixes)
            if (!used_fixes_.count(id))
                unused(any_failed("cause"), fmt::format("fix '{}' is not linked from any cause", id), f.where);
        std::set<std::string> derived;
        for (const auto& r : kb_.rules) derived.insert(r.derives.begin(), r.derives.end());
        for (const auto& [id, f] : kb_.facts)
            if (f.provided_by.empty() && f.question.empty() && !derived.count(id))
                d_.warning(
                    codes::kb_unreachable_fact,
                    fmt::format("fact '{}': no collector provides it, no question asks it and no rule derives it", id),
                    f.where);
        std::set<std::string> in_problems;
        for (const auto& [id, p] : kb_.problems)
            for (const auto& link : p.causes) in_problems.insert(link.cause);
        for (const auto& [id, c] : kb_.causes)
            if (!in_problems.count(id))
                unused(any_failed("problem"), fmt::format("cause '{}' belongs to no problem", id), c.where);
    }

    // Every fact a rule, a cause's applies_to or a fix step's condition reads.
    std::set<std::string> facts_read_by_knowledge() const {
        std::set<std::string> read;
        for (const auto& r : kb_.rules) {
            const auto inputs = r.inputs();
            read.insert(inputs.begin(), inputs.end());
        }
        auto add = [&read](const std::optional<Condition>& c) {
            if (!c) return;
            for (const auto& name : c->facts()) read.insert(name);
        };
        for (const auto& [id, c] : kb_.causes) add(c.applies_to);
        for (const auto& [id, f] : kb_.fixes)
            for (const auto& step : f.steps) add(step.when);
        return read;
    }

    // Collecting what nothing reads costs time on the technician's machine and widens what kbdiag touches: a
    // collected fact is read by the knowledge, shown by the report (`in_report: true`), or its `context:` says which
    // part of kbdiag reads it (the session, the summary, the probe's own derivations); else it should be dropped.
    void check_unread_collected() {
        const auto read = facts_read_by_knowledge();
        for (const auto& [id, f] : kb_.facts)
            if (!f.provided_by.empty() && f.context.empty() && !f.in_report && !read.count(id))
                d_.warning(codes::kb_unread_fact,
                           fmt::format("fact '{}' is collected ({}) but no rule, applies_to or fix step reads it: read "
                                       "it in a rule, show it in the report (`in_report: true`), say in `context:` "
                                       "which part of kbdiag reads it, or stop collecting it",
                                       id, fmt::join(f.provided_by, ", ")),
                           f.where);
    }

    // A cause whose title or explanation names an error code (0x80070035, 1272, STATUS_ACCESS_DENIED, EACCES)
    // says it surfaces as that error: the code's problem should list it, or the text should not claim it.
    void check_cause_codes() {
        for (const auto& [id, c] : kb_.causes) {
            std::set<std::string> warned;
            for (const auto& token : code_like_tokens(c.title + "\n" + c.explanation)) {
                auto it = kb_.code_index.find(normalise_error_code(token));
                if (it == kb_.code_index.end() || !warned.insert(it->second).second) continue;
                const Problem* p = kb_.problem(it->second);
                if (!p) continue;
                // A named copy: clang before 16 cannot capture a structured binding (Debian 12 has clang 14).
                const std::string& cause_id = id;
                const bool listed = std::any_of(p->causes.begin(), p->causes.end(),
                                                [&](const CauseLink& l) { return l.cause == cause_id; });
                if (!listed)
                    d_.warning(
                        codes::kb_cause_code_unlisted,
                        fmt::format("cause '{}' names error '{}', but problem '{}' does not list it among its causes "
                                    "(add it there with a prior, or reword the text)",
                                    id, token, p->id),
                        c.where);
            }
        }
    }

    void build_indexes() {
        for (std::size_t i = 0; i < kb_.rules.size(); ++i) {
            const auto& r = kb_.rules[i];
            for (const auto& c : r.causes) kb_.rules_by_cause[c].push_back(i);
            for (const auto& f : r.inputs()) kb_.rules_by_fact[f].push_back(i);
            for (const auto& f : r.derives) kb_.rules_deriving[f].push_back(i);
        }
        // Every report lists those it holds (ALSO CHECKED): a few dozen ids, not the whole catalog each time.
        for (const auto& [id, f] : kb_.facts)
            if (f.in_report) kb_.in_report_facts.push_back(id);
    }
};

}  // namespace

void link_knowledge_base(KnowledgeBase& kb, Diagnostics& d, const std::set<std::string>& failed) {
    Linker(kb, d, failed).run();
}

}  // namespace kbdiag
