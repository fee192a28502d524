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

FactStore& FactStore::operator=(const FactStore& other) {
    if (this != &other) {
        entries_ = other.entries_;
        reindex();
    }
    return *this;
}

void FactStore::reindex() {
    index_.clear();
    index_.reserve(entries_.size());
    for (auto& [name, entry] : entries_) index_.emplace(name, &entry);
}

FactEntry& FactStore::slot(const std::string& name) {
    if (auto it = index_.find(name); it != index_.end()) return *it->second;
    auto at = entries_.try_emplace(name).first;
    index_.emplace(at->first, &at->second);
    return at->second;
}

void FactStore::set(const std::string& name, FactValue value, std::string source, std::string note) {
    slot(name) = FactEntry{FactState::known, std::move(value), std::move(source), std::move(note)};
}

void FactStore::set_absent(const std::string& name, std::string source, std::string note) {
    slot(name) = FactEntry{FactState::absent, {}, std::move(source), std::move(note)};
}

void FactStore::set_failed(const std::string& name, std::string source, std::string note) {
    slot(name) = FactEntry{FactState::failed, {}, std::move(source), std::move(note)};
}

void FactStore::put(const std::string& name, FactEntry entry) { slot(name) = std::move(entry); }

void FactStore::erase(const std::string& name) {
    index_.erase(name);
    entries_.erase(name);
}

const FactEntry* FactStore::find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : it->second;
}

const FactValue* FactStore::value(const std::string& name) const {
    const FactEntry* e = find(name);
    return e && e->state == FactState::known ? &e->value : nullptr;
}

void FactStore::merge(const FactStore& other) {
    for (const auto& [name, entry] : other.entries_) slot(name) = entry;
}

}  // namespace kbdiag
