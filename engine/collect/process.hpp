#pragma once
// Runs a helper program (e.g. testparm) without a shell: stdin from /dev/null, stdout captured, stderr
// discarded, killed (with its process group) when it runs past its time limit. POSIX only; on other
// platforms run_process() reports that it cannot start anything.
#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kbdiag {

struct ProcessResult {
    bool started = false;     // false: the program could not be started (see error)
    bool timed_out = false;   // killed at the time limit
    bool truncated = false;   // output larger than the cap; the process was killed
    int exit_code = -1;       // when it exited normally
    int signal = 0;           // when a signal ended it
    std::string output;       // stdout
    std::string error;        // why it could not be started or waited for

    bool succeeded() const { return started && !timed_out && !truncated && signal == 0 && exit_code == 0; }
};

// True for a "NAME=value" environment entry that may hold a secret: a name containing PASS, SECRET, TOKEN or
// CREDENTIAL, or a USER/LOGNAME/USERNAME value with a "%password" part. Children never inherit these.
bool is_secret_environment_entry(std::string_view entry);

// `argv[0]` is the program path (not searched on PATH). The child gets the current environment minus its
// secrets (is_secret_environment_entry), plus `env_overrides` (added or replacing): a secret a child needs
// is passed to that child only, as an override.
ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::milliseconds time_limit,
                          const std::map<std::string, std::string>& env_overrides = {},
                          std::size_t max_output = 8 * 1024 * 1024);

// The first executable regular file named `name` in the ':'-separated `path_list`; empty when none.
// Empty entries of the list are ignored (they would mean the current folder).
std::string find_program(const std::string& name, const std::string& path_list);

}  // namespace kbdiag
