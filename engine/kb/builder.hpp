#pragma once
// Builder stage: merges the folders' items into one KnowledgeBase. Within a folder an id may appear once
// (KB005); a later folder replaces an earlier folder's item of the same id (noted as KB013).
#include <set>
#include <string>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

KnowledgeBase build_knowledge_base(std::vector<KbFolder> folders, Diagnostics& diagnostics);

// Linker stage: resolves and checks every reference, coerces literals to their facts' types, orders rules so
// derivations run before their readers, and builds the indexes. Errors are diagnostics; bad items are dropped.
// `failed` ("kind:id") names items that did not load: a reference to one is a note, since its own error is the
// one to fix (no cascade of "no fix 'x'" errors).
void link_knowledge_base(KnowledgeBase& kb, Diagnostics& diagnostics, const std::set<std::string>& failed = {});

}  // namespace kbdiag
