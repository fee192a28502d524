#pragma once
// Report exports rendered by Lua templates that support staff can change without recompiling:
// `templates/<format>.lua` in a knowledge folder returns `function(report, h)` that returns the document.
//
// Escaping is done here, not in the template: every string of `report` (and every object key that is not a plain
// snake_case field name) is escaped for the target format before Lua sees it, and the helpers in `h` escape what
// they return, so a template cannot forget to escape. Templates run in the rule sandbox (no io, os, require,
// debug, load or binary chunks) under an instruction and a memory budget.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/core/diagnostic.hpp"
#include "engine/report/markup_escape.hpp"

namespace kbdiag::lua {

struct TemplateLimits {
    std::uint64_t instructions = 50'000'000;   // Lua VM instructions for loading and rendering together
    std::size_t memory = 64u << 20;            // bytes for the template's Lua state (the report's copy included)
};

// A template that is missing, does not compile, fails, runs out of a budget or returns the wrong type.
// what() is the diagnostic as kbdiag prints it: "file:line: error[KB017]: ...".
class TemplateError : public std::runtime_error {
public:
    explicit TemplateError(Diagnostic diagnostic);
    const Diagnostic& diagnostic() const { return diagnostic_; }

private:
    Diagnostic diagnostic_;
};

// The formats rendered by templates ("markdown", "html").
bool is_template_format(std::string_view format);

// `templates/<format>.lua` in the last of `knowledge_dirs` that has it (shipped knowledge first, then each --kb
// overlay, so an overlay replaces the shipped template); empty when none has it.
std::filesystem::path find_report_template(std::string_view format,
                                           const std::vector<std::filesystem::path>& knowledge_dirs);

// Renders `report` (report_to_json's value) with the template found for `format`. Throws TemplateError.
std::string render_report_template(const nlohmann::json& report, std::string_view format,
                                   const std::vector<std::filesystem::path>& knowledge_dirs,
                                   const TemplateLimits& limits = {});

// Renders with the template file `path`, escaping for `markup`. Throws TemplateError.
std::string render_template_file(const std::filesystem::path& path, const nlohmann::json& report, Markup markup,
                                 const TemplateLimits& limits = {});

// The copy of `report` a template sees: strings escaped for `markup`, object keys too unless they are snake_case
// field names ([a-z][a-z0-9_]*: the schema's own names, inert in both formats, since CommonMark never makes
// emphasis of an underscore inside a word).
nlohmann::json escaped_report(const nlohmann::json& report, Markup markup);

}  // namespace kbdiag::lua
