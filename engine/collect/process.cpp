#include "engine/collect/process.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#ifndef _WIN32
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;
#endif

namespace kbdiag {

bool is_secret_environment_entry(std::string_view entry) {
    const auto eq = entry.find('=');
    std::string name(entry.substr(0, eq));
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const char* word : {"PASS", "SECRET", "TOKEN", "CREDENTIAL"})
        if (name.find(word) != std::string::npos) return true;
    // smbclient and mount.cifs read "user%password" from USER (and LOGNAME on some versions).
    const bool user_variable = name == "USER" || name == "LOGNAME" || name == "USERNAME";
    return user_variable && eq != std::string_view::npos && entry.find('%', eq) != std::string_view::npos;
}

#ifndef _WIN32

namespace {

using Clock = std::chrono::steady_clock;

// The child's environment: ours without secrets, with the overrides replacing or adding entries. A secret
// (the probe's KBDIAG_PROBE_PASSWORD, smbclient's PASSWD, a "user%password" in USER...) reaches only the one
// child that is handed it as an override.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& overrides) {
    std::vector<std::string> out;
    for (char** e = environ; e && *e; ++e) {
        std::string entry(*e);
        auto eq = entry.find('=');
        if (eq == std::string::npos) continue;
        if (overrides.count(entry.substr(0, eq)) || is_secret_environment_entry(entry)) continue;
        out.push_back(std::move(entry));
    }
    for (const auto& [name, value] : overrides) out.push_back(name + "=" + value);
    return out;
}

std::vector<char*> c_array(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

int remaining_ms(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(left);
}

// RAII for the spawn attributes and file actions.
struct SpawnSetup {
    posix_spawn_file_actions_t actions{};
    posix_spawnattr_t attr{};
    SpawnSetup() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attr);
    }
    ~SpawnSetup() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attr);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

struct Fd {
    int fd = -1;
    ~Fd() { reset(); }
    void reset() {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
};

// Reads stdout until EOF, the deadline or the cap. Returns false when the deadline passed.
bool drain(int fd, Clock::time_point deadline, std::size_t max_output, ProcessResult& result) {
    char buffer[8192];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) return false;
        if (ready < 0) return true;   // treat as EOF; the wait below still enforces the deadline
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;
        result.output.append(buffer, static_cast<std::size_t>(n));
        if (result.output.size() > max_output) {
            result.output.resize(max_output);
            result.truncated = true;
            return true;
        }
    }
}

void kill_group(pid_t pid) {
    ::kill(-pid, SIGKILL);   // the child leads its own process group: its children go too
    ::kill(pid, SIGKILL);
}

// Waits for the child until the deadline; kills it then (or at once when `kill_now`).
void reap(pid_t pid, Clock::time_point deadline, bool kill_now, ProcessResult& result) {
    int status = 0;
    if (!kill_now) {
        for (;;) {
            pid_t r = ::waitpid(pid, &status, WNOHANG);
            if (r == pid) break;
            if (r < 0 && errno != EINTR) {
                result.error = fmt::format("waitpid: {}", std::strerror(errno));
                return;
            }
            if (Clock::now() >= deadline) {
                kill_now = true;
                result.timed_out = true;
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    if (kill_now) {
        kill_group(pid);
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv_in, std::chrono::milliseconds time_limit,
                          const std::map<std::string, std::string>& env_overrides, std::size_t max_output) {
    ProcessResult result;
    if (argv_in.empty()) {
        result.error = "no program given";
        return result;
    }
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        result.error = fmt::format("pipe: {}", std::strerror(errno));
        return result;
    }
    Fd read_end{fds[0]}, write_end{fds[1]};

    SpawnSetup setup;
    posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&setup.actions, write_end.fd, 1);
    posix_spawn_file_actions_addopen(&setup.actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_setpgroup(&setup.attr, 0);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigdefault(&setup.attr, &defaults);
    sigset_t none;   // the calling thread may block signals; the child starts with none blocked
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&setup.attr, &none);
    posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

    std::vector<std::string> args = argv_in;
    std::vector<std::string> env = child_environment(env_overrides);
    auto c_args = c_array(args);
    auto c_env = c_array(env);

    auto deadline = Clock::now() + time_limit;
    pid_t pid = 0;
    int rc = ::posix_spawn(&pid, args[0].c_str(), &setup.actions, &setup.attr, c_args.data(), c_env.data());
    if (rc != 0) {
        result.error = fmt::format("cannot run {}: {}", args[0], std::strerror(rc));
        return result;
    }
    result.started = true;
    write_end.reset();   // only the child writes; EOF comes when it (and its children) close stdout

    bool in_time = drain(read_end.fd, deadline, max_output, result);
    read_end.reset();
    if (!in_time) result.timed_out = true;
    reap(pid, deadline, !in_time || result.truncated, result);
    return result;
}

std::string find_program(const std::string& name, const std::string& path_list) {
    if (name.empty() || name.find('/') != std::string::npos) return {};
    std::size_t start = 0;
    while (start <= path_list.size()) {
        auto end = path_list.find(':', start);
        if (end == std::string::npos) end = path_list.size();
        std::string folder = path_list.substr(start, end - start);
        start = end + 1;
        if (folder.empty()) continue;
        std::string candidate = folder + "/" + name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return {};
}

#else   // _WIN32: the Linux collectors that use this do not run there.

ProcessResult run_process(const std::vector<std::string>&, std::chrono::milliseconds,
                          const std::map<std::string, std::string>&, std::size_t) {
    ProcessResult result;
    result.error = "running helper programs is not supported on this platform";
    return result;
}

std::string find_program(const std::string&, const std::string&) { return {}; }

#endif

}  // namespace kbdiag
