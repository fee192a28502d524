#pragma once
// "Did you mean ...?": the close matches of a mistyped name among the names that exist. One threshold for the
// CLI (subcommands, options, --fact names), `kb show` and lint (unknown keys, facts, causes, fixes).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kbdiag::suggest {

// Optimal string alignment distance (Damerau-Levenshtein without re-editing a substring): insertions,
// deletions, substitutions and swaps of two neighbouring characters each cost 1, so "infr" -> "infer" and
// "buidl" -> "build" are both 1. Byte-wise: names here are ASCII identifiers.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Is `candidate` close enough to `query` to be what was meant? Case-insensitive. Close is an edit distance of at
// most max(1, length/3) of the query (one typo per three characters, at least one: "infr" -> "infer", but "xy" is
// not "kb"), or one name containing the other when the query has at least 3 characters ("build" for
// "windows.build").
bool is_close(std::string_view query, std::string_view candidate);

// The candidates close to `query`, nearest first (ties in the candidates' order of name), at most `limit`,
// without duplicates. Empty when nothing is close: then there is no suggestion to make.
std::vector<std::string> closest(std::string_view query, const std::vector<std::string>& candidates,
                                 std::size_t limit = 3);

// "did you mean 'x'?" or "did you mean 'x' or 'y'?" for the nearest close candidates (all at the smallest
// distance, at most `limit`); "" when none is close.
std::string suggestion(std::string_view query, const std::vector<std::string>& candidates, std::size_t limit = 2);

// The suggestion in parentheses after a space, to append to a message; "" when none is close.
std::string did_you_mean(std::string_view query, const std::vector<std::string>& candidates, std::size_t limit = 2);

// The ids of a map of items by id (facts, causes, fixes, ...), as candidates.
template <typename Map>
std::vector<std::string> keys_of(const Map& items) {
    std::vector<std::string> ids;
    ids.reserve(items.size());
    for (const auto& entry : items) ids.push_back(entry.first);
    return ids;
}

template <typename Map>
std::string did_you_mean_key(std::string_view query, const Map& items) {
    return did_you_mean(query, keys_of(items));
}

// For "unknown fact 'x' (not in the catalog{})": "; did you mean 'y'?" or "".
template <typename Map>
std::string not_in_catalog_hint(std::string_view query, const Map& items) {
    const std::string phrase = suggestion(query, keys_of(items));
    return phrase.empty() ? phrase : "; " + phrase;
}

}  // namespace kbdiag::suggest
