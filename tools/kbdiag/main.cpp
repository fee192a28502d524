// kbdiag: diagnoses Windows share-access errors from collected facts and a knowledge base.
// main() parses the command line, runs the chosen subcommand and maps every failure to a documented
// exit code (see exit_codes_help). Nothing escapes: malformed input never crashes the program.
#include <algorithm>
#include <exception>
#include <iostream>
#include <new>

#include <CLI/CLI.hpp>

#include "engine/core/text.hpp"
#include "tools/kbdiag/cli_common.hpp"
#include "tools/kbdiag/commands.hpp"
#include "tools/kbdiag/typo_hints.hpp"

using namespace kbdiag::cli;

namespace {

int run_main(int argc, char** argv) {
    GlobalOptions g;
    g.program = argc > 0 ? argv[0] : "kbdiag";

    CLI::App app{"kbdiag - ranked, explained diagnosis of Windows share-access errors\n"
                 "(e.g. 0x00000963 \"This share name or password is invalid\").\n"
                 "Typical use:  kbdiag collect && kbdiag infer",
                 "kbdiag"};
    app.set_version_flag("-V,--version", std::string("kbdiag ") + KBDIAG_VERSION);
    app.add_option("--kb", g.kb_dirs,
                   "Extra knowledge folder (repeatable); a later folder overrides an earlier one by id")
        ->type_name("DIR")
        ->take_all();
    app.add_option("--color", g.color,
                   "Colour the output: auto (the default; see NO_COLOR below), always or never")
        ->type_name("WHEN")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.add_flag("--no-builtin-kb", g.no_builtin_kb, "Do not load the shipped knowledge base");
    app.add_flag("--no-cache", g.no_cache,
                 "Load the knowledge from its YAML; neither read nor write the start-up cache (~/.cache/kbdiag)");
    app.footer(exit_codes_help);
    app.require_subcommand(1);
    app.fallthrough();

    RunFn run;
    setup_collect(app, g, run);
    setup_infer(app, g, run);
    setup_consult(app, g, run);
    setup_batch(app, g, run);
    CLI::App* kb = app.add_subcommand("kb", "Knowledge base tools: lint, test, facts, show, docs");
    kb->require_subcommand(1);
    kb->fallthrough();
    kb->footer(exit_codes_help);
    setup_kb_lint(*kb, g, run);
    setup_kb_test(*kb, g, run);
    setup_kb_facts(*kb, g, run);
    setup_kb_show(*kb, g, run);
    setup_kb_docs(*kb, g, run);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return app.exit(e);   // --help, --version: printed to stdout
        // A mistyped command or option: name it and what was probably meant, rather than CLI11's
        // "A subcommand is required" for `kbdiag infr`.
        const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
        if (auto message = unknown_word_message(app, args))
            std::cerr << "kbdiag: error: " << kbdiag::text::escape_controls(*message) << '\n';
        else
            app.exit(e);   // CLI11's message, to stderr
        std::cerr << "Run 'kbdiag --help' for usage.\n";
        return exit_usage;
    }
    set_color_mode(g.color);
    if (!run) return exit_usage;
    return run();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run_main(argc, argv);
    } catch (const CliError& e) {
        if (!e.message.empty()) std::cerr << "kbdiag: " << kbdiag::text::escape_controls(e.message) << '\n';
        return e.code;
    } catch (const std::bad_alloc&) {
        std::cerr << "kbdiag: internal error: out of memory\n";
        return exit_internal;
    } catch (const std::exception& e) {
        std::cerr << "kbdiag: internal error: " << e.what() << '\n';
        return exit_internal;
    } catch (...) {
        std::cerr << "kbdiag: internal error: unknown exception\n";
        return exit_internal;
    }
}
