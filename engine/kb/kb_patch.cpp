// Patches by id: reading a file's `patch:` list, and applying it to the merged knowledge. See kb_patch.hpp.
#include "engine/kb/kb_patch.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/core/yaml_util.hpp"

namespace kbdiag {

namespace {

const std::vector<std::string> target_kinds{"problem", "cause", "fix"};
const std::vector<std::string> operations{"add", "set", "update", "remove"};

bool contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::string scalar_key(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : std::string("?"); }

// --- reading ---------------------------------------------------------------------------------------------

std::string unknown_patch_key(const std::string& key) {
    std::vector<std::string> known = target_kinds;
    known.insert(known.end(), operations.begin(), operations.end());
    const std::string hint = suggest::did_you_mean(key, known);
    if (!hint.empty()) return fmt::format("patch: unknown key '{}'{}", key, hint);
    return fmt::format("patch: unknown key '{}' (a patch names its target with problem, cause or fix, and holds add, "
                       "set, update or remove)",
                       key);
}

// Checks one key of a patch entry; a target key fills `p`. False when the key is wrong (reported).
bool read_patch_key(const YAML::Node& key, const YAML::Node& value, KbPatch& p, Diagnostics& d) {
    const std::string name = scalar_key(key);
    if (contains(target_kinds, name)) {
        if (!p.kind.empty()) {
            d.error(codes::kb_wrong_type, fmt::format("patch: one target per entry, not '{}' and '{}'", p.kind, name),
                    location_of(key, p.file));
            return false;
        }
        if (!value.IsScalar() || value.Scalar().empty()) {
            d.error(codes::kb_wrong_type, fmt::format("patch: '{}' must be the id of a {}", name, name),
                    location_of(value, p.file));
            return false;
        }
        p.kind = name;
        p.id = value.Scalar();
        return true;
    }
    if (!contains(operations, name)) {
        d.error(codes::kb_unknown_key, unknown_patch_key(name), location_of(key, p.file));
        return false;
    }
    if (!value.IsMap()) {
        d.error(codes::kb_wrong_type,
                fmt::format("patch: '{}' must be a mapping of field -> value, not a {}", name, node_kind(value)),
                location_of(value, p.file));
        return false;
    }
    return true;
}

void read_patch(const YAML::Node& item, const std::string& file, const std::string& folder, std::vector<KbPatch>& out,
                Diagnostics& d) {
    if (!expect_map(item, file, d, "a patch")) return;
    KbPatch p{"", "", folder, file, item};
    bool ok = true;
    for (const auto& kv : item) ok = read_patch_key(kv.first, kv.second, p, d) && ok;
    if (p.kind.empty() && ok)
        d.error(codes::kb_missing_key, "a patch names its target: 'problem: ID', 'cause: ID' or 'fix: ID'",
                location_of(item, file));
    if (ok && !p.kind.empty()) out.push_back(std::move(p));
}

// --- applying: context and field tables -------------------------------------------------------------------

// The patch being applied, and where its errors, notes and records go.
struct PatchContext {
    const KbPatch& patch;
    KnowledgeBase& kb;
    Diagnostics& d;

    std::string target() const { return fmt::format("{} '{}'", patch.kind, patch.id); }
    void changed(const std::string& change, const SourceLocation& where) {
        d.note(codes::kb_patch_applied, fmt::format("patch applied: {}: {}", target(), change), where);
        kb.patches.push_back(KbPatchRecord{patch.folder, patch.kind, patch.id, change, where});
    }
    void error(const char* code, const std::string& message, const SourceLocation& where) {
        d.error(code, fmt::format("patch on {}: {}", target(), message), where);
    }
};

// The fields each operation may name, per target kind (the model's YAML keys).
struct PatchFields {
    std::vector<std::string> set, add, update, remove;

