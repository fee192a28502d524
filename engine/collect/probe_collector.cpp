// probe.smb: asks the share's server what it negotiates (engine/probe/), under a total time budget.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <map>

#include <fmt/format.h>

#include "engine/collect/builtin.hpp"
#include "engine/collect/process.hpp"
#include "engine/probe/auth_status.hpp"
#include "engine/probe/auth_win32.hpp"
#include "engine/probe/probe_collector.hpp"

namespace kbdiag {

namespace {

using namespace probe;

constexpr std::int64_t default_budget_ms = 3000;

std::chrono::milliseconds budget_for(const CollectOptions& options, std::string& note) {
    std::int64_t budget = default_budget_ms;
    if (auto env = get_env(options, "KBDIAG_PROBE_BUDGET_MS"); env && !env->empty()) {
        char* end = nullptr;
        long long v = std::strtoll(env->c_str(), &end, 10);
        if (end && *end == '\0' && v >= 50 && v <= 600000)
            budget = v;
        else
            note = fmt::format("KBDIAG_PROBE_BUDGET_MS='{}' ignored (50-600000 expected)", *env);
    }
    // Leave the registry's per-collector limit room to collect what the probe found.
    const std::int64_t limit = options.time_limit.count();
    const std::int64_t room = std::max<std::int64_t>(50, limit - std::min<std::int64_t>(500, limit / 5));
    return std::chrono::milliseconds(std::min(budget, room));
}

struct SmbclientAnswer {
    bool ok = false;       // a status was read
    std::string status;    // NT_STATUS_...
    std::string stage;     // ok, negotiate, session_setup, tree_connect, other
    std::string error;     // when !ok
};

// `smbclient //HOST/SHARE -p PORT <credentials args> -c exit` (SHARE: IPC$ when empty); SMB1 allowed so that
// SMB1-only servers are checked too.
SmbclientAnswer run_smbclient(const CollectOptions& options, const ServerSpec& spec, const std::string& share,
                              const std::vector<std::string>& credentials,
                              const std::map<std::string, std::string>& env, std::chrono::milliseconds limit) {
    SmbclientAnswer a;
    const std::string path = get_env(options, "PATH").value_or("/usr/bin:/bin");
    const std::string smbclient = find_program("smbclient", path + ":/usr/bin");
    if (smbclient.empty()) {
        a.error = "smbclient not found (Debian package smbclient)";
        return a;
    }
    std::vector<std::string> argv{smbclient, fmt::format("//{}/{}", spec.host, share.empty() ? "IPC$" : share), "-p",
                                  std::to_string(spec.port)};
    argv.insert(argv.end(), credentials.begin(), credentials.end());
    argv.insert(argv.end(), {"-c", "exit", "--option=client min protocol=NT1"});
    ProcessResult p = run_process(argv, limit, env, 256 * 1024);
    if (!p.started || p.timed_out) {
        a.error = p.timed_out ? "smbclient timed out" : p.error;
        return a;
    }
    auto parsed = parse_smbclient_status(p.output, p.exit_code);
    if (!parsed) {
        a.error = fmt::format("smbclient exited with {} and printed no NT status", p.exit_code);
        return a;
    }
    a.ok = true;
    a.status = parsed->first;
    a.stage = parsed->second;
    return a;
}

#ifndef _WIN32
// NTLMv1 with the same credentials (smbclient `client ntlmv2 auth = no`: Samba 4.17's smbclient then answers
// the challenge with an NTLMv1 response - the server logs "NTLMv1 passwords NOT PERMITTED" when it refuses it).
// To IPC$: only the logon matters. Run only when the NTLMv2 answer judged the logon itself (see
// ntlmv1_check_tells_something); with a wrong password this is one more failed logon on the server.
void ntlmv1_check(const CollectOptions& options, const ServerSpec& spec, const std::string& user,
                  const std::string& password, const SmbclientAnswer& ntlmv2, std::chrono::milliseconds limit,
                  FactSink& sink, std::vector<std::string>& notes) {
    if (!ntlmv2.ok || !ntlmv1_check_tells_something(ntlmv2.status, ntlmv2.stage)) {
        notes.push_back(fmt::format("NTLMv1 check not run (the NTLMv2 check answered {})",
                                    ntlmv2.ok ? ntlmv2.status : std::string("nothing")));
        return;
    }
    if (limit < std::chrono::milliseconds(100)) {
        sink.set_failed("server.ntlmv1_auth_status", "no time left for the NTLMv1 check");
        return;
    }
    SmbclientAnswer a = run_smbclient(options, spec, "", {"-U", user, "--option=client ntlmv2 auth=no"},
                                      {{"PASSWD", password}}, limit);
    if (!a.ok) {
        sink.set_failed("server.ntlmv1_auth_status", a.error);
        notes.push_back("NTLMv1 check: " + a.error);
        return;
    }
    sink.set("server.ntlmv1_auth_status", a.status,
             fmt::format("smbclient as the given user to IPC$ answering with NTLMv1: {}", a.stage));
    notes.push_back(fmt::format("NTLMv1 check: {}", a.status));
}

// Linux and other POSIX systems: smbclient as the user (NTLMv2), then the NTLMv1 check.
void auth_check_smbclient(const CollectOptions& options, const ServerSpec& spec, const std::string& share,
                          const std::string& user, const std::string& password, std::chrono::milliseconds limit,
                          FactSink& sink, std::vector<std::string>& notes) {
    const auto start = std::chrono::steady_clock::now();
    SmbclientAnswer a = run_smbclient(options, spec, share, {"-U", user}, {{"PASSWD", password}}, limit * 3 / 5);
    if (!a.ok) {
        sink.set_failed("server.auth_status", a.error);
        notes.push_back("authentication check: " + a.error);
        return;
    }
    const std::string where = share.empty() ? std::string("IPC$") : "share '" + share + "'";
    sink.set("server.auth_status", a.status, fmt::format("smbclient as the given user to {}: {}", where, a.stage));
    sink.set("server.auth_stage", a.stage);
    if (!share.empty()) {
        if (a.status == "NT_STATUS_BAD_NETWORK_NAME") sink.set("server.share_exists", false, a.status);
        else if (a.stage == "ok" || a.stage == "tree_connect") sink.set("server.share_exists", true, a.status);
    }
    notes.push_back(fmt::format("authentication check: {}", a.status));
    const auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    ntlmv1_check(options, spec, user, password, a, limit - spent, sink, notes);
}
#else
// Windows: the OS's own connection API, so the answer is the error the user sees. It always uses TCP 445, so
// a server probed on another port is not asked - except under Wine, whose WNetAddConnection2W asks no server
// at all: it is called there so the facts say what it returned, marked as Wine's.
void auth_check_wnet(const ServerSpec& spec, const std::string& share, const std::string& user,
                     const std::string& password, std::chrono::milliseconds limit, FactSink& sink,
                     std::vector<std::string>& notes) {
    const std::string unc = fmt::format("\\\\{}\\{}", spec.host, share.empty() ? std::string("IPC$") : share);
    if (spec.port != 445 && !running_under_wine()) {
        const std::string why = fmt::format(
            "not checked: the Windows SMB client connects to TCP 445 only, and the server was probed on port {}",
            spec.port);
        sink.set_failed("server.auth_status", why);
        sink.set_failed("server.auth_win32_error", why);
        notes.push_back("authentication check " + why);
        return;
    }
    notes.push_back(write_win32_auth_facts(connect_share_as(unc, user, password, limit), unc, !share.empty(), sink));
}
#endif

// The opt-in authentication check: only when KBDIAG_PROBE_USER and KBDIAG_PROBE_PASSWORD are both set.
// The password goes to smbclient in its environment only (PASSWD), on Windows to WNetAddConnection2W only:
// never on a command line, never in a fact, a note or a message.
void auth_check(const CollectOptions& options, const ServerSpec& spec, const std::string& share,
                std::chrono::milliseconds limit, FactSink& sink, std::vector<std::string>& notes) {
    auto user = get_env(options, "KBDIAG_PROBE_USER");
    auto password = get_env(options, "KBDIAG_PROBE_PASSWORD");
    if (!user || !password || user->empty()) return;
    if (user->find('%') != std::string::npos || user->find('\n') != std::string::npos) {
        notes.push_back("authentication check skipped: KBDIAG_PROBE_USER must not contain '%' or a newline");
        return;
    }
#ifdef _WIN32
    auth_check_wnet(spec, share, *user, *password, limit, sink, notes);
#else
    auth_check_smbclient(options, spec, share, *user, *password, limit, sink, notes);
#endif
}

// The opt-in guest check (KBDIAG_PROBE_GUEST=1; no credentials): an anonymous logon (-N) and a logon as a user
// that does not exist with an empty password (which `map to guest = Bad User` turns into a guest session).
// Opt-in because a failed logon may count against this PC's address on NAS that block after failures.
void guest_check(const CollectOptions& options, const ServerSpec& spec, const std::string& share,
                 std::chrono::milliseconds limit, FactSink& sink, std::vector<std::string>& notes) {
    auto flag = get_env(options, "KBDIAG_PROBE_GUEST");
    if (!flag || (*flag != "1" && *flag != "yes" && *flag != "true")) return;
    const auto half = limit / 2;
    const std::string where = share.empty() ? std::string("IPC$") : "share '" + share + "'";
    SmbclientAnswer anon = run_smbclient(options, spec, share, {"-N"}, {}, half);
    if (anon.ok)
        sink.set("server.anonymous_status", anon.status, fmt::format("anonymous logon to {}: {}", where, anon.stage));
    else
        sink.set_failed("server.anonymous_status", anon.error);
    SmbclientAnswer guest =
        run_smbclient(options, spec, share, {"-U", "kbdiag-probe-no-such-user%"}, {}, half);
    if (guest.ok)
        sink.set("server.guest_status", guest.status,
                 fmt::format("unknown user, empty password, to {}: {}", where, guest.stage));
    else
        sink.set_failed("server.guest_status", guest.error);
    notes.push_back(fmt::format("guest check: anonymous {}, unknown user {}", anon.ok ? anon.status : "?",
                                guest.ok ? guest.status : "?"));
}

class ProbeCollector final : public Collector {
public:
    std::string id() const override { return "probe.smb"; }
    std::string description() const override {
        return "asks the share's server (--server or --target) what it negotiates: dialects, signing, SMB1, NTLM "
               "names and version";
    }
    std::vector<std::string> provides() const override { return probe_fact_names(); }
    std::vector<Platform> platforms() const override { return {Platform::any}; }

