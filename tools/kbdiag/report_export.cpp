// Markdown and HTML exports: the knowledge folders' templates, and a failing template as exit 3.
#include "tools/kbdiag/report_export.hpp"

#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "bindings/lua/report_templates.hpp"

namespace kbdiag::cli {

bool is_export_format(const std::string& format) { return lua::is_template_format(format); }

std::string render_export(const Report& report, const std::string& format, const GlobalOptions& g) {
    std::vector<std::filesystem::path> folders;
    for (const std::string& folder : kb_folders(g)) folders.emplace_back(folder);
    try {
        return lua::render_report_template(report_to_json(report), format, folders);
    } catch (const lua::TemplateError& e) {
        Diagnostics diagnostics;
        diagnostics.add(e.diagnostic());
        print_diagnostics(diagnostics);
        throw CliError{exit_kb, fmt::format("the report template for --format {} is unusable", format)};
    }
}

}  // namespace kbdiag::cli
