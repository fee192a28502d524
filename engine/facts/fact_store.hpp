#pragma once
// FactStore: what is known about the machine. It tells apart
//   known   - a collector (or a person) gave a value;
//   absent  - a collector looked and the thing does not exist (e.g. a registry value not set);
//   failed  - a collector tried and could not tell;
// and, by having no entry, unknown. Unknown is not false: rules that need an unknown fact contribute nothing.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/facts/fact_value.hpp"

namespace kbdiag {

enum class FactState { known, absent, failed };
const char* to_string(FactState s);
// "known", "absent" or "failed" as written in snapshots; nullopt for anything else.
std::optional<FactState> fact_state_from_string(std::string_view s);

struct FactEntry {
    FactState state = FactState::known;
    FactValue value;          // meaningful only when state == known
    std::string source;       // collector id, "manual", "derived:<rule id>", "snapshot:<file>"
    std::string note;         // why absent/failed, or where the value came from
};

class FactStore {
public:
    FactStore() = default;
    FactStore(const FactStore& other) : entries_(other.entries_) { reindex(); }
    FactStore& operator=(const FactStore& other);
    // A moved std::map keeps its nodes where they are, so the moved index still points at the right entries.
    FactStore(FactStore&&) noexcept = default;
    FactStore& operator=(FactStore&&) noexcept = default;

    void set(const std::string& name, FactValue value, std::string source, std::string note = {});
    void set_absent(const std::string& name, std::string source, std::string note = {});
    void set_failed(const std::string& name, std::string source, std::string note = {});
    void put(const std::string& name, FactEntry entry);
    void erase(const std::string& name);

    const FactEntry* find(const std::string& name) const;
    const FactValue* value(const std::string& name) const;   // only when known
    bool is_known(const std::string& name) const { return value(name) != nullptr; }

    // Entries from `other` replace entries of the same name here.
    void merge(const FactStore& other);

    const std::map<std::string, FactEntry>& entries() const { return entries_; }
    std::size_t size() const { return entries_.size(); }

private:
    FactEntry& slot(const std::string& name);   // the entry of `name`, made (and indexed) when new
    void reindex();

    std::map<std::string, FactEntry> entries_;   // sorted: deterministic output
    // Rules look facts up thousands of times per diagnosis: a hash index over the map's own keys and entries
    // (map nodes never move) makes each lookup one hash instead of a walk of string comparisons.
    std::unordered_map<std::string_view, FactEntry*> index_;
};

}  // namespace kbdiag