    CollectorOutcome collect(const CollectOptions& options, FactSink& sink) override {
        std::string text = options.server;
        if (text.empty() && !options.target.empty()) {
            std::string error;
            auto t = parse_share_target(options.target, error);
            if (!t) return {CollectorStatus::skipped, "no usable server in --target"};
            text = t->server;
        }
        if (text.empty()) return {CollectorStatus::skipped, "no --server or --target given"};
        std::string error;
        auto spec = parse_server_spec(text, error);
        if (!spec) return {CollectorStatus::failed, fmt::format("--server: {}", error)};
        ProbeOptions po;
        po.server = *spec;
        std::string note;
        po.budget = budget_for(options, note);
        ProbeResult r = run_probe(po);
        auto outcome = write_probe_facts(r, *spec, static_cast<std::int64_t>(std::time(nullptr)), sink);
        if (!note.empty()) outcome.message = note + "; " + outcome.message;
        if (r.smb_port.open) {
            std::string share;
            if (!options.target.empty()) {
                std::string target_error;
                if (auto t = parse_share_target(options.target, target_error)) share = t->share;
            }
            // What is left of the collector's time limit, with room to hand the facts back.
            const auto left =
                options.time_limit - std::chrono::milliseconds(r.elapsed_ms) - std::chrono::milliseconds(300);
            std::vector<std::string> notes;
            if (left > std::chrono::milliseconds(200)) {
                const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left);
                const bool both = get_env(options, "KBDIAG_PROBE_GUEST").has_value() &&
                                  get_env(options, "KBDIAG_PROBE_USER").has_value();
                auth_check(options, *spec, share, both ? ms / 2 : ms, sink, notes);
                guest_check(options, *spec, share, both ? ms / 2 : ms, sink, notes);
            }
            for (const auto& n : notes) outcome.message += "; " + n;
        }
        return outcome;
    }
};

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

}  // namespace

