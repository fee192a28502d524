#include "tools/kbdiag/typo_hints.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "engine/core/suggest.hpp"

namespace kbdiag::cli {

namespace {

// An option of `app` or, as subcommands fall through to their parents, of an enclosing command.
const CLI::Option* find_option(const CLI::App* app, const std::string& name, bool long_name) {
    for (; app; app = app->get_parent())
        for (const CLI::Option* opt : app->get_options()) {
            const auto& names = long_name ? opt->get_lnames() : opt->get_snames();
            if (std::find(names.begin(), names.end(), name) != names.end()) return opt;
        }
    return nullptr;
}

std::vector<std::string> long_options(const CLI::App* app) {
    std::vector<std::string> out;
    for (; app; app = app->get_parent())
        for (const CLI::Option* opt : app->get_options())
            for (const auto& name : opt->get_lnames()) out.push_back("--" + name);
    return out;
}

std::vector<std::string> subcommand_names(const CLI::App* app) {
    std::vector<std::string> out;
    for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; }))
        out.push_back(sub->get_name());
    return out;
}

const CLI::App* subcommand_named(const CLI::App* app, const std::string& name) {
    for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; }))
        if (sub->get_name() == name) return sub;
    return nullptr;
}

std::string command_path(const CLI::App* app) {
    std::string path;
    for (; app; app = app->get_parent()) path = app->get_name() + (path.empty() ? "" : " " + path);
    return path;
}

std::string unknown_command(const CLI::App* app, const std::string& word) {
    const auto names = subcommand_names(app);
    const std::string hint = suggest::did_you_mean(word, names);
    if (!hint.empty()) return fmt::format("unknown command '{}'{}", word, hint);
    return fmt::format("unknown command '{}' ('{}' has: {})", word, command_path(app), fmt::join(names, ", "));
}

}  // namespace

std::optional<std::string> unknown_word_message(const CLI::App& app, const std::vector<std::string>& args) {
    const CLI::App* current = &app;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--") return std::nullopt;   // the rest are positional values
        const bool is_long = word.rfind("--", 0) == 0;
        const bool is_short = !is_long && word.size() > 1 && word[0] == '-';
        if (is_long || is_short) {
            const std::string name = is_long ? word.substr(2, word.find('=') - 2) : word.substr(1, 1);
            const CLI::Option* opt = find_option(current, name, is_long);
            if (!opt) {
                if (!is_long) return std::nullopt;
                const std::string hint = suggest::did_you_mean("--" + name, long_options(current));
                if (hint.empty()) return std::nullopt;
                return fmt::format("unknown option '--{}'{}", name, hint);
            }
            const bool value_attached = is_long ? word.find('=') != std::string::npos : word.size() > 2;
            if (opt->get_expected_max() == 0 || value_attached) continue;   // a flag, or --name=value / -eVALUE
            // Values follow until the option has its count, or (for a list) until an option or a command.
            const bool list = opt->get_expected_max() > 1;
            std::size_t taken = 0;
            while (i + 1 < args.size() && (taken == 0 || list) && args[i + 1].rfind("-", 0) != 0 &&
                   !(taken > 0 && subcommand_named(current, args[i + 1]))) {
                ++i;
                ++taken;
            }
            continue;
        }
        if (subcommand_names(current).empty()) continue;   // a positional value of this command
        const CLI::App* sub = subcommand_named(current, word);
        if (!sub) return unknown_command(current, word);
        current = sub;
    }
    return std::nullopt;
}

}  // namespace kbdiag::cli
