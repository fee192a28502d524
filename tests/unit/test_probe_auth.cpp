// The opt-in authentication check's portable parts: the Win32 error -> NT status mapping the Windows check
// uses, when an NTLMv1 logon is worth trying, and the facts written from a WNetAddConnection2W answer
// (including Wine's, which must never pass for a server's answer).
#include <doctest/doctest.h>

#include <algorithm>

#include "engine/probe/auth_status.hpp"
#include "engine/probe/probe_collector.hpp"

using namespace kbdiag;
using namespace kbdiag::probe;

namespace {

FactStore facts_of(const Win32Connect& c, bool share_given, std::string* note = nullptr) {
    FactSink sink;
    std::string n = write_win32_auth_facts(c, "\\\\nas01\\share", share_given, sink);
    if (note) *note = n;
    return sink.close("probe.smb");
}

Win32Connect answered(std::uint32_t error, bool wine = false) {
    Win32Connect c;
    c.called = true;
    c.error = error;
    c.under_wine = wine;
    return c;
}

}  // namespace

TEST_CASE("probe auth: Win32 connection errors that stand for one NT status") {
    struct Case {
        std::uint32_t error;
        const char* status;
        const char* stage;
    };
    const Case cases[] = {
        {0, "NT_STATUS_OK", "ok"},
        {1326, "NT_STATUS_LOGON_FAILURE", "session_setup"},
        {1331, "NT_STATUS_ACCOUNT_DISABLED", "session_setup"},
        {1909, "NT_STATUS_ACCOUNT_LOCKED_OUT", "session_setup"},
        {1330, "NT_STATUS_PASSWORD_EXPIRED", "session_setup"},
        {1327, "NT_STATUS_ACCOUNT_RESTRICTION", "session_setup"},
        {1937, "NT_STATUS_NTLM_BLOCKED", "session_setup"},
        {86, "NT_STATUS_WRONG_PASSWORD", "session_setup"},
        {67, "NT_STATUS_BAD_NETWORK_NAME", "tree_connect"},
        {1219, "NT_STATUS_NETWORK_CREDENTIAL_CONFLICT", "other"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.error);
        auto a = nt_status_for_win32_error(c.error);
        REQUIRE(a);
        CHECK(a->status == c.status);
        CHECK(a->stage == c.stage);
    }
    CHECK(win32_connection_error_name(1326) == "ERROR_LOGON_FAILURE");
    CHECK(win32_connection_error_name(1937) == "ERROR_NTLM_BLOCKED");
    CHECK(win32_connection_error_name(424242).empty());
}

TEST_CASE("probe auth: errors many statuses share, or the client makes up, map to no NT status") {
    for (std::uint32_t error : {5u, 53u, 58u, 64u, 1222u, 1272u, 2403u, 424242u}) {
        CAPTURE(error);
        CHECK_FALSE(nt_status_for_win32_error(error));
    }
    CHECK(win32_connection_error_name(53) == "ERROR_BAD_NETPATH");
    CHECK(win32_connection_error_name(1272) == "ERROR_SMB_GUEST_LOGON_BLOCKED");
}

TEST_CASE("probe auth: an NTLMv1 logon is tried only when the NTLMv2 answer judged the logon") {
    CHECK(ntlmv1_check_tells_something("NT_STATUS_OK", "ok"));
    CHECK(ntlmv1_check_tells_something("NT_STATUS_LOGON_FAILURE", "session_setup"));
    CHECK(ntlmv1_check_tells_something("NT_STATUS_WRONG_PASSWORD", "session_setup"));
    CHECK(ntlmv1_check_tells_something("NT_STATUS_BAD_NETWORK_NAME", "tree_connect"));
    CHECK(ntlmv1_check_tells_something("NT_STATUS_ACCESS_DENIED", "tree_connect"));
    CHECK_FALSE(ntlmv1_check_tells_something("NT_STATUS_NTLM_BLOCKED", "session_setup"));
    CHECK_FALSE(ntlmv1_check_tells_something("NT_STATUS_ACCOUNT_DISABLED", "session_setup"));
    CHECK_FALSE(ntlmv1_check_tells_something("NT_STATUS_ACCOUNT_LOCKED_OUT", "session_setup"));
    CHECK_FALSE(ntlmv1_check_tells_something("NT_STATUS_CONNECTION_DISCONNECTED", "negotiate"));
    CHECK_FALSE(ntlmv1_check_tells_something("NT_STATUS_LOGON_FAILURE", "other"));
}

