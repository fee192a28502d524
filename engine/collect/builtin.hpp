#pragma once
// The collectors this build ships (builtin_collectors() lists them in run order), and the small parsers
// they are made of, declared here so unit tests can reach them directly.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/collect/collector.hpp"

namespace kbdiag {

std::shared_ptr<Collector> make_host_collector();           // host.info
std::shared_ptr<Collector> make_target_collector();         // target
std::shared_ptr<Collector> make_linux_cifs_collector();     // linux.cifs
std::shared_ptr<Collector> make_samba_client_collector();   // linux.samba_client
std::shared_ptr<Collector> make_import_collector();         // import
std::shared_ptr<Collector> make_manual_collector();         // manual

// ---- target -------------------------------------------------------------------------------------
struct ShareTarget {
    std::string server;   // host name, IPv4 address or [IPv6] address
    std::string share;    // may be empty for "\\server"
    std::string path;     // UNC form: \\server\share\sub\folder
};
// Accepts \\server\share[\path], //server/share[/path] and smb://[user@]server[:port]/share[/path]
// (user info and port are dropped: a password in the URL is never kept). nullopt and `error` on garbage.
std::optional<ShareTarget> parse_share_target(std::string_view text, std::string& error);

// ---- linux.cifs ---------------------------------------------------------------------------------
// Decodes the octal escapes of /proc/mounts and fstab (\040 space, \011 tab, \012 newline, \134 backslash).
std::string unescape_mount_field(std::string_view field);
// "//user:password@server/share" (or smb://..., or "user%password@") -> "//user:<redacted>@server/share", and
// `user` = "user"; a source without user information comes back unchanged (and `user` empty).
std::string source_without_password(const std::string& source, std::string& user);
// Splits mount options at commas; ",," inside a value is a literal comma (mount.cifs passwords).
std::vector<std::string> split_mount_options(std::string_view options);
// Joins options back, replacing every secret: password=, pass=, password2= values become "<redacted>",
// and a "user%password" in username=/user= loses the password.
std::string redact_mount_options(const std::vector<std::string>& options);

struct CifsEntry {
    std::string source;   // //server/share as written (decoded)
    std::string server;
    std::string share;
    std::string mountpoint;
    std::string type;      // cifs or smb3
    std::string options;   // redacted
    std::string vers;
    std::string sec;
    std::string username;           // without any %password part
    std::string credentials_file;   // as written in credentials= (or cred=)
};
// Parses a mounts/fstab table, keeping only cifs/smb3 lines. Comments and blank lines are skipped.
std::vector<CifsEntry> parse_cifs_table(std::string_view text);

// ---- linux.samba_client -------------------------------------------------------------------------
// The "name = value" lines of the [global] section of `testparm -s -v` output, with names lowercased
// and their spaces removed (Samba's own normalisation: "client NTLMv2 auth" -> "clientntlmv2auth").
// nullopt when the text has no [global] section.
std::optional<std::map<std::string, std::string>> parse_testparm_globals(std::string_view text);

}  // namespace kbdiag
