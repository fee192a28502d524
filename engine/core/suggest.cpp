#include "engine/core/suggest.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "engine/core/text.hpp"

namespace kbdiag::suggest {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // Three rows of the dynamic-programming table: the swap looks two rows back.
    std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                current[j] = std::min(current[j], before[j - 2] + 1);
        }
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return previous[b.size()];
}

namespace {

constexpr std::size_t not_close = static_cast<std::size_t>(-1);

// The distance that ranks a close candidate, or not_close.
std::size_t closeness(const std::string& query, const std::string& candidate) {
    if (query.empty() || candidate.empty()) return not_close;
    const std::size_t d = edit_distance(query, candidate);
    if (d <= std::max<std::size_t>(1, query.size() / 3)) return d;
    const bool contains = candidate.find(query) != std::string::npos || query.find(candidate) != std::string::npos;
    if (query.size() >= 3 && contains) return d;   // ranked after the typos of the same distance
    return not_close;
}

}  // namespace

bool is_close(std::string_view query, std::string_view candidate) {
    return closeness(text::lower(std::string(query)), text::lower(std::string(candidate))) != not_close;
}

std::vector<std::string> closest(std::string_view query, const std::vector<std::string>& candidates,
                                 std::size_t limit) {
    const std::string q = text::lower(text::trim(query));
    std::set<std::tuple<std::size_t, std::string>> ranked;
    for (const auto& c : candidates) {
        const std::size_t d = closeness(q, text::lower(c));
        if (d != not_close) ranked.insert({d, c});
    }
    std::vector<std::string> out;
    for (const auto& [d, c] : ranked) {
        if (out.size() >= limit) break;
        if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    return out;
}

std::string suggestion(std::string_view query, const std::vector<std::string>& candidates, std::size_t limit) {
    // Only the nearest: "windows.buidl" is one edit from windows.build and four from windows.ubr, so naming
    // the second would only distract.
    const std::string q = text::lower(text::trim(query));
    std::vector<std::string> close;
    std::size_t best = not_close;
    for (const auto& c : closest(query, candidates, candidates.size())) {
        const std::size_t d = closeness(q, text::lower(c));
        if (close.empty()) best = d;
        if (d != best || close.size() >= limit) break;
        close.push_back(c);
    }
    if (close.empty()) return {};
    std::string out = "did you mean '" + close[0] + "'";
    for (std::size_t i = 1; i < close.size(); ++i) out += (i + 1 == close.size() ? " or '" : ", '") + close[i] + "'";
    return out + "?";
}

std::string did_you_mean(std::string_view query, const std::vector<std::string>& candidates, std::size_t limit) {
    const std::string phrase = suggestion(query, candidates, limit);
    return phrase.empty() ? phrase : " (" + phrase + ")";
}

}  // namespace kbdiag::suggest
