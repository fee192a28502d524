#pragma once
// Static checks of the Lua rule files' literal references: every ctx.fact("x"), ctx.state("x") and
// ctx.derive("x") must name a fact of the catalog (KB007) and every ctx.evidence("c", ...) a cause (KB006),
// reported at the literal's file:line:col. Names built at run time are not seen here (the runtime reports
// them as RULE006). Used by `kbdiag kb lint`, so a typo in a script is found before a diagnosis skips the rule.
#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

void check_script_references(const KnowledgeBase& kb, Diagnostics& diagnostics);

// The same check on one script's text (for tests); `file` names it in the diagnostics.
void check_script_text(const KnowledgeBase& kb, const std::string& file, const std::string& text,
                       Diagnostics& diagnostics);

}  // namespace kbdiag