    const std::vector<std::string>& of(const std::string& op) const {
        if (op == "set") return set;
        if (op == "add") return add;
        if (op == "update") return update;
        return remove;
    }
};

const PatchFields& fields_of(const Problem&) {
    static const PatchFields f{{"title", "message", "other", "other_title", "article_notes"},
                               {"causes", "codes", "references"}, {"causes"}, {"causes", "codes", "references"}};
    return f;
}
const PatchFields& fields_of(const Cause&) {
    static const PatchFields f{{"title", "explanation", "applies_to_text", "not_applicable_lr", "article_differs"},
                               {"fixes", "references"}, {"fixes"}, {"fixes", "references"}};
    return f;
}
const PatchFields& fields_of(const Fix&) {
    static const PatchFields f{{"title", "verify", "cost_minutes"}, {"steps", "references"}, {}, {"references"}};
    return f;
}

// Whether `op` may name `field`; else a KB003 error that says which operations take it, or the close names.
bool check_field(const PatchFields& f, const std::string& op, const std::string& field, const SourceLocation& at,
                 PatchContext& c) {
    if (contains(f.of(op), field)) return true;
    std::vector<std::string> takers, all;
    for (const auto& other : operations) {
        if (contains(f.of(other), field)) takers.push_back(other);
        all.insert(all.end(), f.of(other).begin(), f.of(other).end());
    }
    if (!takers.empty()) {
        c.error(codes::kb_unknown_key, fmt::format("'{}' cannot be changed with '{}' (use {})", field, op,
                                                   fmt::join(takers, " or ")),
                at);
        return false;
    }
    std::sort(all.begin(), all.end());
    all.erase(std::unique(all.begin(), all.end()), all.end());
    const std::string hint = suggest::did_you_mean(field, f.of(op).empty() ? all : f.of(op));
    c.error(codes::kb_unknown_key,
            hint.empty() ? fmt::format("a {} has no field '{}' to {} (known: {})", c.patch.kind, field, op,
                                       fmt::join(f.of(op), ", "))
                         : fmt::format("a {} has no field '{}' to {}{}", c.patch.kind, field, op, hint),
            at);
    return false;
}

// --- scalar fields (set) ----------------------------------------------------------------------------------

std::string shorten(const std::string& text) {
    constexpr std::size_t max = 60;
    return text.size() <= max ? text : text.substr(0, max - 3) + "...";
}

void set_text(std::string& member, const std::string& field, NodeReader& r, PatchContext& c) {
    auto value = r.string(field.c_str(), true);
    if (!value) return;
    member = *value;
    c.changed(fmt::format("{} set to \"{}\"", field, shorten(*value)), r.where(field.c_str()));
}

void set_number(double& member, const std::string& field, double min, double max, NodeReader& r, PatchContext& c) {
    auto value = r.number(field.c_str(), true);
    if (!value) return;
    if (*value < min || *value > max) {
        c.error(codes::kb_bad_value, fmt::format("'{}' is {:g} but must be in [{:g}, {:g}]", field, *value, min, max),
                r.where(field.c_str()));
        return;
    }
    c.changed(fmt::format("{} {:g} -> {:g}", field, member, *value), r.where(field.c_str()));
    member = *value;
}

// --- lists of ids (codes, references) and of links by id (causes, fixes) --------------------------------

// The scalars of a field given as one scalar or a list of scalars, each with its location.
std::vector<std::pair<std::string, SourceLocation>> ids_in(const YAML::Node& node, const std::string& field,
                                                           PatchContext& c) {
    std::vector<std::pair<std::string, SourceLocation>> ids;
    if (node.IsScalar()) ids.emplace_back(node.Scalar(), location_of(node, c.patch.file));
    else if (node.IsSequence())
        for (const auto& item : node) {
            if (item.IsScalar()) ids.emplace_back(item.Scalar(), location_of(item, c.patch.file));
            else
                c.error(codes::kb_wrong_type,
                        fmt::format("'{}': each entry must be an id, not a {}", field, node_kind(item)),
                        location_of(item, c.patch.file));
        }
    else
        c.error(codes::kb_wrong_type, fmt::format("'{}' must be an id or a list of ids", field),
                location_of(node, c.patch.file));
    return ids;
}

void add_strings(std::vector<std::string>& list, const std::string& field, const char* noun, NodeReader& r,
                 PatchContext& c) {
    for (const auto& [id, at] : ids_in(r.child(field.c_str()), field, c)) {
        if (contains(list, id)) {
            c.error(codes::kb_duplicate_id, fmt::format("already has {} '{}'", noun, id), at);
            continue;
        }
        list.push_back(id);
        c.changed(fmt::format("{} '{}' added", noun, id), at);
    }
}

void remove_strings(std::vector<std::string>& list, const std::string& field, const char* noun, NodeReader& r,
                    PatchContext& c) {
    for (const auto& [id, at] : ids_in(r.child(field.c_str()), field, c)) {
        auto it = std::find(list.begin(), list.end(), id);
        if (it == list.end()) {
            c.error(codes::kb_dangling_ref,
                    fmt::format("has no {} '{}' to remove{}", noun, id, suggest::did_you_mean(id, list)), at);
            continue;
        }
        list.erase(it);
        c.changed(fmt::format("{} '{}' removed", noun, id), at);
    }
}

// A list of links found by their id: a problem's causes (by `cause`, value `prior`), a cause's fixes (by `fix`,
// value `success`). `other` is the problem's explicit 'other' prior, or null.
template <class Link>
struct LinkList {
    std::vector<Link>& items;
    std::string Link::*id;
    double Link::*value;
    const char* noun;
    const char* value_name;
    double* other;