std::optional<std::pair<std::string, std::string>> parse_smbclient_status(const std::string& output, int exit_code) {
    const auto at = output.find("NT_STATUS_");
    if (at == std::string::npos) {
        if (exit_code == 0) return std::make_pair(std::string("NT_STATUS_OK"), std::string("ok"));
        return std::nullopt;
    }
    auto end = at;
    while (end < output.size() && (std::isupper(static_cast<unsigned char>(output[end])) ||
                                   std::isdigit(static_cast<unsigned char>(output[end])) || output[end] == '_'))
        ++end;
    const std::string status = output.substr(at, end - at);
    const auto nl = output.rfind('\n', at);
    const std::size_t line_start = nl == std::string::npos ? 0 : nl + 1;
    const std::string line = output.substr(line_start, at - line_start);
    std::string stage = "other";
    if (line.find("session setup") != std::string::npos) stage = "session_setup";
    else if (line.find("tree connect") != std::string::npos) stage = "tree_connect";
    else if (line.find("negotiat") != std::string::npos) stage = "negotiate";
    return std::make_pair(status, stage);
}

const std::vector<std::string>& probe_fact_names() {
    static const std::vector<std::string> names{
        "server.name_resolves",   "server.address",          "server.reachable",
        "server.port_445_open",   "server.port_139_open",    "server.smb2_supported",
        "server.dialect",         "server.dialects",         "server.signing_enabled",
        "server.signing_required", "server.capabilities",    "server.guid",
        "server.system_time",     "server.clock_skew_seconds", "server.smb1_accepted",
        "server.netbios_name",    "server.domain",           "server.dns_name",
        "server.dns_domain",      "server.ntlmssp_version",  "server.ntlmssp_build",
        "server.vendor_guess",    "server.vendor_guess_confidence", "server.vendor_evidence", "server.admin_web_ports",
        "server.smb1_native_os",  "server.smb1_native_lanman", "server.auth_status",
        "server.auth_stage",      "server.share_exists",   "server.anonymous_status",
        "server.guest_status",    "server.ntlmv1_auth_status", "server.auth_win32_error"};
    return names;
}

