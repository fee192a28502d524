// write_file_atomically / read_file: content, replacement, no temporary left behind, failure keeps the old file.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <sys/resource.h>
#include <sys/stat.h>

#include "engine/core/atomic_file.hpp"
#include "test_collect_support.hpp"

using namespace kbdiag;
using namespace kbdiag::testing;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
}

std::string slurp(const std::string& path) {
    std::string content, error;
    REQUIRE_MESSAGE(read_file(path, content, error), error);
    return content;
}

// Lowers the file-size limit for one scope, so writes fail even for root (EFBIG instead of SIGXFSZ).
struct FileSizeLimit {
    rlimit old{};
    void (*old_handler)(int) = nullptr;
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &old);
        old_handler = std::signal(SIGXFSZ, SIG_IGN);
        rlimit lower{bytes, old.rlim_max};
        setrlimit(RLIMIT_FSIZE, &lower);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &old);
        std::signal(SIGXFSZ, old_handler);
    }
};

}  // namespace

TEST_CASE("atomic write: writes the content and creates missing folders") {
    TempDir dir;
    std::string path = (dir.path / "a" / "b" / "snapshot.yaml").string();
    using namespace std::string_literals;
    std::string content = "schema: kbdiag-snapshot/1\n\0binary\xff\n"s;
    REQUIRE(content.size() == 35);
    content += std::string(100000, 'x');
    CHECK(write_file_atomically(path, content) == "");
    CHECK(slurp(path) == content);
    CHECK(names_in(dir.path / "a" / "b") == std::vector<std::string>{"snapshot.yaml"});
}

TEST_CASE("atomic write: replaces an existing file, keeps its mode, leaves no temporary file") {
    TempDir dir;
    std::string path = (dir.path / "report.txt").string();
    REQUIRE(write_file_atomically(path, "old content that is longer than the new one\n") == "");
    ::chmod(path.c_str(), 0600);
    REQUIRE(write_file_atomically(path, "new\n") == "");
    CHECK(slurp(path) == "new\n");
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(names_in(dir.path) == std::vector<std::string>{"report.txt"});
}

TEST_CASE("atomic write: old temporary files of a killed run are removed, fresh ones and others kept") {
    TempDir dir;
    const fs::path target = dir.path / "report.txt";
    const fs::path stale = dir.path / ".report.txt.tmp-4242-0-abc";    // a run killed an hour ago
    const fs::path fresh = dir.path / ".report.txt.tmp-4243-0-def";    // a writer at work right now
    const fs::path other = dir.path / ".notes.txt.tmp-4242-0-abc";     // another file's: not ours to judge
    for (const auto& p : {stale, fresh, other}) REQUIRE(write_file_atomically(p.string(), "partial").empty());
    const auto two_hours_ago = fs::file_time_type::clock::now() - std::chrono::hours(2);
    fs::last_write_time(stale, two_hours_ago);
    fs::last_write_time(other, two_hours_ago);
    REQUIRE(write_file_atomically(target.string(), "done").empty());
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(fresh));
    CHECK(fs::exists(other));
    CHECK(fs::exists(target));
}

TEST_CASE("atomic write: an empty file is written and read back") {
    TempDir dir;
    std::string path = (dir.path / "empty").string();
    CHECK(write_file_atomically(path, "") == "");
    CHECK(fs::exists(path));
    CHECK(slurp(path) == "");
}

TEST_CASE("atomic write: a failed write leaves the old file intact and no temporary file") {
    TempDir dir;
    std::string path = (dir.path / "snapshot.yaml").string();
    REQUIRE(write_file_atomically(path, "old\n") == "");
    std::string error;
    {
        FileSizeLimit limit(16);   // the new content cannot be written
        error = write_file_atomically(path, std::string(4096, 'n'));
    }
    CHECK(error != "");
    CHECK(error.find("write") != std::string::npos);
    CHECK(slurp(path) == "old\n");
    CHECK(names_in(dir.path) == std::vector<std::string>{"snapshot.yaml"});
}

TEST_CASE("atomic write: an unwritable folder is reported and the old file stays") {
    if (running_as_root()) {
        // root writes anywhere; the file-size test above covers the failure path.
        MESSAGE("running as root: permission test skipped");
        return;
    }
    TempDir dir;
    fs::create_directories(dir.path / "ro");
    std::string path = (dir.path / "ro" / "f").string();
    REQUIRE(write_file_atomically(path, "old\n") == "");
    fs::permissions(dir.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    std::string error = write_file_atomically(path, "new\n");
    fs::permissions(dir.path / "ro", fs::perms::owner_all);
    CHECK(error.find("cannot create") != std::string::npos);
    CHECK(slurp(path) == "old\n");
    CHECK(names_in(dir.path / "ro") == std::vector<std::string>{"f"});
}

TEST_CASE("atomic write: impossible targets give a reason, not an exception") {
    TempDir dir;
    CHECK(write_file_atomically("", "x") != "");
    CHECK(write_file_atomically(dir.str(), "x").find("is a folder") != std::string::npos);
    REQUIRE(write_file_atomically((dir.path / "plain").string(), "x") == "");
    // A parent that is a file cannot become a folder.
    CHECK(write_file_atomically((dir.path / "plain" / "child").string(), "x") != "");
}

TEST_CASE("read_file: missing files and folders fail with a reason") {
    TempDir dir;
    std::string content = "untouched", error;
    CHECK_FALSE(read_file((dir.path / "missing").string(), content, error));
    CHECK(error.find("missing") != std::string::npos);
    CHECK_FALSE(read_file(dir.str(), content, error));
    CHECK(error.find("folder") != std::string::npos);
}

TEST_CASE("read_file: a big regular file in one read, and a pipe without a size chunk by chunk, byte for byte") {
    TempDir dir;
    std::string big(300'001, '\0');   // several 64 KiB chunks, not a multiple of one, every byte value
    for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
    const std::string path = (dir.path / "big.bin").string();
    REQUIRE(write_file_atomically(path, big).empty());
    std::string content, error;
    REQUIRE_MESSAGE(read_file(path, content, error), error);
    CHECK(content == big);
    CHECK_FALSE(read_file(path, content, error, big.size() - 1));
    CHECK(error.find("larger than") != std::string::npos);

    const std::string fifo = (dir.path / "pipe").string();
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    std::thread writer([&] {
        std::ofstream out(fifo, std::ios::binary);
        out.write(big.data(), static_cast<std::streamsize>(big.size()));
    });
    content.clear();
    const bool read = read_file(fifo, content, error);
    writer.join();
    REQUIRE_MESSAGE(read, error);
    CHECK(content == big);
}