    typename std::vector<Link>::iterator find(const std::string& wanted) {
        return std::find_if(items.begin(), items.end(), [&](const Link& l) { return l.*id == wanted; });
    }
    std::vector<std::string> ids() const {
        std::vector<std::string> out;
        for (const auto& l : items) out.push_back(l.*id);
        return out;
    }
};

// A problem with an explicit 'other' keeps its priors adding up to 1: a patch that raises the causes' priors by
// `delta` takes it from 'other' (a negative delta gives it back). Returns the note's suffix; nullopt when 'other'
// cannot give that much (reported).
template <class Link>
std::optional<std::string> shift_other(LinkList<Link>& l, double delta, const SourceLocation& at, PatchContext& c) {
    if (!l.other || *l.other < 0 || delta == 0) return std::string();
    const double next = *l.other - delta;
    if (next <= 1e-9) {
        c.error(codes::kb_priors,
                fmt::format("'other' is {:g} and cannot give {:g} to the causes: lower the prior, or raise 'other' "
                            "first with 'set: {{other: ...}}'",
                            *l.other, delta),
                at);
        return std::nullopt;
    }
    std::string suffix = fmt::format("; 'other' {:g} -> {:g}", *l.other, next);
    *l.other = next;
    return suffix;
}

template <class Link>
void add_links(LinkList<Link> l, std::vector<Link> added, PatchContext& c) {
    for (auto& link : added) {
        const std::string id = link.*l.id;
        if (l.find(id) != l.items.end()) {
            c.error(codes::kb_duplicate_id, fmt::format("already lists {} '{}' (change it with 'update')", l.noun, id),
                    link.where);
            continue;
        }
        auto other = shift_other(l, link.*l.value, link.where, c);
        if (!other) continue;
        c.changed(fmt::format("{} '{}' added ({} {:g}{})", l.noun, id, l.value_name, link.*l.value, *other),
                  link.where);
        l.items.push_back(std::move(link));
    }
}

template <class Link>
void update_links(LinkList<Link> l, std::vector<Link> updated, PatchContext& c) {
    for (auto& link : updated) {
        const std::string id = link.*l.id;
        auto it = l.find(id);
        if (it == l.items.end()) {
            c.error(codes::kb_dangling_ref,
                    fmt::format("lists no {} '{}' to update{}", l.noun, id, suggest::did_you_mean(id, l.ids())),
                    link.where);
            continue;
        }
        const double before = (*it).*l.value;
        auto other = shift_other(l, link.*l.value - before, link.where, c);
        if (!other) continue;
        c.changed(fmt::format("{} '{}': {} {:g} -> {:g}{}", l.noun, id, l.value_name, before, link.*l.value, *other),
                  link.where);
        *it = std::move(link);   // the patch's location, so a later error about this link points at the patch
    }
}

template <class Link>
void remove_links(LinkList<Link> l, const std::string& field, NodeReader& r, PatchContext& c) {
    for (const auto& [id, at] : ids_in(r.child(field.c_str()), field, c)) {
        auto it = l.find(id);
        if (it == l.items.end()) {
            c.error(codes::kb_dangling_ref,
                    fmt::format("lists no {} '{}' to remove{}", l.noun, id, suggest::did_you_mean(id, l.ids())), at);
            continue;
        }
        auto other = shift_other(l, -((*it).*l.value), at, c);
        if (!other) continue;
        l.items.erase(it);
        c.changed(fmt::format("{} '{}' removed{}", l.noun, id, *other), at);
    }
}

// --- per kind: which member each field is --------------------------------------------------------------------

void apply_field(Problem& p, const std::string& op, const std::string& field, NodeReader& r, PatchContext& c) {
    if (op == "set") {
        if (field == "other") return set_number(p.other_prior, field, 1e-9, 1.0, r, c);
        std::string& member = field == "title" ? p.title : field == "message" ? p.message
                            : field == "other_title" ? p.other_title : p.article_notes;
        return set_text(member, field, r, c);
    }
    if (field == "causes") {
        LinkList<CauseLink> l{p.causes, &CauseLink::cause, &CauseLink::prior, "cause", "prior", &p.other_prior};
        if (op == "add") return add_links(l, read_cause_links(r), c);
        if (op == "update") return update_links(l, read_cause_links(r), c);
        return remove_links(l, field, r, c);
    }
    auto& list = field == "codes" ? p.codes : p.references;
    const char* noun = field == "codes" ? "code" : "reference";
    if (op == "add") add_strings(list, field, noun, r, c);
    else remove_strings(list, field, noun, r, c);
}

void apply_field(Cause& cause, const std::string& op, const std::string& field, NodeReader& r, PatchContext& c) {
    if (op == "set") {
        if (field == "not_applicable_lr") return set_number(cause.not_applicable_lr, field, 1e-9, 1.0, r, c);
        std::string& member = field == "title" ? cause.title : field == "explanation" ? cause.explanation
                            : field == "applies_to_text" ? cause.applies_to_text : cause.article_differs;
        return set_text(member, field, r, c);
    }
    if (field == "fixes") {
        LinkList<FixLink> l{cause.fixes, &FixLink::fix, &FixLink::success, "fix", "success", nullptr};
        if (op == "add") return add_links(l, read_fix_links(r), c);
        if (op == "update") return update_links(l, read_fix_links(r), c);
        return remove_links(l, field, r, c);
    }
    if (op == "add") add_strings(cause.references, field, "reference", r, c);
    else remove_strings(cause.references, field, "reference", r, c);
}

void add_steps(Fix& f, NodeReader& r, PatchContext& c) {
    const YAML::Node steps = r.child("steps");
    if (!steps.IsSequence()) {
        c.error(codes::kb_wrong_type, "'steps' must be a list of steps", r.where("steps"));
        return;
    }
    for (const auto& item : steps)
        if (auto step = read_step(item, r)) {
            c.changed(fmt::format("step added: \"{}\"", shorten(step->text)), step->where);
            f.steps.push_back(std::move(*step));
        }
}

void apply_field(Fix& f, const std::string& op, const std::string& field, NodeReader& r, PatchContext& c) {
    if (op == "set") {
        if (field == "cost_minutes") return set_number(f.cost_minutes, field, 0.1, 100000.0, r, c);
        return set_text(field == "title" ? f.title : f.verify, field, r, c);
    }
    if (field == "steps") return add_steps(f, r, c);
    if (op == "add") add_strings(f.references, field, "reference", r, c);
    else remove_strings(f.references, field, "reference", r, c);
}

// Every operation of the entry, in the order written; each field of an operation in the order written.
template <class T>
void apply_to(T& item, PatchContext& c) {
    for (const auto& op_kv : c.patch.node) {
        const std::string op = scalar_key(op_kv.first);
        if (!contains(operations, op)) continue;   // the target key
        NodeReader r(op_kv.second, c.patch.file, c.d, fmt::format("patch on {} ({})", c.target(), op));
        for (const auto& field_kv : op_kv.second) {
            const std::string field = scalar_key(field_kv.first);
            if (check_field(fields_of(item), op, field, location_of(field_kv.first, c.patch.file), c))
                apply_field(item, op, field, r, c);
        }
    }
}

// The patch's target, or null: an unknown id is an error with the close ids, unless the item failed to load.
template <class T>
T* target_of(std::map<std::string, T>& items, const KbPatch& p, const std::set<std::string>& failed, Diagnostics& d) {
    auto it = items.find(p.id);
    if (it != items.end()) return &it->second;
    const SourceLocation at = location_of(p.node[p.kind], p.file);
    if (failed.count(p.kind + ":" + p.id))
        d.note(codes::kb_dangling_ref,
               fmt::format("patch on {} '{}' skipped: that {} did not load (its own error says why)", p.kind, p.id,
                           p.kind),
               at);
    else
        d.error(codes::kb_dangling_ref,
                fmt::format("patch: no {} '{}'{}", p.kind, p.id, suggest::did_you_mean_key(p.id, items)), at);
    return nullptr;
}

}  // namespace

void read_patches(const YAML::Node& list, const std::string& file, const std::string& folder, std::vector<KbPatch>& out,
                  Diagnostics& d) {
    if (!expect_sequence(list, file, d, "'patch'")) return;
    for (const auto& item : list) read_patch(item, file, folder, out, d);
}

void apply_patches(KnowledgeBase& kb, const std::vector<KbPatch>& patches, const std::set<std::string>& failed,
                   Diagnostics& d) {
    for (const auto& patch : patches) {
        PatchContext c{patch, kb, d};
        if (patch.kind == "problem") {
            if (auto* p = target_of(kb.problems, patch, failed, d)) apply_to(*p, c);
        } else if (patch.kind == "cause") {
            if (auto* cause = target_of(kb.causes, patch, failed, d)) apply_to(*cause, c);
        } else if (auto* f = target_of(kb.fixes, patch, failed, d)) {
            apply_to(*f, c);
        }
    }
}

}  // namespace kbdiag
