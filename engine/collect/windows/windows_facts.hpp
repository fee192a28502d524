#pragma once
// The Windows collectors (issue 3), split in two:
//  - this header and windows_facts.cpp: turning what the Win32 APIs returned (registry values, RtlGetVersion,
//    CredEnumerateW records, NetUseEnum records, NetGetJoinInformation) into catalog facts. Plain C++,
//    compiled on every platform, so tests/unit/test_windows_*.cpp check it natively on recorded data;
//  - win32_*.cpp (compiled only on _WIN32): the API calls, which fill the structures below.
// Nothing here ever holds a credential's secret: CredRecord has no field for it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/collect/collector.hpp"

namespace kbdiag::win {

// ---- registry -------------------------------------------------------------------------------------
enum class RegStatus { ok, absent, denied, failed };

// Registry value types (the REG_* numbers of winnt.h, so recorded data reads like the real thing).
enum RegType : std::uint32_t { reg_none = 0, reg_sz = 1, reg_expand_sz = 2, reg_binary = 3, reg_dword = 4,
                               reg_multi_sz = 7, reg_qword = 11 };

struct RegValue {
    RegStatus status = RegStatus::absent;
    std::uint32_t type = reg_none;
    std::uint64_t number = 0;            // reg_dword / reg_qword
    std::string text;                    // reg_sz / reg_expand_sz, UTF-8
    std::vector<std::string> list;       // reg_multi_sz, UTF-8
    std::string error;                   // denied / failed: why

