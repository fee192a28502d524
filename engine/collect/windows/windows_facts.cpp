// Windows API results -> catalog facts. Platform-neutral on purpose: compiled everywhere and unit-tested
// natively on recorded data (tests/unit/test_windows_*.cpp); the API calls are in win32_*.cpp.
#include "engine/core/text.hpp"
#include "engine/collect/windows/windows_facts.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

namespace kbdiag::win {

namespace {

using text::lower;

std::string type_name(std::uint32_t type) {
    switch (type) {
        case reg_none: return "REG_NONE";
        case reg_sz: return "REG_SZ";
        case reg_expand_sz: return "REG_EXPAND_SZ";
        case reg_binary: return "REG_BINARY";
        case reg_dword: return "REG_DWORD";
        case reg_multi_sz: return "REG_MULTI_SZ";
        case reg_qword: return "REG_QWORD";
        default: return fmt::format("type {}", type);
    }
}

std::string where(const char* key, const std::string& name) { return fmt::format("HKLM\\{}\\{}", key, name); }

// Records a value that could not be read (denied, failed, wrong type) as a failed fact and a problem.
void cannot_read(FactSink& sink, Tally& t, const std::string& fact, const std::string& why) {
    sink.set_failed(fact, why);
    t.problems.push_back(fmt::format("{}: {}", fact, why));
}

// Outcome of reading one value that should be a number.
struct Number {
    enum Kind { value, absent, unusable } kind = absent;
    std::uint64_t n = 0;
};

// A REG_DWORD / REG_QWORD (or a REG_SZ holding a decimal number, as CurrentBuild is). A value of another type,
// or one that cannot be read, fails `fact` and is counted as a problem.
Number read_number(const RegistryReader& reg, const char* key, const std::string& name, const std::string& fact,
                   FactSink& sink, Tally& t) {
    RegValue v = reg.get(key, name);
    if (v.status == RegStatus::absent) return {Number::absent};
    if (v.status == RegStatus::denied) {
        cannot_read(sink, t, fact, fmt::format("{}: access denied", where(key, name)));
        return {Number::unusable};
    }
    if (v.status == RegStatus::failed) {
        cannot_read(sink, t, fact, fmt::format("{}: {}", where(key, name), v.error));
        return {Number::unusable};
    }
    if (v.type == reg_dword || v.type == reg_qword) return {Number::value, v.number};
    if (v.type == reg_sz || v.type == reg_expand_sz) {
        std::uint64_t n = 0;
        const char* b = v.text.data();
        const char* e = b + v.text.size();
        auto [p, ec] = std::from_chars(b, e, n);
        if (ec == std::errc{} && p == e && b != e) return {Number::value, n};
    }
    cannot_read(sink, t, fact,
                fmt::format("{}: a {} where a number was expected", where(key, name), type_name(v.type)));
    return {Number::unusable};
}

// A REG_SZ / REG_EXPAND_SZ. nullopt when absent or unusable (then already recorded as failed).
std::optional<std::string> read_text(const RegistryReader& reg, const char* key, const std::string& name,
                                     const std::string& fact, FactSink& sink, Tally& t, bool& absent) {
    absent = false;
    RegValue v = reg.get(key, name);
    if (v.status == RegStatus::absent) {
        absent = true;
        return std::nullopt;
    }
    if (v.status == RegStatus::denied) {
        cannot_read(sink, t, fact, fmt::format("{}: access denied", where(key, name)));
    } else if (v.status == RegStatus::failed) {
        cannot_read(sink, t, fact, fmt::format("{}: {}", where(key, name), v.error));
    } else if (v.type == reg_sz || v.type == reg_expand_sz) {
        return v.text;
    } else {
        cannot_read(sink, t, fact,
                    fmt::format("{}: a {} where a string was expected", where(key, name), type_name(v.type)));
    }
    return std::nullopt;
}

void set(FactSink& sink, Tally& t, const std::string& fact, FactValue value, std::string note = {}) {
    sink.set(fact, std::move(value), std::move(note));
    ++t.facts;
}
void set_absent(FactSink& sink, Tally& t, const std::string& fact, std::string note) {
    sink.set_absent(fact, std::move(note));
    ++t.facts;
}

// A DWORD fact: the number, or absent with `absent_note` when the value is not set.
void integer_fact(const RegistryReader& reg, const char* key, const std::string& name, const std::string& fact,
                  const std::string& absent_note, FactSink& sink, Tally& t) {
    Number n = read_number(reg, key, name, fact, sink, t);
    if (n.kind == Number::value)
        set(sink, t, fact, static_cast<std::int64_t>(n.n), where(key, name));
    else if (n.kind == Number::absent)
        set_absent(sink, t, fact, fmt::format("{} not set; {}", where(key, name), absent_note));
}

// A 0/1 DWORD as a boolean (any non-zero is true, as Windows reads it). Absent: `if_absent` when given
// (the documented default), else the fact is absent.
void boolean_fact(const RegistryReader& reg, const char* key, const std::string& name, const std::string& fact,
                  std::optional<bool> if_absent, const std::string& absent_note, FactSink& sink, Tally& t) {
    Number n = read_number(reg, key, name, fact, sink, t);
    if (n.kind == Number::value) {
        set(sink, t, fact, n.n != 0, where(key, name));
    } else if (n.kind == Number::absent) {
        if (if_absent)
            set(sink, t, fact, *if_absent, fmt::format("{} not set; {}", where(key, name), absent_note));
        else
            set_absent(sink, t, fact, fmt::format("{} not set; {}", where(key, name), absent_note));
    }
}

// A list of server names (an NTLM exception list): REG_MULTI_SZ, or a REG_SZ separated by ; , or spaces. Not set
// is an empty list: no exceptions.
void server_list_fact(const RegistryReader& reg, const char* key, const char* value, const std::string& fact,
                      FactSink& sink, Tally& t) {
    RegValue v = reg.get(key, value);
    if (v.status == RegStatus::absent) {
        set(sink, t, fact, std::vector<std::string>{}, where(key, value) + " not set: no exceptions");
        return;
    }
    if (v.status != RegStatus::ok) {
        cannot_read(sink, t, fact, fmt::format("{}: {}", where(key, value), v.error));
        return;
    }
    if (v.type != reg_multi_sz && v.type != reg_sz && v.type != reg_expand_sz) {
        cannot_read(sink, t, fact,
                    fmt::format("{}: a {} where a list was expected", where(key, value), type_name(v.type)));
        return;
    }
    std::vector<std::string> names;
    auto add = [&](std::string_view s) {
        std::size_t pos = 0;
        while (pos <= s.size()) {
            std::size_t end = s.find_first_of(";, ", pos);
            if (end == std::string_view::npos) end = s.size();
            if (end > pos) names.emplace_back(s.substr(pos, end - pos));
            pos = end + 1;
        }
    };
    if (v.type == reg_multi_sz)
        for (const auto& item : v.list) add(item);
    else
        add(v.text);
    set(sink, t, fact, std::move(names), where(key, value));
}

}  // namespace

// ---- RegValue / RecordedRegistry -------------------------------------------------------------------

RegValue RegValue::dword(std::uint32_t v) {
    RegValue r;
    r.status = RegStatus::ok;
    r.type = reg_dword;
    r.number = v;
    return r;
}
RegValue RegValue::sz(std::string v) {
    RegValue r;
    r.status = RegStatus::ok;
    r.type = reg_sz;
    r.text = std::move(v);
    return r;
}
RegValue RegValue::multi_sz(std::vector<std::string> v) {
    RegValue r;
    r.status = RegStatus::ok;
    r.type = reg_multi_sz;
    r.list = std::move(v);
    return r;
}
RegValue RegValue::binary() {
    RegValue r;
    r.status = RegStatus::ok;
    r.type = reg_binary;
    return r;
}
RegValue RegValue::missing() { return {}; }
RegValue RegValue::access_denied() {
    RegValue r;
    r.status = RegStatus::denied;
    r.error = "access denied";
    return r;
}
RegValue RegValue::failure(std::string why) {
    RegValue r;
    r.status = RegStatus::failed;
    r.error = std::move(why);
    return r;
}

RecordedRegistry& RecordedRegistry::set(const std::string& key, const std::string& name, RegValue v) {
    values_[{lower(key), lower(name)}] = std::move(v);
    return *this;
}

RegValue RecordedRegistry::get(const std::string& key, const std::string& name) const {
    auto it = values_.find({lower(key), lower(name)});
    return it == values_.end() ? RegValue::missing() : it->second;
}

CollectorOutcome Tally::outcome() const {
    if (problems.empty()) return {CollectorStatus::ok, {}};
    std::string msg = fmt::format("{}", fmt::join(problems, "; "));
    return {facts > 0 ? CollectorStatus::partial : CollectorStatus::failed, msg};
}

std::string win32_error_name(std::uint32_t code) {
    const char* name = nullptr;
    switch (code) {
        case 2: name = "ERROR_FILE_NOT_FOUND"; break;
        case 5: name = "ERROR_ACCESS_DENIED"; break;
        case 8: name = "ERROR_NOT_ENOUGH_MEMORY"; break;
        case 50: name = "ERROR_NOT_SUPPORTED"; break;
        case 87: name = "ERROR_INVALID_PARAMETER"; break;
        case 120: name = "ERROR_CALL_NOT_IMPLEMENTED"; break;
        case 127: name = "ERROR_PROC_NOT_FOUND"; break;
        case 1168: name = "ERROR_NOT_FOUND"; break;
        case 1222: name = "ERROR_NO_NETWORK"; break;
        case 1312: name = "ERROR_NO_SUCH_LOGON_SESSION"; break;
        case 2138: name = "NERR_WkstaNotStarted"; break;
        default: break;
    }
    return name ? fmt::format("error {} ({})", code, name) : fmt::format("error {}", code);
}

// ---- windows.os -------------------------------------------------------------------------------------

void os_facts(const RtlVersion& rtl, const RegistryReader& reg, FactSink& sink, Tally& t) {
    const char* key = keys::current_version;
    std::optional<std::uint64_t> build;
    if (rtl.ok && rtl.build > 0) {
        build = rtl.build;
        set(sink, t, "windows.build", static_cast<std::int64_t>(rtl.build),
            fmt::format("RtlGetVersion {}.{}.{}", rtl.major, rtl.minor, rtl.build));
    } else {
        Number n = read_number(reg, key, "CurrentBuild", "windows.build", sink, t);
        if (n.kind == Number::absent) n = read_number(reg, key, "CurrentBuildNumber", "windows.build", sink, t);
        if (n.kind == Number::value) {
            build = n.n;
            set(sink, t, "windows.build", static_cast<std::int64_t>(n.n),
                fmt::format("{} (RtlGetVersion failed)", where(key, "CurrentBuild")));
        } else if (n.kind == Number::absent) {
            cannot_read(sink, t, "windows.build", "RtlGetVersion failed and CurrentBuild is not set");
        }
    }
    integer_fact(reg, key, "UBR", "windows.ubr", "no update revision recorded", sink, t);

    bool absent = false;
    if (auto dv = read_text(reg, key, "DisplayVersion", "windows.display_version", sink, t, absent);
        dv && !dv->empty()) {
        set(sink, t, "windows.display_version", *dv, where(key, "DisplayVersion"));
    } else if (absent) {   // before 20H2: ReleaseId
        if (auto rid = read_text(reg, key, "ReleaseId", "windows.display_version", sink, t, absent);
            rid && !rid->empty())
            set(sink, t, "windows.display_version", *rid, where(key, "ReleaseId") + " (no DisplayVersion)");
        else if (absent)
            set_absent(sink, t, "windows.display_version", "neither DisplayVersion nor ReleaseId is set");
    }
    if (auto ed = read_text(reg, key, "EditionID", "windows.edition", sink, t, absent); ed && !ed->empty())
        set(sink, t, "windows.edition", *ed, where(key, "EditionID"));
    else if (absent)
        set_absent(sink, t, "windows.edition", where(key, "EditionID") + " not set");

    if (auto pn = read_text(reg, key, "ProductName", "windows.product_name", sink, t, absent); pn && !pn->empty()) {
        std::string name = *pn;
        std::string note = where(key, "ProductName");
        // Windows 11 keeps "Windows 10" in ProductName; the build tells them apart.
        if (build && *build >= 22000 && name.rfind("Windows 10", 0) == 0) {
            name.replace(0, 10, "Windows 11");
            note += fmt::format(" says \"{}\"; build {} >= 22000 is Windows 11", *pn, *build);
        }
        set(sink, t, "windows.product_name", name, note);
    } else if (absent) {
        set_absent(sink, t, "windows.product_name", where(key, "ProductName") + " not set");
    }

    if (auto it = read_text(reg, key, "InstallationType", "windows.installation_type", sink, t, absent); it) {
        std::string l = lower(*it);
        if (l.rfind("server", 0) == 0)
            set(sink, t, "windows.installation_type", std::string("server"),
                where(key, "InstallationType") + " = " + *it);
        else if (l == "client")
            set(sink, t, "windows.installation_type", std::string("client"), where(key, "InstallationType"));
        else
            cannot_read(sink, t, "windows.installation_type", fmt::format("unknown InstallationType \"{}\"", *it));
    } else if (absent) {
        set_absent(sink, t, "windows.installation_type", where(key, "InstallationType") + " not set");
    }
}

// ---- windows.lsa ------------------------------------------------------------------------------------

void lsa_facts(const RegistryReader& reg, FactSink& sink, Tally& t) {
    integer_fact(reg, keys::lsa, "LmCompatibilityLevel", "lsa.lm_compatibility_level",
                 "Windows then behaves as level 3 (send NTLMv2 responses only)", sink, t);
    integer_fact(reg, keys::msv1_0, "NtlmMinClientSec", "lsa.ntlm_min_client_sec",
                 "the release's default applies (128-bit encryption required since Windows 7)", sink, t);
    // "Network security: Restrict NTLM: Outgoing NTLM traffic to remote servers": 0 allow, 1 audit, 2 deny all.
    integer_fact(reg, keys::msv1_0, "RestrictSendingNTLMTraffic", "lsa.restrict_sending_ntlm_traffic",
                 "the policy is not defined, which is Allow all", sink, t);
    // "Network security: Restrict NTLM: Add remote server exceptions for NTLM authentication": the servers the
    // restriction above spares, NetBIOS names with '*' wildcards.
    server_list_fact(reg, keys::msv1_0, "ClientAllowedNTLMServers", "lsa.ntlm_outgoing_exceptions", sink, t);
}

// ---- windows.smb_client -----------------------------------------------------------------------------

void smb_client_facts(const RegistryReader& reg, FactSink& sink, Tally& t) {
    boolean_fact(reg, keys::workstation, "RequireSecuritySignature", "smb_client.require_signing", std::nullopt,
                 "the edition's and build's default applies (24H2 Pro/Enterprise/Education require signing)", sink, t);
    boolean_fact(reg, keys::workstation, "EnableSecuritySignature", "smb_client.enable_signing", std::nullopt,
                 "the default applies (enabled)", sink, t);
    boolean_fact(reg, keys::workstation, "AllowInsecureGuestAuth", "smb_client.allow_insecure_guest_auth", std::nullopt,
                 "the edition's default applies", sink, t);
    boolean_fact(reg, keys::workstation_policy, "AllowInsecureGuestAuth", "smb_client.allow_insecure_guest_auth_policy",
                 std::nullopt, "no group policy", sink, t);

    // SMB1 client: the mrxsmb10 driver service; no key means the feature is not installed, Start 4 disabled.
    Number start = read_number(reg, keys::mrxsmb10, "Start", "smb_client.smb1_installed", sink, t);
    if (start.kind == Number::value)
        set(sink, t, "smb_client.smb1_installed", start.n != 4,
            fmt::format("{} = {}", where(keys::mrxsmb10, "Start"), start.n));
    else if (start.kind == Number::absent)
        set(sink, t, "smb_client.smb1_installed", false, where(keys::mrxsmb10, "Start") + " not set: no SMB1 client");

    // NTLM blocking (24H2): the policy wins over the Parameters value.
    const char* ntlm_key = reg.get(keys::workstation_policy, "BlockNTLM").status == RegStatus::absent
                               ? keys::workstation : keys::workstation_policy;
    boolean_fact(reg, ntlm_key, "BlockNTLM", "smb_client.block_ntlm", false, "NTLM is not blocked (default)", sink, t);
    const char* exc_key =
        reg.get(keys::workstation_policy, "BlockNTLMServerExceptionList").status == RegStatus::absent
            ? keys::workstation : keys::workstation_policy;
    server_list_fact(reg, exc_key, "BlockNTLMServerExceptionList", "smb_client.block_ntlm_exceptions", sink, t);

    boolean_fact(reg, keys::system_policies, "EnableLinkedConnections", "system.enable_linked_connections", false,
                 "elevated and filtered sessions do not share drive mappings (default)", sink, t);
}

// ---- windows.credman --------------------------------------------------------------------------------

std::string cred_type_name(std::uint32_t type) {
    switch (type) {
        case 1: return "generic";
        case 2: return "domain_password";
        case 3: return "domain_certificate";
        case 4: return "domain_visible_password";
        case 5: return "generic_certificate";
        case 6: return "domain_extended";
        default: return fmt::format("type_{}", type);
    }
}

std::string cred_persist_name(std::uint32_t persist) {
    switch (persist) {
        case 1: return "session";
        case 2: return "local_machine";
        case 3: return "enterprise";
        default: return fmt::format("persist_{}", persist);
    }
}

std::optional<std::int64_t> filetime_to_unix(std::uint64_t filetime) {
    constexpr std::uint64_t epoch_diff = 116444736000000000ULL;   // 1601-01-01 to 1970-01-01 in 100 ns
    if (filetime < epoch_diff) return std::nullopt;
    return static_cast<std::int64_t>((filetime - epoch_diff) / 10000000ULL);
}

void credman_facts(std::uint32_t api_error, const std::vector<CredRecord>& records, FactSink& sink, Tally& t) {
    if (api_error == 1168) {   // ERROR_NOT_FOUND: the user has no saved credentials
        set(sink, t, "credman.entries", std::vector<Record>{}, "CredEnumerateW: no credentials saved");
        return;
    }
    if (api_error != 0) {
        cannot_read(sink, t, "credman.entries", "CredEnumerateW failed: " + win32_error_name(api_error));
        return;
    }
    std::vector<Record> out;
    out.reserve(records.size());
    for (const auto& c : records) {
        Record r{{"target", c.target},
                 {"type", cred_type_name(c.type)},
                 {"user", c.user},
                 {"persist", cred_persist_name(c.persist)}};
        if (auto ts = filetime_to_unix(c.last_written)) r["last_written"] = *ts;
        out.push_back(std::move(r));
    }
    set(sink, t, "credman.entries", std::move(out),
        fmt::format("CredEnumerateW: {} credential(s) of this user's logon session; secrets never read",
                    records.size()));
}

// ---- windows.net_use --------------------------------------------------------------------------------

std::string use_status_name(std::uint32_t status) {
    switch (status) {
        case 0: return "OK";
        case 1: return "Paused";
        case 2: return "Disconnected";   // USE_SESSLOST
        case 3: return "Network error";
        case 4: return "Connecting";
        case 5: return "Reconnecting";
        default: return fmt::format("status {}", status);
    }
}

void net_use_facts(std::uint32_t api_error, const std::vector<NetUseRecord>& records, const ApiContext& ctx,
                   FactSink& sink, Tally& t) {
    if (api_error != 0) {
        std::string why = "NetUseEnum failed: " + win32_error_name(api_error);
        if (ctx.under_wine) why += "; running under Wine, which only stubs NetUseEnum";
        cannot_read(sink, t, "net.connections", why);
        return;
    }
    std::vector<Record> out;
    for (const auto& u : records) {
        Record r{{"local", u.local}, {"remote", u.remote}, {"user", u.user}};
        r["status"] = u.status_known ? use_status_name(u.status) : std::string{};
        out.push_back(std::move(r));
    }
    set(sink, t, "net.connections", std::move(out), fmt::format("NetUseEnum: {} connection(s)", records.size()));
}

// ---- windows.domain ---------------------------------------------------------------------------------

void domain_facts(const JoinInfo& join, const ApiContext& ctx, FactSink& sink, Tally& t) {
    if (join.api_error != 0) {
        std::string why = "NetGetJoinInformation failed: " + win32_error_name(join.api_error);
        cannot_read(sink, t, "host.domain_joined", why);
        cannot_read(sink, t, "host.domain", why);
        return;
    }
    const std::string wine = ctx.under_wine ? " (under Wine, whose NetGetJoinInformation always says workgroup)" : "";
    switch (join.status) {
        case 3:
            set(sink, t, "host.domain_joined", true, "NetGetJoinInformation: domain" + wine);
            set(sink, t, "host.domain", join.name, "NetGetJoinInformation" + wine);
            break;
        case 1:
        case 2:
            set(sink, t, "host.domain_joined", false,
                fmt::format("NetGetJoinInformation: {}{}", join.status == 2 ? "workgroup " + join.name : "not joined",
                            wine));
            set_absent(sink, t, "host.domain",
                       join.status == 2 ? fmt::format("not in a domain (workgroup \"{}\"){}", join.name, wine)
                                        : "not in a domain" + wine);
            break;
        default:
            cannot_read(sink, t, "host.domain_joined", "NetGetJoinInformation: join status unknown" + wine);
            break;
    }
}

}  // namespace kbdiag::win
