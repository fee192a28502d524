#pragma once
// `kbdiag infer --format markdown|html`: the report rendered by the knowledge base's Lua templates
// (templates/<format>.lua, bindings/lua/report_templates.hpp).
#include <string>

#include "engine/report/report.hpp"
#include "tools/kbdiag/cli_common.hpp"

namespace kbdiag::cli {

// The --format values rendered by a template.
bool is_export_format(const std::string& format);

// Renders `report` with the template for `format` found in the knowledge folders (the shipped one, then each --kb
// overlay: the last one that has it wins). A missing or failing template prints its diagnostic (file:line) and
// throws CliError(exit_kb).
std::string render_export(const Report& report, const std::string& format, const GlobalOptions& g);

}  // namespace kbdiag::cli