    static RegValue dword(std::uint32_t v);
    static RegValue sz(std::string v);
    static RegValue multi_sz(std::vector<std::string> v);
    static RegValue binary();            // a value of a type no collector reads (wrong type)
    static RegValue missing();
    static RegValue access_denied();
    static RegValue failure(std::string why);
};

// Reads values under HKEY_LOCAL_MACHINE. `key` like "SYSTEM\\CurrentControlSet\\Control\\Lsa".
class RegistryReader {
public:
    virtual ~RegistryReader() = default;
    virtual RegValue get(const std::string& key, const std::string& name) const = 0;
};

// Recorded registry for tests (and a stand-in where the live one is unavailable). Case-insensitive like
// the real one. A value never set reads as absent.
class RecordedRegistry final : public RegistryReader {
public:
    RecordedRegistry& set(const std::string& key, const std::string& name, RegValue v);
    RegValue get(const std::string& key, const std::string& name) const override;

private:
    std::map<std::pair<std::string, std::string>, RegValue> values_;
};

// The registry keys the collectors read (under HKLM).
namespace keys {
inline constexpr const char* current_version = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion";
inline constexpr const char* lsa = "SYSTEM\\CurrentControlSet\\Control\\Lsa";
inline constexpr const char* msv1_0 = "SYSTEM\\CurrentControlSet\\Control\\Lsa\\MSV1_0";
inline constexpr const char* workstation = "SYSTEM\\CurrentControlSet\\Services\\LanmanWorkstation\\Parameters";
inline constexpr const char* workstation_policy = "SOFTWARE\\Policies\\Microsoft\\Windows\\LanmanWorkstation";
inline constexpr const char* mrxsmb10 = "SYSTEM\\CurrentControlSet\\Services\\mrxsmb10";
inline constexpr const char* system_policies = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System";
}  // namespace keys

// What a collector could not read, and whether it read anything; becomes its status.
struct Tally {
    std::vector<std::string> problems;
    int facts = 0;   // facts set (known or absent)
    CollectorOutcome outcome() const;   // ok / partial (some problems) / failed (problems and no fact)
};

// ---- windows.os -----------------------------------------------------------------------------------
struct RtlVersion {
    bool ok = false;   // RtlGetVersion succeeded
    std::uint32_t major = 0, minor = 0, build = 0;
};
// windows.build (RtlGetVersion, else CurrentBuild/CurrentBuildNumber), windows.ubr, windows.display_version
// (DisplayVersion, else ReleaseId), windows.edition (EditionID), windows.product_name (ProductName; "Windows 10"
// is corrected to "Windows 11" from build 22000, with a note), windows.installation_type (client / server).
void os_facts(const RtlVersion& rtl, const RegistryReader& reg, FactSink& sink, Tally& t);

// ---- windows.lsa ----------------------------------------------------------------------------------
// lsa.lm_compatibility_level (absent when not set: Windows then behaves as level 3), lsa.ntlm_min_client_sec,
// lsa.restrict_sending_ntlm_traffic (absent when not set: Allow all),
// lsa.ntlm_outgoing_exceptions (ClientAllowedNTLMServers; empty when not set).
// Not BlockNtlmv1SSO: it governs NTLMv1-derived single sign-on such as MS-CHAPv2, not SMB (KB5066470), and no rule
// could read it (issue 11: every collected fact is used or dropped).
void lsa_facts(const RegistryReader& reg, FactSink& sink, Tally& t);

// ---- windows.smb_client ---------------------------------------------------------------------------
// smb_client.require_signing, .enable_signing, .allow_insecure_guest_auth (absent when not set),
// .allow_insecure_guest_auth_policy (absent when not set), .smb1_installed (mrxsmb10 Start != 4),
// .block_ntlm, .block_ntlm_exceptions (policy first, then the Parameters key), system.enable_linked_connections.
void smb_client_facts(const RegistryReader& reg, FactSink& sink, Tally& t);

// ---- windows.credman ------------------------------------------------------------------------------
struct CredRecord {   // what CredEnumerateW returned, minus the secret (never copied, never read)
    std::string target;
    std::uint32_t type = 0;      // CRED_TYPE_*
    std::string user;
    std::uint32_t persist = 0;   // CRED_PERSIST_*
    std::uint64_t last_written = 0;   // FILETIME (100 ns since 1601-01-01 UTC)
};
std::string cred_type_name(std::uint32_t type);         // generic, domain_password, ... or "type_N"
std::string cred_persist_name(std::uint32_t persist);   // session, local_machine, enterprise or "persist_N"
// FILETIME to seconds since the Unix epoch (nullopt for 0 or dates before 1970).
std::optional<std::int64_t> filetime_to_unix(std::uint64_t filetime);
// credman.entries. `api_error` 0: the list is complete; 1168 (ERROR_NOT_FOUND): no credentials (an empty list);
// anything else: the fact fails.
void credman_facts(std::uint32_t api_error, const std::vector<CredRecord>& records, FactSink& sink, Tally& t);

// ---- windows.net_use ------------------------------------------------------------------------------
struct NetUseRecord {
    std::string local, remote, user;
    std::uint32_t status = 0;   // USE_OK, USE_PAUSED, USE_SESSLOST, USE_NETERR, USE_CONN, USE_RECONN
    bool status_known = true;
};
std::string use_status_name(std::uint32_t status);   // OK, Paused, Disconnected, Network error, Connecting, ...
struct ApiContext {
    bool under_wine = false;   // wine_get_version exists: say so when an API is only a stub there
};
// net.connections. `api_error` != 0: the fact fails with the error named (and Wine's stub named as such).
void net_use_facts(std::uint32_t api_error, const std::vector<NetUseRecord>& records, const ApiContext& ctx,
                   FactSink& sink, Tally& t);

// ---- windows.domain -------------------------------------------------------------------------------
struct JoinInfo {
    std::uint32_t api_error = 0;
    int status = 0;   // NETSETUP_JOIN_STATUS: 0 unknown, 1 unjoined, 2 workgroup, 3 domain
    std::string name;   // the domain or workgroup name
};
// host.domain_joined, host.domain (the domain when joined; absent with the workgroup named otherwise).
// Under Wine NetGetJoinInformation always answers "workgroup": the facts are then marked as Wine's.
void domain_facts(const JoinInfo& join, const ApiContext& ctx, FactSink& sink, Tally& t);

// A Win32 error code as text: "error 5 (ERROR_ACCESS_DENIED)" for the common ones, else "error N".
std::string win32_error_name(std::uint32_t code);

}  // namespace kbdiag::win