CollectorOutcome write_probe_facts(const ProbeResult& r, const ServerSpec& spec, std::int64_t now, FactSink& sink) {
    const std::string where = spec.port_given ? fmt::format("{}:{}", spec.host, spec.port) : spec.host;
    const std::string port_name = fmt::format("TCP {}", spec.port);
    bool incomplete = false;
    std::vector<std::string> summary;

    if (!r.resolved) {
        const std::string note = fmt::format("{}: {}", spec.host, r.resolve_error);
        if (r.resolve_timed_out) {
            sink.set_failed("server.name_resolves", note);
            sink.set_failed("server.reachable", note);
            return {CollectorStatus::partial,
                    fmt::format("{}: name resolution timed out ({} ms)", where, r.elapsed_ms)};
        }
        sink.set("server.name_resolves", false, note);
        sink.set("server.reachable", false, note);
        return {CollectorStatus::ok, fmt::format("{}: the name does not resolve ({})", where, r.resolve_error)};
    }
    sink.set("server.name_resolves", true, join(r.addresses, ", "));
    sink.set("server.address", r.address);

    // Ports.
    if (r.smb_port.open) {
        sink.set("server.port_445_open", true, port_name);
    } else if (r.smb_port.error == NetError::refused || r.smb_port.error == NetError::timeout ||
               r.smb_port.error == NetError::unreachable) {
        sink.set("server.port_445_open", false, fmt::format("{}: {}", port_name, r.smb_port.message));
    } else {
        sink.set_failed("server.port_445_open", fmt::format("{}: {}", port_name, r.smb_port.message));
        incomplete = true;
    }
    if (r.port_139.tried) sink.set("server.port_139_open", r.port_139.open, r.port_139.message);
    if (r.smb_port.open || r.port_139.open)
        sink.set("server.reachable", true, r.address);
    else if (r.smb_port.error == NetError::other)
        sink.set_failed("server.reachable", r.smb_port.message);
    else
        sink.set("server.reachable", false, r.smb_port.message);
    if (!r.smb_port.open) {
        summary.push_back(fmt::format("{} closed or unreachable ({})", port_name, to_string(r.smb_port.error)));
    }

    // SMB2 NEGOTIATE.
    if (r.negotiate) {
        const auto& n = *r.negotiate;
        sink.set("server.smb2_supported", true);
        sink.set("server.dialect", smb2::dialect_name(n.dialect));
        std::vector<std::string> dialects;
        for (auto d : r.dialects) dialects.push_back(smb2::dialect_name(d));
        std::string dialect_note = r.dialect_step.done ? "every dialect tried on its own connection"
                                                       : "incomplete: " + r.dialect_step.error;
        sink.set("server.dialects", dialects, dialect_note);
        if (!r.dialect_step.done) incomplete = true;
        sink.set("server.signing_enabled", (n.security_mode & smb2::security_signing_enabled) != 0, "SMB2 NEGOTIATE");
        sink.set("server.signing_required", (n.security_mode & smb2::security_signing_required) != 0,
                 "SMB2 NEGOTIATE");
        sink.set("server.capabilities", smb2::capability_names(n.capabilities));
        sink.set("server.guid", smb2::guid_string(n.server_guid));
        if (auto t = filetime_to_unix(n.system_time)) {
            sink.set("server.system_time", *t);
            sink.set("server.clock_skew_seconds", *t - now, "server time minus this machine's time");
        }
        summary.push_back(fmt::format("SMB {} ({}), signing {}", smb2::dialect_name(n.dialect), join(dialects, " "),
                                      n.security_mode & smb2::security_signing_required ? "required" : "not required"));
    } else if (r.negotiate_step.tried && r.smb_port.open) {
        if (r.smb2_refused) {
            sink.set("server.smb2_supported", false, r.negotiate_step.error);
            summary.push_back("no SMB2");
        } else {
            sink.set_failed("server.smb2_supported", r.negotiate_step.error);
            summary.push_back(fmt::format("SMB2 NEGOTIATE: {}", r.negotiate_step.error));
            incomplete = true;
        }
    }

    // SMB1.
    if (r.smb1_step.done && r.smb1) {
        const bool accepted = r.smb1->accepted();
        sink.set("server.smb1_accepted", accepted, accepted ? "NT LM 0.12 accepted" : r.smb1_step.error);
        summary.push_back(accepted ? "SMB1 accepted" : "SMB1 refused");
        if (accepted && !r.negotiate) {
            sink.set("server.dialect", "NT1", "SMB1 only");
            sink.set("server.dialects", std::vector<std::string>{}, "no SMB2 dialect");
            sink.set("server.signing_enabled", r.smb1->signing_enabled(), "SMB1 NEGOTIATE");
            sink.set("server.signing_required", r.smb1->signing_required(), "SMB1 NEGOTIATE");
            if (auto t = filetime_to_unix(r.smb1->system_time)) {
                sink.set("server.system_time", *t);
                sink.set("server.clock_skew_seconds", *t - now, "server time minus this machine's time");
            }
        }
    } else if (r.smb1_step.tried) {
        sink.set_failed("server.smb1_accepted", r.smb1_step.error);
        incomplete = true;
    }
    if (!r.smb1_native_os.empty()) sink.set("server.smb1_native_os", r.smb1_native_os, "SMB1 SESSION_SETUP_ANDX");
    if (!r.smb1_native_lanman.empty())
        sink.set("server.smb1_native_lanman", r.smb1_native_lanman, "SMB1 SESSION_SETUP_ANDX");

    // NTLMSSP CHALLENGE.
    if (r.challenge) {
        const auto& c = *r.challenge;
        auto set_name = [&](const char* fact, const std::string& v) {
            if (!v.empty()) sink.set(fact, v, "NTLMSSP CHALLENGE target info");
        };
        set_name("server.netbios_name", c.netbios_computer);
        set_name("server.domain", c.netbios_domain);
        set_name("server.dns_name", c.dns_computer);
        set_name("server.dns_domain", c.dns_domain);
        if (c.version) {
            sink.set("server.ntlmssp_version", c.version->text(),
                     fmt::format("NTLMSSP VERSION, revision {}", c.version->revision));
            sink.set("server.ntlmssp_build", std::int64_t{c.version->build});
        } else {
            sink.set_absent("server.ntlmssp_version", "the CHALLENGE has no VERSION field");
        }
        if (!c.netbios_computer.empty()) summary.push_back("NetBIOS name " + c.netbios_computer);
    } else if (r.session_step.tried) {
        sink.set_failed("server.ntlmssp_version", r.session_step.error);
        summary.push_back(fmt::format("SESSION_SETUP: {}", r.session_step.error));
        incomplete = true;
    }

    // Vendor.
    if (!r.vendor.vendor.empty()) {
        sink.set("server.vendor_guess", r.vendor.vendor);
        sink.set("server.vendor_guess_confidence", std::int64_t{r.vendor.confidence});
        summary.push_back(fmt::format("looks like {} ({}%)", r.vendor.vendor, r.vendor.confidence));
    }
    if (!r.vendor.evidence.empty()) sink.set("server.vendor_evidence", r.vendor.evidence);
    if (!r.http.empty()) {   // checked (SMB port 445): the open admin ports, possibly none
        std::vector<std::string> open;
        for (const auto& p : r.http)
            if (p.open) open.push_back(fmt::format("{}/{}", p.port, p.tls ? "https" : "http"));
        sink.set("server.admin_web_ports", open, "TCP connect within 1 s (http_fingerprint.hpp)");
    }

    std::string message = fmt::format("{}: {} in {} ms", where, join(summary, "; "), r.elapsed_ms);
    if (incomplete && r.budget_exhausted) message += " (time budget spent)";
    return {incomplete ? CollectorStatus::partial : CollectorStatus::ok, message};
}

