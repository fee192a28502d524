#pragma once
// One setup function per subcommand (one file each). Each adds its subcommand to `app` and, when the
// subcommand is chosen, stores in `run` what main calls after parsing.
#include <functional>

#include <CLI/CLI.hpp>

#include "tools/kbdiag/cli_common.hpp"

namespace kbdiag::cli {

using RunFn = std::function<int()>;

void setup_collect(CLI::App& app, const GlobalOptions& g, RunFn& run);
void setup_infer(CLI::App& app, const GlobalOptions& g, RunFn& run);
void setup_batch(CLI::App& app, const GlobalOptions& g, RunFn& run);
void setup_consult(CLI::App& app, const GlobalOptions& g, RunFn& run);
void setup_kb_lint(CLI::App& kb, const GlobalOptions& g, RunFn& run);
void setup_kb_test(CLI::App& kb, const GlobalOptions& g, RunFn& run);
void setup_kb_facts(CLI::App& kb, const GlobalOptions& g, RunFn& run);
void setup_kb_show(CLI::App& kb, const GlobalOptions& g, RunFn& run);
void setup_kb_docs(CLI::App& kb, const GlobalOptions& g, RunFn& run);

}  // namespace kbdiag::cli