TEST_CASE("probe auth: facts from a Windows connection answer") {
    std::string note;
    FactStore f = facts_of(answered(1326), true, &note);
    CHECK(f.value("server.auth_win32_error")->as_int() == 1326);
    CHECK(f.value("server.auth_status")->as_string() == "NT_STATUS_LOGON_FAILURE");
    CHECK(f.value("server.auth_stage")->as_string() == "session_setup");
    CHECK(f.value("server.share_exists") == nullptr);
    CHECK(note.find("ERROR_LOGON_FAILURE") != std::string::npos);

    FactStore missing = facts_of(answered(67), true);
    CHECK(missing.value("server.auth_status")->as_string() == "NT_STATUS_BAD_NETWORK_NAME");
    CHECK_FALSE(missing.value("server.share_exists")->as_bool());

    FactStore ok = facts_of(answered(0), true);
    CHECK(ok.value("server.auth_status")->as_string() == "NT_STATUS_OK");
    CHECK(ok.value("server.share_exists")->as_bool());
    FactStore ipc = facts_of(answered(0), false);
    CHECK(ipc.value("server.share_exists") == nullptr);   // IPC$ says nothing about the --target share

    // An error with no one NT status: the number is kept, the status fails with the reason.
    FactStore path = facts_of(answered(53), true);
    CHECK(path.value("server.auth_win32_error")->as_int() == 53);
    REQUIRE(path.find("server.auth_status"));
    CHECK(path.find("server.auth_status")->state == FactState::failed);
    CHECK(path.find("server.auth_status")->note.find("ERROR_BAD_NETPATH") != std::string::npos);
}

TEST_CASE("probe auth: under Wine the answer is never taken for the server's") {
    for (std::uint32_t error : {1222u, 0u, 1326u}) {
        CAPTURE(error);
        FactStore f = facts_of(answered(error, true), true);
        for (const char* name : {"server.auth_status", "server.auth_win32_error"}) {
            REQUIRE(f.find(name));
            CHECK(f.find(name)->state == FactState::failed);
            CHECK(f.find(name)->note.find("Wine") != std::string::npos);
        }
        CHECK(f.find("server.auth_stage") == nullptr);
        CHECK(f.find("server.share_exists") == nullptr);
    }
    Win32Connect late;
    late.failure = "WNetAddConnection2W did not return within 900 ms";
    FactStore g = facts_of(late, true);
    CHECK(g.find("server.auth_status")->state == FactState::failed);
    CHECK(g.find("server.auth_status")->note == late.failure);
}

TEST_CASE("probe auth: every fact written is one probe.smb declares") {
    const auto& names = probe_fact_names();
    for (std::uint32_t error : {0u, 53u, 67u}) {
        FactStore f = facts_of(answered(error), true);
        for (const auto& [name, e] : f.entries()) {
            CAPTURE(name);
            CHECK(std::find(names.begin(), names.end(), name) != names.end());
        }
    }
    CHECK(std::find(names.begin(), names.end(), "server.ntlmv1_auth_status") != names.end());
}

#ifdef _WIN32
// The real API. Under Wine (where ctest runs the Windows build) it must answer at once without asking a server:
// Wine 8's WNetAddConnection2W has no network provider and returns ERROR_NO_NETWORK (1222). On Windows, a share
// that does not exist on this machine cannot be connected to either.
TEST_CASE("probe auth: WNetAddConnection2W answers within its limit and never connects to a missing share") {
    Win32Connect c = connect_share_as("\\\\127.0.0.1\\kbdiag-no-such-share", "kbdiag-nobody", "not-a-password",
                                      std::chrono::milliseconds(20000));
    REQUIRE_MESSAGE(c.called, c.failure);
    CHECK(c.error != 0);
    CHECK(c.under_wine == running_under_wine());
    if (c.under_wine) {
        CHECK(c.error == 1222);
        std::string note;
        FactStore f = facts_of(c, true, &note);
        CHECK(f.find("server.auth_status")->state == FactState::failed);
        CHECK(note.find("ERROR_NO_NETWORK") != std::string::npos);
    }
}
#endif
