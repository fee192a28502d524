#include "engine/collect/collector.hpp"

#include <cstdlib>

namespace kbdiag {

namespace {

struct StatusName {
    CollectorStatus status;
    const char* name;
};
constexpr StatusName status_names[] = {
    {CollectorStatus::ok, "ok"},           {CollectorStatus::partial, "partial"}, {CollectorStatus::failed, "failed"},
    {CollectorStatus::skipped, "skipped"}, {CollectorStatus::timeout, "timeout"},
};

}  // namespace

const char* to_string(CollectorStatus s) {
    for (const auto& n : status_names)
        if (n.status == s) return n.name;
    return "failed";
}

std::optional<CollectorStatus> collector_status_from_string(std::string_view s) {
    for (const auto& n : status_names)
        if (s == n.name) return n.status;
    return std::nullopt;
}

Platform current_platform() {
#if defined(_WIN32)
    return Platform::windows_os;
#elif defined(__linux__)
    return Platform::linux_os;
#else
    return Platform::any;   // neither: only collectors for any platform run
#endif
}

std::optional<std::string> get_env(const CollectOptions& options, const std::string& name) {
    if (auto it = options.env.find(name); it != options.env.end()) return it->second;
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
}

void FactSink::set(const std::string& name, FactValue value, std::string note) {
    std::lock_guard lock(mutex_);
    if (!closed_) facts_.set(name, std::move(value), {}, std::move(note));
}

void FactSink::set_absent(const std::string& name, std::string note) {
    std::lock_guard lock(mutex_);
    if (!closed_) facts_.set_absent(name, {}, std::move(note));
}

void FactSink::set_failed(const std::string& name, std::string note) {
    std::lock_guard lock(mutex_);
    if (!closed_) facts_.set_failed(name, {}, std::move(note));
}

void FactSink::put(const std::string& name, FactEntry entry) {
    std::lock_guard lock(mutex_);
    if (!closed_) facts_.put(name, std::move(entry));
}

void FactSink::report(Diagnostic diagnostic) {
    std::lock_guard lock(mutex_);
    if (!closed_) diagnostics_.add(std::move(diagnostic));
}

FactStore FactSink::close(const std::string& source) {
    std::lock_guard lock(mutex_);
    closed_ = true;
    FactStore out;
    for (const auto& [name, entry] : facts_.entries()) {
        FactEntry e = entry;
        if (e.source.empty()) e.source = source;
        out.put(name, std::move(e));
    }
    facts_ = FactStore{};
    return out;
}

Diagnostics FactSink::diagnostics() const {
    std::lock_guard lock(mutex_);
    return diagnostics_;
}

bool FactSink::closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

}  // namespace kbdiag
