#include "engine/facts/fact_store.hpp"

namespace kbdiag {

std::optional<FactState> fact_state_from_string(std::string_view s) {
    if (s == "known") return FactState::known;
    if (s == "absent") return FactState::absent;
    if (s == "failed") return FactState::failed;
    return std::nullopt;
}

const char* to_string(FactState s) {
    switch (s) {
        case FactState::known: return "known";
        case FactState::absent: return "absent";
        case FactState::failed: return "failed";
    }
    return "known";
}

void FactStore::set(const std::string& name, FactValue value, std::string source, std::string note) {
    entries_[name] = FactEntry{FactState::known, std::move(value), std::move(source), std::move(note)};
}

void FactStore::set_absent(const std::string& name, std::string source, std::string note) {
    entries_[name] = FactEntry{FactState::absent, {}, std::move(source), std::move(note)};
}

void FactStore::set_failed(const std::string& name, std::string source, std::string note) {
    entries_[name] = FactEntry{FactState::failed, {}, std::move(source), std::move(note)};
}

void FactStore::put(const std::string& name, FactEntry entry) { entries_[name] = std::move(entry); }

void FactStore::erase(const std::string& name) { entries_.erase(name); }

const FactEntry* FactStore::find(const std::string& name) const {
    auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
}

const FactValue* FactStore::value(const std::string& name) const {
    const FactEntry* e = find(name);
    return e && e->state == FactState::known ? &e->value : nullptr;
}

void FactStore::merge(const FactStore& other) {
    for (const auto& [name, entry] : other.entries_) entries_[name] = entry;
}

}  // namespace kbdiag
