// host.info: the machine's name, operating system, release, kernel and architecture.
#include <fmt/format.h>

#include "engine/core/text.hpp"
#include "engine/collect/builtin.hpp"
#include "engine/collect/root_files.hpp"

#ifdef _WIN32
#include "engine/collect/windows/win32_text.hpp"
#else
#include <sys/utsname.h>
#include <unistd.h>
#endif

namespace kbdiag {

namespace {

using text::trim;

bool live(const CollectOptions& options) { return options.root.empty() || options.root == "/"; }

// The value of KEY=value in an os-release file, unquoted ("..." or '...', with \" \\ \$ \` escapes).
std::string os_release_value(std::string_view text, std::string_view key) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string line = trim(text.substr(pos, end - pos));
        pos = end + 1;
        if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0 || line[key.size()] != '=') continue;
        std::string v = line.substr(key.size() + 1);
        if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
            char q = v.front();
            std::string out;
            for (std::size_t i = 1; i + 1 < v.size(); ++i) {
                if (q == '"' && v[i] == '\\' && i + 2 < v.size()) ++i;
                out += v[i];
            }
            return out;
        }
        return v;
    }
    return {};
}

struct Tally {
    bool missed = false;
    std::vector<std::string> problems;
};

void host_name(const CollectOptions& options, FactSink& sink, Tally& t) {
    if (live(options)) {
#ifdef _WIN32
        wchar_t name[256] = {};
        DWORD size = 255;
        if (::GetComputerNameExW(ComputerNameDnsHostname, name, &size) && size > 0) {
            sink.set("host.name", win::narrow(name, size));
            return;
        }
#else
        char name[256] = {};
        if (::gethostname(name, sizeof name - 1) == 0 && name[0]) {
            sink.set("host.name", std::string(name));
            return;
        }
#endif
    }
    auto r = read_under_root(options.root, "etc/hostname");
    std::string name = r.status == ReadStatus::ok ? trim(r.content) : std::string{};
    if (!name.empty()) {
        sink.set("host.name", name);
    } else {
        sink.set_failed("host.name", r.status == ReadStatus::ok ? "etc/hostname is empty" : r.error);
        t.missed = true;
        t.problems.push_back("host name");
    }
}

void os_release(const CollectOptions& options, FactSink& sink, Tally& t) {
#ifdef _WIN32
    if (live(options)) {   // Windows has no os-release; the windows.os collector reads its version
        sink.set_absent("host.os_release", "Windows: see windows.product_name and windows.build");
        return;
    }
#endif
    auto r = read_under_root(options.root, "etc/os-release");
    if (r.status == ReadStatus::missing) r = read_under_root(options.root, "usr/lib/os-release");
    if (r.status != ReadStatus::ok) {
        if (r.status == ReadStatus::missing) {
            sink.set_absent("host.os_release", "no os-release file");
        } else {
            sink.set_failed("host.os_release", r.error);
            t.missed = true;
            t.problems.push_back(r.error);
        }
        return;
    }
    std::string pretty = os_release_value(r.content, "PRETTY_NAME");
    if (pretty.empty())
        pretty = trim(os_release_value(r.content, "NAME") + " " + os_release_value(r.content, "VERSION"));
    if (pretty.empty())
        sink.set_absent("host.os_release", "os-release has no PRETTY_NAME");
    else
        sink.set("host.os_release", pretty);
}

void kernel_and_arch(const CollectOptions& options, FactSink& sink, Tally& t) {
#ifndef _WIN32
    struct utsname u {};
    bool have_uname = ::uname(&u) == 0;
    if (have_uname)
        sink.set("host.arch", std::string(u.machine));
    else
        sink.set_failed("host.arch", "uname failed");
    if (live(options) && have_uname) {
        sink.set("host.kernel", std::string(u.release));
        return;
    }
#else
    if (live(options)) {   // the kernel's release is the Windows build: windows.os reads it
        SYSTEM_INFO info{};
        ::GetNativeSystemInfo(&info);
        switch (info.wProcessorArchitecture) {
            case PROCESSOR_ARCHITECTURE_AMD64: sink.set("host.arch", std::string("x86_64")); break;
            case PROCESSOR_ARCHITECTURE_ARM64: sink.set("host.arch", std::string("aarch64")); break;
            case PROCESSOR_ARCHITECTURE_INTEL: sink.set("host.arch", std::string("x86")); break;
            default:
                sink.set_failed("host.arch",
                                fmt::format("unknown processor architecture {}", info.wProcessorArchitecture));
        }
        sink.set_absent("host.kernel", "Windows: see windows.build");
        return;
    }
    sink.set_failed("host.arch", "not collected from a file-system root on Windows");
#endif
    auto r = read_under_root(options.root, "proc/sys/kernel/osrelease");
    std::string release = r.status == ReadStatus::ok ? trim(r.content) : std::string{};
    if (!release.empty()) {
        sink.set("host.kernel", release);
    } else {
        sink.set_failed("host.kernel", r.status == ReadStatus::ok ? "osrelease is empty" : r.error);
        t.missed = true;
        t.problems.push_back("kernel release");
    }
}

const char* os_name() {
#if defined(_WIN32)
    return "windows";
#elif defined(__APPLE__)
    return "macos";
#elif defined(__linux__)
    return "linux";
#else
    return "other";
#endif
}

class HostCollector final : public Collector {
public:
    std::string id() const override { return "host.info"; }
    std::string description() const override { return "host name, operating system, kernel and architecture"; }
    std::vector<std::string> provides() const override {
        return {"host.name", "host.os", "host.os_release", "host.kernel", "host.arch"};
    }
    std::vector<Platform> platforms() const override { return {Platform::any}; }

    CollectorOutcome collect(const CollectOptions& options, FactSink& sink) override {
        Tally t;
        sink.set("host.os", std::string(os_name()));
        host_name(options, sink, t);
        os_release(options, sink, t);
        kernel_and_arch(options, sink, t);
        if (!t.missed) return {CollectorStatus::ok, {}};
        return {CollectorStatus::partial, fmt::format("could not read: {}", fmt::join(t.problems, "; "))};
    }
};

}  // namespace

std::shared_ptr<Collector> make_host_collector() { return std::make_shared<HostCollector>(); }

}  // namespace kbdiag
