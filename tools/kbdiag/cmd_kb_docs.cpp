// kbdiag kb docs: one Markdown article per problem, generated from the loaded knowledge (engine/report/kb_docs),
// printed or written atomically into a folder with an index page.
#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/kb/kb_xref.hpp"
#include "engine/report/kb_docs.hpp"
#include "tools/kbdiag/commands.hpp"

namespace kbdiag::cli {

namespace {

struct DocsArgs {
    std::vector<std::string> problems;   // ids or error codes; empty = every problem
    std::string out_dir;                 // empty = standard output
};

std::vector<const Problem*> chosen_problems(const KnowledgeBase& kb, const DocsArgs& a) {
    std::vector<const Problem*> out;
    if (a.problems.empty()) {
        for (const auto& [id, p] : kb.problems) out.push_back(&p);
        return out;
    }
    for (const auto& wanted : a.problems) {
        const Problem* p = kb.find_problem_by_code(wanted);
        if (!p) {
            std::vector<std::string> ids;
            for (const auto& [id, prob] : kb.problems) ids.push_back(id);
            throw CliError{exit_unknown_error,
                           fmt::format("error[{}]: --problem '{}' matches no problem id or error code (problems: {})",
                                       codes::cli_unknown_error, wanted, fmt::join(ids, ", "))};
        }
        if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
    return out;
}

void write_pages(const std::string& dir, const std::vector<DocsPage>& pages) {
    // -o DIR makes DIR (it is the output) but, like -o FILE elsewhere, not the folders above it.
    std::filesystem::path folder(dir);
    if (!folder.has_filename()) folder = folder.parent_path();   // "docs/" is the folder docs
    check_output_folder(folder.string());
    std::string listing;
    for (const auto& page : pages) {
        const std::string path = (std::filesystem::path(dir) / page.file).string();
        std::string err = write_file_atomically(path, page.content);
        if (!err.empty()) throw CliError{exit_output, fmt::format("{}: error[SNAP005]: cannot write: {}", path, err)};
        listing += "wrote " + path + "\n";
    }
    write_output("", listing);
}

int run_docs(const GlobalOptions& g, const DocsArgs& a) {
    Diagnostics carried;
    auto kb = load_kb_or_throw(g, carried);
    const auto problems = chosen_problems(*kb, a);
    if (!a.out_dir.empty()) {
        write_pages(a.out_dir, render_docs(*kb, problems));
        return exit_ok;
    }
    std::string out;
    for (std::size_t i = 0; i < problems.size(); ++i) {
        if (i > 0) out += "\n---\n\n";
        out += render_problem_article(*kb, *problems[i]);
    }
    write_output("", out);
    return exit_ok;
}

}  // namespace

void setup_kb_docs(CLI::App& kb, const GlobalOptions& g, RunFn& run) {
    static DocsArgs a;
    CLI::App* sub = kb.add_subcommand("docs", "Generate a Markdown article per problem from the knowledge base");
    sub->add_option("--problem", a.problems, "Only this problem (id or any error code spelling); repeatable")
        ->type_name("ID");
    sub->add_option("-o,--output", a.out_dir, "Write <problem>.md files and README.md into this folder")
        ->type_name("DIR");
    sub->footer(exit_codes_help);
    sub->callback([&g, &run]() { run = [&g]() { return run_docs(g, a); }; });
}

}  // namespace kbdiag::cli
