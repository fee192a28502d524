#pragma once
// Escaping text for the exported reports (Markdown and HTML), so any value - a host name, a fact a collector read,
// a title from a --kb overlay - shows as the characters it holds and can neither add markup, run a script nor
// drive a terminal.
#include <optional>
#include <string>
#include <string_view>

namespace kbdiag {

enum class Markup { markdown, html };

// "markdown" or "html"; nullopt for anything else.
std::optional<Markup> markup_from_name(std::string_view name);

// Makes characters that are invisible or act on a terminal or on text direction visible and inert:
//   C0 controls (ESC included), DEL and C1 controls -> the text "\x1b", "\x7f", "\x9b" (as the text report
//                                                      writes them; Control Pictures like U+241B need fonts that
//                                                      many systems lack);
//   bidirectional overrides/isolates               -> the text "\u202e" (they could reorder what a reader sees);
//   bytes that are not UTF-8                       -> U+FFFD.
// "\r\n" becomes "\n". With `keep_line_breaks`, "\n" and "\t" stay; without, each becomes one space.
std::string neutralize_controls(std::string_view text, bool keep_line_breaks);

// HTML text and attribute values: controls neutralized (line breaks kept), then & < > " ' as entities.
std::string escape_html(std::string_view text);

// CommonMark/GFM inline text, also inside a pipe-table cell: controls neutralized and line breaks turned into
// spaces (a break would end a table row or list item), then a backslash before every character that could start
// markup (\ ` * _ [ ] < > | ~ & # @ $), and before a leading - + = or the dot of a leading "1. " (list, heading).
std::string escape_markdown(std::string_view text);

std::string escape_markup(std::string_view text, Markup markup);

}  // namespace kbdiag
