#include "engine/core/atomic_file.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#ifdef _WIN32
#include <io.h>
#include <process.h>
#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace kbdiag {

namespace fs = std::filesystem;

namespace {

// A name no other writer (thread or process) picks at the same time: pid, a process-wide counter, a clock.
std::string temp_name_for(const fs::path& target) {
    static std::atomic<unsigned long> counter{0};
#ifdef _WIN32
    auto pid = static_cast<long>(_getpid());
#else
    auto pid = static_cast<long>(::getpid());
#endif
    auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    return fmt::format(".{}.tmp-{}-{}-{:x}", target.filename().string(), pid, counter.fetch_add(1),
                       static_cast<unsigned long long>(ticks));
}

std::string errno_text(int err) { return std::strerror(err); }

#ifndef _WIN32
// Writes all of `content` to a fresh file at `temp` and syncs it. Returns the reason on failure.
std::string write_and_sync(const std::string& temp, const std::string& content, mode_t mode) {
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return fmt::format("cannot create {}: {}", temp, errno_text(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return fmt::format("cannot write {}: {}", temp, errno_text(err));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) {
        int err = errno;
        ::close(fd);
        return fmt::format("cannot sync {}: {}", temp, errno_text(err));
    }
    if (::close(fd) != 0) return fmt::format("cannot close {}: {}", temp, errno_text(errno));
    return {};
}

// Syncs the folder so the rename itself survives a crash. Best effort.
void sync_folder(const fs::path& folder) {
    int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    (void)::fsync(fd);
    ::close(fd);
}

// Keep the permissions of the file being replaced; new files get 0644 minus the umask.
mode_t mode_for(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return st.st_mode & 07777;
    return 0644;
}
#else
std::string write_and_sync(const std::string& temp, const std::string& content) {
    std::FILE* f = std::fopen(temp.c_str(), "wbx");
    if (!f) return fmt::format("cannot create {}: {}", temp, errno_text(errno));
    bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
    ok = std::fflush(f) == 0 && ok;
    ok = _commit(_fileno(f)) == 0 && ok;
    ok = std::fclose(f) == 0 && ok;
    if (!ok) return fmt::format("cannot write {}: {}", temp, errno_text(errno));
    return {};
}
#endif

// A target that is not a plain file - a symlink (/dev/stdout -> /proc/self/fd/1), a device, a FIFO - is written
// through, never renamed over: a rename would replace /dev/null or /dev/stdout with a regular file, or a
// symlink with a copy, and the reader at the other end would get nothing.
bool write_through(const fs::path& target) {
    std::error_code ec;
    const fs::file_status st = fs::symlink_status(target, ec);
    return !ec && fs::exists(st) && !fs::is_regular_file(st) && !fs::is_directory(st);
}

std::string write_directly(const std::string& path, const std::string& content) {
#ifndef _WIN32
    int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return fmt::format("cannot open {}: {}", path, errno_text(errno));
    std::size_t done = 0;
    while (done < content.size()) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int err = errno;
            ::close(fd);
            return fmt::format("cannot write {}: {}", path, errno_text(err));
        }
        done += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) return fmt::format("cannot close {}: {}", path, errno_text(errno));
    return {};
#else
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return fmt::format("cannot open {}: {}", path, errno_text(errno));
    bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) return fmt::format("cannot write {}: {}", path, errno_text(errno));
    return {};
#endif
}

// Temporary files of our own naming for `target` (".NAME.tmp-PID-N-T") left by a run that was killed between
// creating and renaming them. Only old ones go: a concurrent writer's temporary file is seconds old.
void remove_stale_temps(const fs::path& folder, const fs::path& target) {
    const std::string prefix = "." + target.filename().string() + ".tmp-";
    const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(1);
    std::error_code ec;
    for (fs::directory_iterator it(folder.empty() ? fs::path(".") : folder, ec), end; !ec && it != end;
         it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.compare(0, prefix.size(), prefix) != 0) continue;
        std::error_code ignored;
        if (it->is_regular_file(ignored) && it->last_write_time(ignored) < cutoff) fs::remove(it->path(), ignored);
    }
}

}  // namespace

std::string write_file_atomically(const std::string& path, const std::string& content) {
    if (path.empty()) return "no file name given";
    fs::path target(path);
    std::error_code ec;   // every filesystem call reports by code: a name too long or a symlink loop is a reason
    if (fs::is_directory(target, ec)) return fmt::format("{} is a folder", path);
    if (ec && ec != std::errc::no_such_file_or_directory)
        return fmt::format("cannot write {}: {}", path, ec.message());
    if (write_through(target)) return write_directly(path, content);
    fs::path folder = target.parent_path();
    if (!folder.empty()) {
        fs::create_directories(folder, ec);
        if (ec) return fmt::format("cannot create folder {}: {}", folder.string(), ec.message());
    }
    fs::path temp = folder / temp_name_for(target);
#ifndef _WIN32
    std::string error = write_and_sync(temp.string(), content, mode_for(path));
#else
    std::string error = write_and_sync(temp.string(), content);
#endif
    if (error.empty()) {
        fs::rename(temp, target, ec);   // atomic on POSIX; replaces an existing file on Windows too
        if (ec) error = fmt::format("cannot rename {} to {}: {}", temp.string(), path, ec.message());
    }
    if (!error.empty()) {
        std::error_code ignored;
        fs::remove(temp, ignored);
        return error;
    }
#ifndef _WIN32
    sync_folder(folder);
#endif
    remove_stale_temps(folder, target);
    return {};
}

bool read_file(const std::string& path, std::string& content, std::string& error, std::size_t max_bytes) {
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (fs::is_directory(status)) {
        error = fmt::format("{} is a folder, not a file", path);
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        error = fmt::format("cannot open {}: {}", path, errno_text(errno));
        return false;
    }
    std::string text;
    // A regular file is read in one go into a string of its size: growing the string chunk by chunk copied a
    // 400 KB knowledge image four times over and touched twice the pages (measured: a tenth of `kbdiag infer`).
    // What the size does not cover (a pipe, a file still growing) is read after it, chunk by chunk.
    std::error_code size_error;
    const auto size = fs::is_regular_file(status) ? fs::file_size(path, size_error) : 0;
    if (!size_error && size > 0) {
        if (size > max_bytes) {
            error = fmt::format("{} is larger than {} bytes", path, max_bytes);
            return false;
        }
        text.resize(static_cast<std::size_t>(size));
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<std::size_t>(in.gcount()));
    }
    char chunk[64 * 1024];
    while (in) {
        in.read(chunk, sizeof chunk);
        const auto got = static_cast<std::size_t>(in.gcount());
        if (got > max_bytes - std::min(max_bytes, text.size())) {
            error = fmt::format("{} is larger than {} bytes", path, max_bytes);
            return false;
        }
        text.append(chunk, got);
    }
    if (in.bad()) {
        error = fmt::format("cannot read {}", path);
        return false;
    }
    content = std::move(text);
    error.clear();
    return true;
}

}  // namespace kbdiag
