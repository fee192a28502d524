#pragma once
// Markdown articles generated from the knowledge base (`kbdiag kb docs`): one per problem, built only from the
// loaded knowledge, so an article always says what the engine uses. Output is deterministic: no dates, no
// absolute paths (locations are relative to their knowledge folder).
#include <string>
#include <vector>

#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

struct DocsPage {
    std::string file;      // relative file name, e.g. "share_name_or_password_invalid.md"
    std::string content;
};

// The article for one problem: codes and message, causes ranked by prior, how to tell them apart (evidence
// per cause from the rules), the questions to ask, fixes with their per-version / per-vendor steps, the
// escalation, where the original article differs, and numbered references.
std::string render_problem_article(const KnowledgeBase& kb, const Problem& problem);

// "<problem id>.md".
std::string article_file_name(const Problem& problem);

// The index page (README.md) linking every article in `problems`.
std::string render_docs_index(const KnowledgeBase& kb, const std::vector<const Problem*>& problems);

// Every page for `problems` (their articles, then the index), in a stable order.
std::vector<DocsPage> render_docs(const KnowledgeBase& kb, const std::vector<const Problem*>& problems);

// Markdown escaping of knowledge-base prose: characters that would start emphasis, links, HTML, headings or
// lists are escaped; `code spans` are kept as written. `in_table` also escapes '|' (inside code spans too) and
// turns line breaks into spaces, so a cell cannot break its table row.
std::string markdown_escape(const std::string& text, bool in_table = false);

}  // namespace kbdiag
