#include "engine/kb/kb_xref.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "engine/core/suggest.hpp"
#include "engine/core/text.hpp"

namespace kbdiag {

namespace {

std::string lr_text(double lr) {
    if (lr >= 1.0) return fmt::format("×{:g}", lr);
    return fmt::format("÷{:g}", 1.0 / lr);
}

std::string release_key(const WindowsRelease& w) { return std::to_string(w.build) + "/" + w.family; }

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

KbLink link(ItemKind kind, std::string id, std::string relation, std::string detail, SourceLocation where) {
    return KbLink{kind, std::move(id), std::move(relation), std::move(detail), std::move(where)};
}

// The evidence a rule declares for one cause, as a person reads it.
std::string evidence_detail(const RuleDecl& r, const std::string& cause) {
    std::vector<std::string> parts;
    for (const auto& e : r.evidence) {
        if (e.cause != cause) continue;
        std::string s = fmt::format("LR {} when {}", lr_text(e.lr), r.when ? r.when->describe() : "it holds");
        if (e.lr_false) s += fmt::format("; {} when not", lr_text(*e.lr_false));
        parts.push_back(s);
    }
    if (parts.empty())
        return r.script ? fmt::format("the script {}:{} decides", r.script->file, r.script->function) : "";
    return fmt::format("{}", fmt::join(parts, "; "));
}

// Does a condition name `value` for `fact` (eq or in)? Used to find vendor-specific fix steps.
bool names_value(const Condition& c, const std::string& fact, const std::string& value) {
    if (c.kind != Condition::Kind::compare) {
        return std::any_of(c.children.begin(), c.children.end(),
                           [&](const Condition& child) { return names_value(child, fact, value); });
    }
    if (c.fact != fact || (c.op != CompareOp::eq && c.op != CompareOp::in)) return false;
    auto same = [&](const FactValue& v) { return v.is_string() && text::lower(v.as_string()) == text::lower(value); };
    if (c.operand.literal && same(*c.operand.literal)) return true;
    return std::any_of(c.operand.set.begin(), c.operand.set.end(), same);
}

std::optional<ItemKind> kind_from_name(const std::string& name) {
    for (ItemKind k : {ItemKind::problem, ItemKind::cause, ItemKind::fix, ItemKind::fact, ItemKind::rule,
                       ItemKind::reference, ItemKind::vendor, ItemKind::windows_release, ItemKind::scenario})
        if (name == to_string(k)) return k;
    if (name == "release" || name == "windows") return ItemKind::windows_release;
    return std::nullopt;
}

// Citations of a reference by every item kind.
void cited_by(const KnowledgeBase& kb, const std::string& ref, std::vector<KbLink>& out) {
    for (const auto& [id, p] : kb.problems)
        if (has(p.references, ref)) out.push_back(link(ItemKind::problem, id, "cites it", "", p.where));
    for (const auto& [id, c] : kb.causes)
        if (has(c.references, ref)) out.push_back(link(ItemKind::cause, id, "cites it", "", c.where));
    for (const auto& [id, f] : kb.fixes)
        if (has(f.references, ref)) out.push_back(link(ItemKind::fix, id, "cites it", "", f.where));
    for (const auto& [id, f] : kb.facts)
        if (has(f.references, ref)) out.push_back(link(ItemKind::fact, id, "cites it", "", f.where));
    for (const auto& w : kb.windows_releases)
        if (has(w.references, ref))
            out.push_back(link(ItemKind::windows_release, release_key(w), "cites it", w.name, w.where));
    for (const auto& [id, v] : kb.vendors)
        if (has(v.references, ref)) out.push_back(link(ItemKind::vendor, id, "cites it", "", v.where));
}

void cite_links(const KnowledgeBase& kb, const std::vector<std::string>& refs, std::vector<KbLink>& out) {
    for (const auto& ref : refs) {
        auto it = kb.references.find(ref);
        out.push_back(link(ItemKind::reference, ref, "cites",
                           it == kb.references.end() ? "(not defined)" : it->second.title,
                           it == kb.references.end() ? SourceLocation{} : it->second.where));
    }
}

void condition_fact_links(const std::optional<Condition>& c, const std::string& relation, std::vector<KbLink>& out,
                          const KnowledgeBase& kb) {
    if (!c) return;
    for (const auto& f : c->facts()) {
        const FactDef* def = kb.fact(f);
        out.push_back(link(ItemKind::fact, f, relation, c->describe(), def ? def->where : SourceLocation{}));
    }
}

const Scenario* scenario_by_id(const KnowledgeBase& kb, const std::string& id) {
    for (const auto& s : kb.scenarios)
        if (s.id == id) return &s;
    return nullptr;
}

const RuleDecl* rule_by_id(const KnowledgeBase& kb, const std::string& id) {
    for (const auto& r : kb.rules)
        if (r.id == id) return &r;
    return nullptr;
}

std::vector<KbLink> problem_refers_to(const KnowledgeBase& kb, const Problem& p) {
    std::vector<KbLink> out;
    for (const auto& l : p.causes)
        out.push_back(link(ItemKind::cause, l.cause, "lists as a cause", fmt::format("prior {:g}", l.prior), l.where));
    cite_links(kb, p.references, out);
    return out;
}

std::vector<KbLink> cause_refers_to(const KnowledgeBase& kb, const Cause& c) {
    std::vector<KbLink> out;
    for (const auto& l : c.fixes)
        out.push_back(link(ItemKind::fix, l.fix, "is fixed by", fmt::format("works in {:g}% of cases", l.success * 100),
                           l.where));
    condition_fact_links(c.applies_to, "applies when", out, kb);
    cite_links(kb, c.references, out);
    return out;
}

std::vector<KbLink> fix_refers_to(const KnowledgeBase& kb, const Fix& f) {
    std::vector<KbLink> out;
    for (const auto& s : f.steps) condition_fact_links(s.when, "a step depends on", out, kb);
    cite_links(kb, f.references, out);
    return out;
}

std::vector<KbLink> rule_refers_to(const KnowledgeBase& kb, const RuleDecl& r) {
    std::vector<KbLink> out;
    auto fact_where = [&](const std::string& f) {
        const FactDef* d = kb.fact(f);
        return d ? d->where : SourceLocation{};
    };
    for (const auto& f : r.inputs()) out.push_back(link(ItemKind::fact, f, "reads", "", fact_where(f)));
    for (const auto& f : r.derives) {
        auto it = r.derive.find(f);
        out.push_back(link(ItemKind::fact, f, "derives",
                           it == r.derive.end() ? "" : to_display(it->second, FactType::string), fact_where(f)));
    }
    for (const auto& c : r.causes) {
        const Cause* cause = kb.cause(c);
        out.push_back(link(ItemKind::cause, c, "gives evidence about", evidence_detail(r, c),
                           cause ? cause->where : SourceLocation{}));
    }
    return out;
}

std::vector<KbLink> scenario_refers_to(const KnowledgeBase& kb, const Scenario& s) {
    std::vector<KbLink> out;
    if (const Problem* p = kb.find_problem_by_code(s.error))
        out.push_back(link(ItemKind::problem, p->id, "is about", s.error, p->where));
    for (const auto& [f, v] : s.facts)
        out.push_back(link(ItemKind::fact, f, "sets", to_display(v, FactType::string),
                           s.fact_where.count(f) ? s.fact_where.at(f) : s.where));
    if (!s.expect.top.empty()) out.push_back(link(ItemKind::cause, s.expect.top, "expects first", "", s.where));
    for (const auto& c : s.expect.not_top) out.push_back(link(ItemKind::cause, c, "expects not first", "", s.where));
    for (const auto& f : s.expect.fixes) out.push_back(link(ItemKind::fix, f, "expects in the plan", "", s.where));
    if (!s.expect.first_fix.empty())
        out.push_back(link(ItemKind::fix, s.expect.first_fix, "expects as first fix", "", s.where));
    return out;
}

std::vector<KbLink> cause_referred_by(const KnowledgeBase& kb, const std::string& id) {
    std::vector<KbLink> out;
    for (const auto& [pid, p] : kb.problems)
        for (const auto& l : p.causes)
            if (l.cause == id)
                out.push_back(
                    link(ItemKind::problem, pid, "lists it as a cause", fmt::format("prior {:g}", l.prior), l.where));
    for (const RuleDecl* r : rules_for_cause(kb, id))
        out.push_back(link(ItemKind::rule, r->id, "gives evidence about it", evidence_detail(*r, id), r->where));
    for (const auto& s : kb.scenarios) {
        if (s.expect.top == id) out.push_back(link(ItemKind::scenario, s.id, "expects it first", "", s.where));
        if (has(s.expect.not_top, id))
            out.push_back(link(ItemKind::scenario, s.id, "expects it not first", "", s.where));
    }
    return out;
}

std::vector<KbLink> fix_referred_by(const KnowledgeBase& kb, const std::string& id) {
    std::vector<KbLink> out;
    for (const auto& [cid, c] : kb.causes)
        for (const auto& l : c.fixes)
            if (l.fix == id)
                out.push_back(link(ItemKind::cause, cid, "is fixed by it",
                                   fmt::format("works in {:g}% of cases", l.success * 100), l.where));
    for (const auto& s : kb.scenarios)
        if (has(s.expect.fixes, id) || s.expect.first_fix == id)
            out.push_back(link(ItemKind::scenario, s.id, "expects it in the plan", "", s.where));
    return out;
}

std::vector<KbLink> fact_referred_by(const KnowledgeBase& kb, const std::string& id) {
    std::vector<KbLink> out;
    auto add_rules = [&](const std::map<std::string, std::vector<std::size_t>>& index, const char* relation) {
        auto it = index.find(id);
        if (it == index.end()) return;
        for (auto i : it->second) {
            const RuleDecl& r = kb.rules[i];
            out.push_back(link(ItemKind::rule, r.id, relation, r.when ? r.when->describe() : "", r.where));
        }
    };
    add_rules(kb.rules_deriving, "derives it");
    add_rules(kb.rules_by_fact, "reads it");
    for (const auto& [cid, c] : kb.causes)
        if (c.applies_to && has(c.applies_to->facts(), id))
            out.push_back(link(ItemKind::cause, cid, "applies when", c.applies_to->describe(), c.where));
    for (const auto& [fid, f] : kb.fixes)
        for (const auto& s : f.steps)
            if (s.when && has(s.when->facts(), id)) {
                out.push_back(link(ItemKind::fix, fid, "has a step for", s.when->describe(), s.where));
                break;
            }
    for (const auto& s : kb.scenarios)
        if (s.facts.count(id))
            out.push_back(link(ItemKind::scenario, s.id, "sets it", to_display(s.facts.at(id), FactType::string),
                               s.fact_where.count(id) ? s.fact_where.at(id) : s.where));
    return out;
}

std::vector<KbLink> vendor_referred_by(const KnowledgeBase& kb, const std::string& id) {
    std::vector<KbLink> out;
    for (const auto& [fid, f] : kb.fixes)
        for (const auto& s : f.steps)
            if (s.when && names_value(*s.when, "server.vendor", id)) {
                out.push_back(link(ItemKind::fix, fid, "has a step for it", s.when->describe(), s.where));
                break;
            }
    return out;
}

}  // namespace

const char* to_string(ItemKind k) {
    switch (k) {
        case ItemKind::problem: return "problem";
        case ItemKind::cause: return "cause";
        case ItemKind::fix: return "fix";
        case ItemKind::fact: return "fact";
        case ItemKind::rule: return "rule";
        case ItemKind::reference: return "reference";
        case ItemKind::vendor: return "vendor";
        case ItemKind::windows_release: return "windows_release";
        case ItemKind::scenario: return "scenario";
    }
    return "item";
}

std::vector<KbItem> all_items(const KnowledgeBase& kb) {
    std::vector<KbItem> out;
    for (const auto& [id, p] : kb.problems) out.push_back({ItemKind::problem, id, p.where});
    for (const auto& [id, c] : kb.causes) out.push_back({ItemKind::cause, id, c.where});
    for (const auto& [id, f] : kb.fixes) out.push_back({ItemKind::fix, id, f.where});
    for (const auto& [id, f] : kb.facts) out.push_back({ItemKind::fact, id, f.where});
    for (const auto& r : kb.rules) out.push_back({ItemKind::rule, r.id, r.where});
    for (const auto& [id, r] : kb.references) out.push_back({ItemKind::reference, id, r.where});
    for (const auto& [id, v] : kb.vendors) out.push_back({ItemKind::vendor, id, v.where});
    for (const auto& w : kb.windows_releases) out.push_back({ItemKind::windows_release, release_key(w), w.where});
    for (const auto& s : kb.scenarios) out.push_back({ItemKind::scenario, s.id, s.where});
    return out;
}

std::vector<KbItem> find_items(const KnowledgeBase& kb, const std::string& raw_query) {
    std::string query = text::trim(raw_query);
    std::optional<ItemKind> only;
    if (auto colon = query.find(':'); colon != std::string::npos && colon > 0) {
        if (auto k = kind_from_name(query.substr(0, colon))) {
            only = k;
            query = query.substr(colon + 1);
        }
    }
    std::vector<KbItem> out;
    for (auto& item : all_items(kb)) {
        if (only && item.kind != *only) continue;
        bool match = item.id == query;
        if (item.kind == ItemKind::windows_release) {
            const auto build = item.id.substr(0, item.id.find('/'));
            for (const auto& w : kb.windows_releases)
                if (release_key(w) == item.id && (build == query || text::lower(w.name) == text::lower(query)))
                    match = true;
        }
        if (match) out.push_back(std::move(item));
    }
    // An error code as typed finds its problem (unless the id already matched it).
    if ((!only || *only == ItemKind::problem)) {
        if (const Problem* p = kb.find_problem_by_code(query)) {
            bool listed = std::any_of(out.begin(), out.end(),
                                      [&](const KbItem& i) { return i.kind == ItemKind::problem && i.id == p->id; });
            if (!listed) out.push_back({ItemKind::problem, p->id, p->where});
        }
    }
    return out;
}

std::vector<std::string> closest_ids(const KnowledgeBase& kb, const std::string& query, std::size_t limit) {
    std::vector<std::string> ids;
    for (const auto& item : all_items(kb)) ids.push_back(item.id);
    return suggest::closest(query, ids, limit);
}

std::vector<const RuleDecl*> rules_for_cause(const KnowledgeBase& kb, const std::string& cause) {
    std::vector<const RuleDecl*> out;
    auto it = kb.rules_by_cause.find(cause);
    if (it == kb.rules_by_cause.end()) return out;
    for (auto i : it->second) out.push_back(&kb.rules[i]);
    return out;
}

std::vector<const Scenario*> scenarios_for_problem(const KnowledgeBase& kb, const std::string& problem_id) {
    std::vector<const Scenario*> out;
    for (const auto& s : kb.scenarios) {
        const Problem* p = kb.find_problem_by_code(s.error);
        if (p && p->id == problem_id) out.push_back(&s);
    }
    return out;
}

std::vector<KbLink> refers_to(const KnowledgeBase& kb, const KbItem& item) {
    switch (item.kind) {
        case ItemKind::problem: if (auto* p = kb.problem(item.id)) return problem_refers_to(kb, *p); break;
        case ItemKind::cause: if (auto* c = kb.cause(item.id)) return cause_refers_to(kb, *c); break;
        case ItemKind::fix: if (auto* f = kb.fix(item.id)) return fix_refers_to(kb, *f); break;
        case ItemKind::fact:
            if (auto* f = kb.fact(item.id)) {
                std::vector<KbLink> out;
                cite_links(kb, f->references, out);
                return out;
            }
            break;
        case ItemKind::rule: if (auto* r = rule_by_id(kb, item.id)) return rule_refers_to(kb, *r); break;
        case ItemKind::vendor: {
            auto it = kb.vendors.find(item.id);
            std::vector<KbLink> out;
            if (it != kb.vendors.end()) cite_links(kb, it->second.references, out);
            return out;
        }
        case ItemKind::windows_release:
            for (const auto& w : kb.windows_releases)
                if (release_key(w) == item.id) {
                    std::vector<KbLink> out;
                    cite_links(kb, w.references, out);
                    return out;
                }
            break;
        case ItemKind::scenario: if (auto* s = scenario_by_id(kb, item.id)) return scenario_refers_to(kb, *s); break;
        case ItemKind::reference: break;
    }
    return {};
}

std::vector<KbLink> referred_by(const KnowledgeBase& kb, const KbItem& item) {
    std::vector<KbLink> out;
    switch (item.kind) {
        case ItemKind::problem:
            for (const Scenario* s : scenarios_for_problem(kb, item.id))
                out.push_back(link(ItemKind::scenario, s->id, "tests it", s->error, s->where));
            break;
        case ItemKind::cause: out = cause_referred_by(kb, item.id); break;
        case ItemKind::fix: out = fix_referred_by(kb, item.id); break;
        case ItemKind::fact: out = fact_referred_by(kb, item.id); break;
        case ItemKind::reference: cited_by(kb, item.id, out); break;
        case ItemKind::vendor: out = vendor_referred_by(kb, item.id); break;
        case ItemKind::rule:
            // Rules whose inputs this rule derives run after it.
            if (const RuleDecl* r = rule_by_id(kb, item.id))
                for (const auto& f : r->derives)
                    for (const auto& other : kb.rules)
                        if (other.id != r->id && has(other.inputs(), f))
                            out.push_back(link(ItemKind::rule, other.id, "reads what it derives", f, other.where));
            break;
        case ItemKind::windows_release:
        case ItemKind::scenario: break;
    }
    return out;
}

}  // namespace kbdiag
