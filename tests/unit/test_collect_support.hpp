#pragma once
// Helpers shared by the collector and snapshot tests: a small hand-built fact catalog, temporary folders,
// and the test data folder.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#ifdef _WIN32   // Windows build (issue 3): no mkdtemp/geteuid; see TempDir and running_as_root below
#include <random>
#else
#include <unistd.h>
#endif

#include "engine/kb/knowledge_base.hpp"

namespace kbdiag::testing {

namespace fs = std::filesystem;

inline std::string collect_data(const std::string& rel = {}) {
    std::string base = std::string(KBDIAG_TEST_DATA) + "/collect";
    return rel.empty() ? base : base + "/" + rel;
}

inline FactDef make_def(const std::string& id, FactType type, std::map<std::string, FactType> fields = {},
                        std::vector<std::string> values = {}) {
    FactDef d;
    d.id = id;
    d.type = type;
    d.fields = std::move(fields);
    d.values = std::move(values);
    return d;
}

// The catalog entries (knowledge/facts/collected.yaml) of the collectors that run on Linux, plus a few others.
inline KnowledgeBase collect_test_kb() {
    KnowledgeBase kb;
    auto add = [&](FactDef d) { kb.facts[d.id] = std::move(d); };
    using T = FactType;
    add(make_def("host.name", T::string));
    add(make_def("host.os", T::enumeration, {}, {"linux", "windows", "macos", "other"}));
    add(make_def("host.os_release", T::string));
    add(make_def("host.kernel", T::string));
    add(make_def("host.arch", T::string));
    const std::map<std::string, FactType> mount_fields{
        {"source", T::string},  {"server", T::string}, {"share", T::string}, {"mountpoint", T::string},
        {"options", T::string}, {"vers", T::string},   {"sec", T::string},   {"username", T::string}};
    auto fstab_fields = mount_fields;
    fstab_fields["credentials_file"] = T::string;
    add(make_def("linux.cifs.mounts", T::records, mount_fields));
    add(make_def("linux.cifs.fstab_entries", T::records, fstab_fields));
    add(make_def("linux.cifs.credentials_files", T::records,
                 {{"path", T::string},
                  {"exists", T::boolean},
                  {"modified", T::timestamp},
                  {"mode", T::string},
                  {"world_readable", T::boolean}}));
    for (const char* s :
         {"samba_client.min_protocol", "samba_client.max_protocol", "samba_client.signing", "samba_client.workgroup"})
        add(make_def(s, T::string));
    add(make_def("samba_client.ntlmv2_auth", T::boolean));
    add(make_def("samba_client.lanman_auth", T::boolean));
    add(make_def("target.server", T::string));
    add(make_def("target.share", T::string));
    add(make_def("target.path", T::string));
    add(make_def("windows.build", T::integer));
    add(make_def("lsa.lm_compatibility_level", T::integer));
    add(make_def("smb_client.require_signing", T::boolean));
    add(make_def("smb_client.block_ntlm_exceptions", T::string_list));
    add(make_def("server.password_changed_at", T::timestamp));
    add(make_def("credman.entries", T::records,
                 {{"target", T::string},
                  {"type", T::string},
                  {"user", T::string},
                  {"persist", T::string},
                  {"last_written", T::timestamp}}));
    return kb;
}

// A fresh folder under the system temp folder, removed with everything in it.
struct TempDir {
    fs::path path;
    TempDir() {
#ifdef _WIN32   // no mkdtemp: a random name, created exclusively (create_directory is false when it exists)
        std::random_device rd;
        for (int i = 0; i < 100 && path.empty(); ++i) {
            fs::path p = fs::temp_directory_path() / ("kbdiag-test-" + std::to_string(rd()));
            std::error_code ec;
            if (fs::create_directory(p, ec)) path = p;
        }
#else
        std::string pattern = (fs::temp_directory_path() / "kbdiag-test-XXXXXX").string();
        if (::mkdtemp(pattern.data())) path = pattern;
#endif
    }
    ~TempDir() {
        std::error_code ec;
        if (!path.empty()) {
            // Give back permissions a test took away, so the folder can be removed.
            for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
                 it.increment(ec))
                fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ec);
            fs::remove_all(path, ec);
        }
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string str() const { return path.string(); }
};

// Copies the fake tree from tests/data/collect/tree into a temp folder (so tests can change modes and times).
inline void copy_fake_tree(const TempDir& dir) {
    fs::copy(collect_data("tree"), dir.path, fs::copy_options::recursive);
}

#ifdef _WIN32
inline bool running_as_root() { return false; }   // Windows build: permission tests are POSIX-only
#else
inline bool running_as_root() { return ::geteuid() == 0; }
#endif

}  // namespace kbdiag::testing
