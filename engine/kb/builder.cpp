#include "engine/kb/builder.hpp"

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"

namespace kbdiag {

namespace {

// Windows 11 24H2 and Server 2025 share build 26100: a release is keyed by build and family.
std::string key_of(const WindowsRelease& w) { return std::to_string(w.build) + "/" + w.family; }
template <typename T>
std::string key_of(const T& item) { return item.id; }

// Where overrides are recorded: the list and the path of the folder being merged.
struct OverrideLog {
    std::vector<KbOverride>& list;
    std::string folder;
};

// Merges one folder's items of one kind into `into`; `origin` remembers which folder each id came from.
template <typename T>
void merge(std::map<std::string, T>& into, std::map<std::string, std::size_t>& origin, std::vector<T>& items,
           std::size_t folder, const char* kind, Diagnostics& d, OverrideLog log) {
    for (auto& item : items) {
        const std::string key = key_of(item);
        auto seen = origin.find(key);
        if (seen != origin.end() && seen->second == folder) {
            auto& diag = d.error(codes::kb_duplicate_id, fmt::format("duplicate {} id '{}'", kind, key), item.where);
            diag.where.push_back(into[key].where);
            continue;
        }
        if (seen != origin.end()) {
            auto& diag = d.note(codes::kb_override,
                                fmt::format("{} '{}' overrides the one from an earlier folder", kind, key), item.where);
            diag.where.push_back(into[key].where);
            log.list.push_back(KbOverride{kind, key, log.folder, item.where, into[key].where});
        }
        origin[key] = folder;
        into[key] = std::move(item);
    }
}

template <typename T>
std::vector<T> values_of(std::map<std::string, T>& m) {
    std::vector<T> out;
    for (auto& [k, v] : m) out.push_back(std::move(v));
    return out;
}

// Keeps the first-seen order of rules and scenarios (files are read sorted), replacing overridden ones in place.
template <typename T>
std::vector<T> ordered_merge(std::vector<KbFolder>& folders, std::vector<T> KbFolder::*member, const char* kind,
                             Diagnostics& d, std::vector<KbOverride>& overrides) {
    std::map<std::string, T> merged;
    std::map<std::string, std::size_t> origin;
    std::vector<std::string> order;
    for (std::size_t i = 0; i < folders.size(); ++i) {
        for (const auto& item : folders[i].*member)
            if (!origin.count(item.id)) order.push_back(item.id);
        merge(merged, origin, folders[i].*member, i, kind, d, OverrideLog{overrides, folders[i].path});
    }
    std::vector<T> out;
    for (const auto& id : order)
        if (merged.count(id)) out.push_back(std::move(merged[id]));
    return out;
}

}  // namespace

KnowledgeBase build_knowledge_base(std::vector<KbFolder> folders, Diagnostics& d) {
    KnowledgeBase kb;
    std::map<std::string, std::size_t> fact_origin, problem_origin, cause_origin, fix_origin, ref_origin, vendor_origin,
        release_origin;
    std::map<std::string, WindowsRelease> releases;
    for (std::size_t i = 0; i < folders.size(); ++i) {
        auto& f = folders[i];
        kb.folders.push_back(f.path);
        OverrideLog log{kb.overrides, f.path};
        merge(kb.facts, fact_origin, f.facts, i, "fact", d, log);
        merge(kb.problems, problem_origin, f.problems, i, "problem", d, log);
        merge(kb.causes, cause_origin, f.causes, i, "cause", d, log);
        merge(kb.fixes, fix_origin, f.fixes, i, "fix", d, log);
        merge(kb.references, ref_origin, f.references, i, "reference", d, log);
        merge(kb.vendors, vendor_origin, f.vendors, i, "vendor", d, log);
        merge(releases, release_origin, f.windows_releases, i, "windows release", d, log);
    }
    kb.windows_releases = values_of(releases);
    std::sort(kb.windows_releases.begin(), kb.windows_releases.end(),
              [](const WindowsRelease& a, const WindowsRelease& b) { return a.build < b.build; });
    kb.rules = ordered_merge(folders, &KbFolder::rules, "rule", d, kb.overrides);
    kb.scenarios = ordered_merge(folders, &KbFolder::scenarios, "scenario", d, kb.overrides);
    return kb;
}

}  // namespace kbdiag
