#pragma once
// When the command line does not parse, the word that made it fail and what was probably meant:
// `kbdiag infr` -> unknown command 'infr' (did you mean 'infer'?), `--eror` -> '--error'.
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace kbdiag::cli {

// Walks `args` (argv without the program name) through the command tree of `app` the way CLI11 does for
// well-formed input and returns a message for the first unknown command or long option; nullopt when every word
// is known (the parse failed for another reason: CLI11's own message says which).
// Unknown commands always get a message (with the commands there are when none is close); unknown options only
// when one is close, since CLI11 already names them.
std::optional<std::string> unknown_word_message(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace kbdiag::cli
