#include "engine/collect/root_files.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#ifndef _WIN32
#include <fcntl.h>
#include <unistd.h>
#else
#include <cstdio>
#endif

namespace kbdiag {

std::string under_root(const std::string& root, const std::string& path) {
    std::string base = root.empty() ? "/" : root;
    while (base.size() > 1 && base.back() == '/') base.pop_back();
    std::size_t start = path.find_first_not_of('/');
    std::string rest = start == std::string::npos ? std::string{} : path.substr(start);
    if (base == "/") return "/" + rest;
    return rest.empty() ? base : base + "/" + rest;
}

namespace {

ReadStatus status_for(int err) {
    if (err == ENOENT || err == ENOTDIR) return ReadStatus::missing;
    if (err == EACCES || err == EPERM) return ReadStatus::denied;
    return ReadStatus::error;
}

}  // namespace

RootRead read_under_root(const std::string& root, const std::string& path, std::size_t max_bytes) {
    RootRead r;
    const std::string full = under_root(root, path);
#ifndef _WIN32
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        r.status = status_for(err);
        r.error = fmt::format("{}: {}", full, std::strerror(err));
        return r;
    }
    char buffer[8192];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            r.status = status_for(err);
            r.error = fmt::format("{}: {}", full, std::strerror(err));
            r.content.clear();
            return r;
        }
        if (n == 0) break;
        r.content.append(buffer, static_cast<std::size_t>(n));
        if (r.content.size() > max_bytes) {
            ::close(fd);
            r.status = ReadStatus::error;
            r.error = fmt::format("{}: larger than {} bytes", full, max_bytes);
            r.content.clear();
            return r;
        }
    }
    ::close(fd);
#else
    std::FILE* f = std::fopen(full.c_str(), "rb");
    if (!f) {
        int err = errno;
        r.status = status_for(err);
        r.error = fmt::format("{}: {}", full, std::strerror(err));
        return r;
    }
    char buffer[8192];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0 && r.content.size() <= max_bytes)
        r.content.append(buffer, n);
    std::fclose(f);
#endif
    r.status = ReadStatus::ok;
    return r;
}

}  // namespace kbdiag
