#pragma once
// Reading files under CollectOptions::root (a fake tree in tests), telling "not there" from "not allowed".
#include <string>

namespace kbdiag {

enum class ReadStatus { ok, missing, denied, error };

struct RootRead {
    ReadStatus status = ReadStatus::error;
    std::string content;
    std::string error;   // when not ok
};

// root + "/" + path without doubling slashes: under_root("/", "/etc/fstab") == "/etc/fstab".
std::string under_root(const std::string& root, const std::string& path);

// Reads root/path (at most `max_bytes`; more is an error: these are small system files).
RootRead read_under_root(const std::string& root, const std::string& path, std::size_t max_bytes = 4 * 1024 * 1024);

}  // namespace kbdiag
