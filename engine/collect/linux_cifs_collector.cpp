// linux.cifs: CIFS/SMB3 mounts (/proc/mounts), fstab entries, and the credentials files they name.
// Secrets never leave this file: password options are redacted before anything is stored, and
// credentials files are only stat()ed, never opened.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "engine/core/text.hpp"
#include "engine/collect/builtin.hpp"
#include "engine/collect/root_files.hpp"

#ifndef _WIN32
#include <sys/stat.h>
#endif

namespace kbdiag {

namespace {

using text::lower;

bool is_octal(char c) { return c >= '0' && c <= '7'; }

std::vector<std::string> split_fields(std::string_view line) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (pos < line.size()) {
        pos = line.find_first_not_of(" \t", pos);
        if (pos == std::string_view::npos) break;
        auto end = line.find_first_of(" \t", pos);
        if (end == std::string_view::npos) end = line.size();
        out.emplace_back(line.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

// Options whose values are secrets: password=, pass=, password2=, passwd=... (any "pass" prefix).
bool is_secret_key(const std::string& key) { return lower(key).rfind("pass", 0) == 0; }
bool is_user_key(const std::string& key) {
    auto k = lower(key);
    return k == "username" || k == "user";
}

std::string key_of(const std::string& option) { return option.substr(0, option.find('=')); }
std::string value_of(const std::string& option) {
    auto eq = option.find('=');
    return eq == std::string::npos ? std::string{} : option.substr(eq + 1);
}

// "user%password" -> "user": mount.cifs accepts a password after % in the user name.
std::string user_without_password(const std::string& user) { return user.substr(0, user.find('%')); }

void split_server_share(const std::string& source, std::string& server, std::string& share) {
    auto parts = text::split_path(source);
    if (!parts.empty()) server = parts[0];
    if (parts.size() > 1) share = parts[1];
}

// Where a source's authority ("[user[:password]@]server[:port]") starts: after "//", "\\\\" or "scheme://".
std::size_t authority_start(const std::string& source) {
    auto scheme = source.find("://");
    if (scheme != std::string::npos && source.find_first_of("/\\") > scheme) return scheme + 3;
    std::size_t i = 0;
    while (i < source.size() && (source[i] == '/' || source[i] == '\\')) ++i;
    return i;
}

std::optional<CifsEntry> parse_cifs_line(std::string_view line) {
    auto fields = split_fields(line);
    if (fields.size() < 3 || fields[0].empty() || fields[0][0] == '#') return std::nullopt;
    std::string type = lower(unescape_mount_field(fields[2]));
    if (type != "cifs" && type != "smb3") return std::nullopt;
    CifsEntry e;
    e.type = type;
    std::string source_user;
    e.source = source_without_password(unescape_mount_field(fields[0]), source_user);
    e.mountpoint = unescape_mount_field(fields[1]);
    split_server_share(e.source.substr(authority_start(e.source)), e.server, e.share);
    if (auto at = e.server.rfind('@'); at != std::string::npos) e.server.erase(0, at + 1);
    e.username = source_user;   // username= in the options, when given, wins
    // Split first, unescape each option after: an escaped comma (\054) inside a password stays inside it.
    std::vector<std::string> options;
    if (fields.size() > 3)
        for (const auto& raw : split_mount_options(fields[3])) options.push_back(unescape_mount_field(raw));
    for (const auto& o : options) {
        auto k = lower(key_of(o));
        if (k == "vers")
            e.vers = value_of(o);
        else if (k == "sec")
            e.sec = value_of(o);
        else if (is_user_key(k))
            e.username = user_without_password(value_of(o));
        else if (k == "credentials" || k == "cred")
            e.credentials_file = value_of(o);
    }
    e.options = redact_mount_options(options);
    return e;
}

}  // namespace

std::string unescape_mount_field(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (std::size_t i = 0; i < field.size(); ++i) {
        if (field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) && is_octal(field[i + 2]) &&
            is_octal(field[i + 3])) {
            int v = (field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0');
            if (v > 0 && v < 256) {
                out += static_cast<char>(v);
                i += 3;
                continue;
            }
        }
        out += field[i];
    }
    return out;
}

std::string source_without_password(const std::string& source, std::string& user) {
    user.clear();
    const std::size_t start = authority_start(source);
    const std::size_t end = std::min(source.find_first_of("/\\", start), source.size());
    const std::string authority = source.substr(start, end - start);
    const auto at = authority.rfind('@');
    if (at == std::string::npos) return source;
    const std::string userinfo = authority.substr(0, at);
    const auto colon = userinfo.find(':');
    user = user_without_password(userinfo.substr(0, colon));
    if (colon == std::string::npos && user.size() == userinfo.size()) return source;
    return source.substr(0, start) + user + ":<redacted>" + authority.substr(at) + source.substr(end);
}

std::vector<std::string> split_mount_options(std::string_view options) {
    std::vector<std::string> out;
    std::string current;
    for (std::size_t i = 0; i < options.size(); ++i) {
        if (options[i] != ',') {
            current += options[i];
        } else if (i + 1 < options.size() && options[i + 1] == ',') {
            current += ',';   // ",," is a literal comma inside a value
            ++i;
        } else {
            if (!current.empty()) out.push_back(std::move(current));
            current.clear();
        }
    }
    if (!current.empty()) out.push_back(std::move(current));
    return out;
}

std::string redact_mount_options(const std::vector<std::string>& options) {
    std::vector<std::string> out;
    for (const auto& o : options) {
        std::string key = key_of(o);
        if (is_secret_key(key)) {
            out.push_back(o.find('=') == std::string::npos ? key : key + "=<redacted>");
        } else if (is_user_key(key) && value_of(o).find('%') != std::string::npos) {
            out.push_back(key + "=" + user_without_password(value_of(o)) + "%<redacted>");
        } else {
            std::string kept;   // a comma inside a kept value is written back doubled
            for (char c : o) kept += c == ',' ? std::string(",,") : std::string(1, c);
            out.push_back(kept);
        }
    }
    return fmt::format("{}", fmt::join(out, ","));
}

std::vector<CifsEntry> parse_cifs_table(std::string_view text) {
    std::vector<CifsEntry> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        if (auto e = parse_cifs_line(text.substr(pos, end - pos))) out.push_back(std::move(*e));
        pos = end + 1;
    }
    return out;
}

namespace {

void put_if(Record& r, const char* field, const std::string& value) {
    if (!value.empty()) r[field] = value;
}

Record to_record(const CifsEntry& e, bool with_credentials) {
    Record r{{"source", e.source},
             {"server", e.server},
             {"share", e.share},
             {"mountpoint", e.mountpoint},
             {"options", e.options}};
    put_if(r, "vers", e.vers);
    put_if(r, "sec", e.sec);
    put_if(r, "username", e.username);
    if (with_credentials) put_if(r, "credentials_file", e.credentials_file);
    return r;
}

struct Outcome {
    bool denied = false;
    std::vector<std::string> problems;
};

// Reads one table into a records fact. Missing file: an empty list. Unreadable: the fact fails.
std::vector<CifsEntry> table_fact(const CollectOptions& options, const char* file, const char* fact,
                                  bool with_credentials, FactSink& sink, Outcome& outcome) {
    auto r = read_under_root(options.root, file);
    if (r.status == ReadStatus::missing) {
        sink.set(fact, std::vector<Record>{}, fmt::format("no {}", file));
        return {};
    }
    if (r.status != ReadStatus::ok) {
        sink.set_failed(fact, r.error);
        outcome.denied = outcome.denied || r.status == ReadStatus::denied;
        outcome.problems.push_back(r.error);
        return {};
    }
    auto entries = parse_cifs_table(r.content);
    std::vector<Record> records;
    for (const auto& e : entries) records.push_back(to_record(e, with_credentials));
    sink.set(fact, std::move(records));
    return entries;
}

// Describes a credentials file from its metadata alone. The file is never opened.
Record credentials_record(const std::string& root, const std::string& path, Outcome& outcome) {
    Record r{{"path", path}};
#ifndef _WIN32
    struct stat st {};
    const std::string full = under_root(root, path);
    if (::stat(full.c_str(), &st) != 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            r["exists"] = false;
        } else {
            outcome.problems.push_back(fmt::format("{}: {}", full, std::strerror(err)));
            outcome.denied = true;
        }
        return r;
    }
    r["exists"] = true;
    r["modified"] = static_cast<std::int64_t>(st.st_mtime);
    r["mode"] = fmt::format("{:04o}", st.st_mode & 07777);
    r["world_readable"] = (st.st_mode & S_IROTH) != 0;
#else
    (void)root;
    (void)outcome;
#endif
    return r;
}

class LinuxCifsCollector final : public Collector {
public:
    std::string id() const override { return "linux.cifs"; }
    std::string description() const override {
        return "CIFS/SMB3 mounts and fstab entries, and the credentials files they name (metadata only)";
    }
    std::vector<std::string> provides() const override {
        return {"linux.cifs.mounts", "linux.cifs.fstab_entries", "linux.cifs.credentials_files"};
    }
    std::vector<Platform> platforms() const override { return {Platform::linux_os}; }

    CollectorOutcome collect(const CollectOptions& options, FactSink& sink) override {
        Outcome outcome;
        auto mounts = table_fact(options, "proc/mounts", "linux.cifs.mounts", false, sink, outcome);
        auto fstab = table_fact(options, "etc/fstab", "linux.cifs.fstab_entries", true, sink, outcome);
        std::set<std::string> paths;
        for (const auto* list : {&fstab, &mounts})
            for (const auto& e : *list)
                if (!e.credentials_file.empty()) paths.insert(e.credentials_file);
        std::vector<Record> files;
        for (const auto& p : paths) files.push_back(credentials_record(options.root, p, outcome));
        sink.set("linux.cifs.credentials_files", std::move(files));
        if (outcome.problems.empty()) return {CollectorStatus::ok, {}};
        return {CollectorStatus::partial, fmt::format("could not read: {}", fmt::join(outcome.problems, "; "))};
    }
};

}  // namespace

std::shared_ptr<Collector> make_linux_cifs_collector() { return std::make_shared<LinuxCifsCollector>(); }

}  // namespace kbdiag
