#include "engine/probe/auth_status.hpp"

namespace kbdiag::probe {

namespace {

struct Win32Mapping {
    std::uint32_t error;
    const char* name;
    const char* nt_status;   // nullptr: no unambiguous NT status
    const char* stage;
};

// Win32 errors a share connection (WNetAddConnection2W, net use) returns. The NT status column is filled only
// where one status alone maps to the error (RtlNtStatusToDosError) and the status is the server's answer.
constexpr Win32Mapping mappings[] = {
    {0, "NO_ERROR", "NT_STATUS_OK", "ok"},
    {5, "ERROR_ACCESS_DENIED", nullptr, nullptr},
    {53, "ERROR_BAD_NETPATH", nullptr, nullptr},
    {58, "ERROR_BAD_NET_RESP", nullptr, nullptr},
    {64, "ERROR_NETNAME_DELETED", nullptr, nullptr},
    {67, "ERROR_BAD_NET_NAME", "NT_STATUS_BAD_NETWORK_NAME", "tree_connect"},
    {86, "ERROR_INVALID_PASSWORD", "NT_STATUS_WRONG_PASSWORD", "session_setup"},
    {1203, "ERROR_NO_NET_OR_BAD_PATH", nullptr, nullptr},
    {1219, "ERROR_SESSION_CREDENTIAL_CONFLICT", "NT_STATUS_NETWORK_CREDENTIAL_CONFLICT", "other"},
    {1222, "ERROR_NO_NETWORK", nullptr, nullptr},
    {1272, "ERROR_SMB_GUEST_LOGON_BLOCKED", nullptr, nullptr},
    {1326, "ERROR_LOGON_FAILURE", "NT_STATUS_LOGON_FAILURE", "session_setup"},
    {1327, "ERROR_ACCOUNT_RESTRICTION", "NT_STATUS_ACCOUNT_RESTRICTION", "session_setup"},
    {1328, "ERROR_INVALID_LOGON_HOURS", "NT_STATUS_INVALID_LOGON_HOURS", "session_setup"},
    {1329, "ERROR_INVALID_WORKSTATION", "NT_STATUS_INVALID_WORKSTATION", "session_setup"},
    {1330, "ERROR_PASSWORD_EXPIRED", "NT_STATUS_PASSWORD_EXPIRED", "session_setup"},
    {1331, "ERROR_ACCOUNT_DISABLED", "NT_STATUS_ACCOUNT_DISABLED", "session_setup"},
    {1793, "ERROR_ACCOUNT_EXPIRED", "NT_STATUS_ACCOUNT_EXPIRED", "session_setup"},
    {1909, "ERROR_ACCOUNT_LOCKED_OUT", "NT_STATUS_ACCOUNT_LOCKED_OUT", "session_setup"},
    {1937, "ERROR_NTLM_BLOCKED", "NT_STATUS_NTLM_BLOCKED", "session_setup"},
    {2202, "NERR_BadUsername", nullptr, nullptr},
    {2403, "NERR_BadPasswordCore", nullptr, nullptr},
};

const Win32Mapping* find_mapping(std::uint32_t error) {
    for (const auto& m : mappings)
        if (m.error == error) return &m;
    return nullptr;
}

}  // namespace

std::optional<AuthAnswer> nt_status_for_win32_error(std::uint32_t error) {
    const Win32Mapping* m = find_mapping(error);
    if (!m || !m->nt_status) return std::nullopt;
    return AuthAnswer{m->nt_status, m->stage};
}

std::string win32_connection_error_name(std::uint32_t error) {
    const Win32Mapping* m = find_mapping(error);
    return m ? m->name : std::string{};
}

bool ntlmv1_check_tells_something(const std::string& status, const std::string& stage) {
    if (status == "NT_STATUS_OK" || stage == "tree_connect") return true;
    return stage == "session_setup" && (status == "NT_STATUS_LOGON_FAILURE" || status == "NT_STATUS_WRONG_PASSWORD");
}

}  // namespace kbdiag::probe
