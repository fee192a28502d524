#include "engine/kb/knowledge_base.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace kbdiag {

namespace {

template <typename Map>
const typename Map::mapped_type* lookup(const Map& m, const std::string& id) {
    auto it = m.find(id);
    return it == m.end() ? nullptr : &it->second;
}

std::string lower_trimmed(const std::string& s) {
    std::string out;
    for (char c : s) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto b = out.find_first_not_of(" \t\r\n\"'");
    if (b == std::string::npos) return {};
    auto e = out.find_last_not_of(" \t\r\n\"'.");
    return out.substr(b, e - b + 1);
}

void erase_all(std::string& s, const std::string& what) {
    for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what)) s.erase(pos, what.size());
}

std::optional<std::uint64_t> parse_number(const std::string& s, int base) {
    if (s.empty()) return std::nullopt;
    std::uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
    if (ec != std::errc{} || ptr != s.data() + s.size()) return std::nullopt;
    return v;
}

// "0x963", "963h", "2403", "-1073700864" -> the number; nullopt for names.
std::optional<std::uint64_t> code_number(const std::string& t) {
    if (t.size() > 2 && t[0] == '0' && t[1] == 'x') return parse_number(t.substr(2), 16);
    if (t.size() > 1 && t.back() == 'h') return parse_number(t.substr(0, t.size() - 1), 16);
    if (t.size() > 1 && t[0] == '-') {   // NTSTATUS printed as a signed 32-bit number
        auto v = parse_number(t.substr(1), 10);
        if (!v || *v > 0x80000000ull) return std::nullopt;
        return static_cast<std::uint64_t>(static_cast<std::uint32_t>(-static_cast<std::int64_t>(*v)));
    }
    return parse_number(t, 10);
}

}  // namespace

const FactDef* KnowledgeBase::fact(const std::string& id) const { return lookup(facts, id); }
const Problem* KnowledgeBase::problem(const std::string& id) const { return lookup(problems, id); }
const Cause* KnowledgeBase::cause(const std::string& id) const { return lookup(causes, id); }
const Fix* KnowledgeBase::fix(const std::string& id) const { return lookup(fixes, id); }

std::string normalise_error_code(const std::string& typed) {
    std::string t = lower_trimmed(typed);
    for (const char* noise : {"system error", "has occurred", "error code", "error", ":", "#"}) erase_all(t, noise);
    t = lower_trimmed(t);
    if (auto n = code_number(t)) {
        std::uint64_t v = *n;
        if ((v & 0xFFFF0000ull) == 0x80070000ull) v &= 0xFFFFull;   // HRESULT_FROM_WIN32 wraps a Win32 code
        return "n:" + std::to_string(v);
    }
    return "s:" + t;
}

const Problem* KnowledgeBase::find_problem_by_code(const std::string& typed) const {
    auto it = code_index.find(normalise_error_code(typed));
    if (it != code_index.end()) return problem(it->second);
    return problem(typed);   // a problem id works too
}

const WindowsRelease* KnowledgeBase::windows_release(std::int64_t build, bool server) const {
    const WindowsRelease* best = nullptr;
    for (const auto& w : windows_releases) {
        if ((w.family == "server") != server) continue;
        if (w.build <= build) best = &w;
    }
    return best;
}

}  // namespace kbdiag
