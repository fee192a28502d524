#pragma once
// Cross references in a linked knowledge base: find any item by id, what it refers to and what refers to it.
// Used by `kbdiag kb show` and the generated docs, so both agree with what the engine uses.
#include <string>
#include <vector>

#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

enum class ItemKind { problem, cause, fix, fact, rule, reference, vendor, windows_release, scenario };
const char* to_string(ItemKind k);

struct KbItem {
    ItemKind kind = ItemKind::problem;
    std::string id;              // windows releases: "<build>/<family>"
    SourceLocation where;
};

// One edge of the cross-reference graph, seen from the item asked about.
struct KbLink {
    ItemKind kind = ItemKind::problem;   // the other item's kind
    std::string id;                      // the other item's id
    std::string relation;                // e.g. "lists it as a cause", "gives evidence", "reads"
    std::string detail;                  // e.g. "prior 0.22", "LR ×4 / ÷4 when false"
    SourceLocation where;                // where the link is written (or the other item)
};

// Every item named `query`, of any kind: by id; windows releases by build number or name; problems also
// by any spelling of their error codes. Accepts "kind:id" (e.g. "cause:stale") to pick one kind.
std::vector<KbItem> find_items(const KnowledgeBase& kb, const std::string& query);

// Every item of the knowledge base (for suggestions).
std::vector<KbItem> all_items(const KnowledgeBase& kb);

// Up to `limit` ids closest to `query` (edit distance, substrings count as close), best first.
std::vector<std::string> closest_ids(const KnowledgeBase& kb, const std::string& query, std::size_t limit = 5);

// What `item` refers to (facts, causes, fixes, references...) and what refers to it. Deterministic order.
std::vector<KbLink> refers_to(const KnowledgeBase& kb, const KbItem& item);
std::vector<KbLink> referred_by(const KnowledgeBase& kb, const KbItem& item);

// The rules that can give evidence about `cause` (by declaration: native evidence or a script's `causes`).
std::vector<const RuleDecl*> rules_for_cause(const KnowledgeBase& kb, const std::string& cause);

// Scenarios whose error resolves to `problem_id`.
std::vector<const Scenario*> scenarios_for_problem(const KnowledgeBase& kb, const std::string& problem_id);

}  // namespace kbdiag