std::string write_win32_auth_facts(const probe::Win32Connect& c, const std::string& unc, bool share_given,
                                   FactSink& sink) {
    if (!c.called) {
        sink.set_failed("server.auth_status", c.failure);
        sink.set_failed("server.auth_win32_error", c.failure);
        return "authentication check: " + c.failure;
    }
    const std::string name = win32_connection_error_name(c.error);
    const std::string error_text =
        name.empty() ? fmt::format("error {}", c.error) : fmt::format("error {} ({})", c.error, name);
    if (c.under_wine) {
        // Wine's mpr.dll has no SMB redirector behind it: whatever it returns, the server was never asked.
        const std::string why = fmt::format(
            "not checked: under Wine, WNetAddConnection2W has no SMB client behind it and returned {} without "
            "contacting the server",
            error_text);
        sink.set_failed("server.auth_status", why);
        sink.set_failed("server.auth_win32_error", why);
        return "authentication check " + why;
    }
    sink.set("server.auth_win32_error", std::int64_t{c.error},
             fmt::format("WNetAddConnection2W {}: {}", unc, error_text));
    if (auto a = nt_status_for_win32_error(c.error)) {
        sink.set("server.auth_status", a->status, fmt::format("WNetAddConnection2W {}: {}", unc, error_text));
        sink.set("server.auth_stage", a->stage);
        if (share_given && a->status == "NT_STATUS_BAD_NETWORK_NAME") sink.set("server.share_exists", false, a->status);
        else if (share_given && a->status == "NT_STATUS_OK") sink.set("server.share_exists", true, a->status);
    } else {
        sink.set_failed("server.auth_status",
                        fmt::format("{} has no one-to-one NT status; see server.auth_win32_error", error_text));
    }
    return fmt::format("authentication check: WNetAddConnection2W {}", error_text);
}

std::shared_ptr<Collector> make_probe_collector() { return std::make_shared<ProbeCollector>(); }

}  // namespace kbdiag
