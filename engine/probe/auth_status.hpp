#pragma once
// The opt-in authentication check's answers, made comparable across platforms (pure, tested everywhere):
// on Windows the check connects through the OS (WNetAddConnection2W) and gets a Win32 error; on Linux smbclient
// prints the server's NT status. Both end up as server.auth_status (an NT status) where the mapping is
// unambiguous, and the Win32 error itself is kept as server.auth_win32_error.
#include <cstdint>
#include <optional>
#include <string>

namespace kbdiag::probe {

struct AuthAnswer {
    std::string status;   // NT_STATUS_...
    std::string stage;    // a server.auth_stage value: ok, negotiate, session_setup, tree_connect, other
};

// The NT status a Win32 connection error stands for, when only one status produces it and it comes from the
// server's answer (1326 -> NT_STATUS_LOGON_FAILURE, 67 -> NT_STATUS_BAD_NETWORK_NAME, ...), with the step it
// belongs to. nullopt for errors many statuses share (5, 53, 64, ...) or that the client makes up by itself
// (1272: the client refused a guest session; 1219 is the client's own, but has its NT status twin).
std::optional<AuthAnswer> nt_status_for_win32_error(std::uint32_t error);

// The Win32 symbolic name of the errors a share connection returns ("ERROR_LOGON_FAILURE"), empty when unknown.
std::string win32_connection_error_name(std::uint32_t error);

// Whether an NTLMv1 logon with the same credentials tells something after the (NTLMv2) check answered
// `status` at `stage`: yes when the logon itself was judged - accepted (OK, or refused later at the tree
// connect) or refused as a bad password (an NTLMv1-only server refuses NTLMv2 that way). No when the account
// state, an NTLM ban or anything before the logon decided: NTLMv1 would get the same answer.
bool ntlmv1_check_tells_something(const std::string& status, const std::string& stage);

}  // namespace kbdiag::probe
