// The Windows collectors' API calls (issue 3): windows.os, windows.lsa, windows.smb_client, windows.credman,
// windows.net_use, windows.domain. Compiled only on Windows; what the calls return is turned into facts by
// windows_facts.cpp, which is tested on every platform. Each collector runs under the registry's time limit.
#ifdef _WIN32

#include "engine/collect/windows/windows_collectors.hpp"

// clang-format off
#include <windows.h>
#include <lm.h>
#include <wincred.h>
// clang-format on

#include <fmt/format.h>

#include "engine/collect/windows/win32_text.hpp"
#include "engine/collect/windows/windows_facts.hpp"

namespace kbdiag {

namespace {

using namespace kbdiag::win;


// The live registry through RegGetValueW (no expansion, any type; 64-bit view: this is a 64-bit exe).
class LiveRegistry final : public RegistryReader {
public:
    RegValue get(const std::string& key, const std::string& name) const override {
        const std::wstring k = widen(key), n = widen(name);
        std::vector<BYTE> buf(256);
        DWORD type = 0;
        for (int attempt = 0; attempt < 5; ++attempt) {
            DWORD size = static_cast<DWORD>(buf.size());
            LSTATUS rc = ::RegGetValueW(HKEY_LOCAL_MACHINE, k.c_str(), n.c_str(), RRF_RT_ANY | RRF_NOEXPAND, &type,
                                        buf.data(), &size);
            if (rc == ERROR_MORE_DATA) {
                buf.resize(size + 16);
                continue;
            }
            if (rc == ERROR_FILE_NOT_FOUND || rc == ERROR_PATH_NOT_FOUND) return RegValue::missing();
            if (rc == ERROR_ACCESS_DENIED) return RegValue::access_denied();
            if (rc != ERROR_SUCCESS)
                return RegValue::failure("RegGetValueW " + win32_error_name(static_cast<std::uint32_t>(rc)));
            return decode(type, buf.data(), size);
        }
        return RegValue::failure("RegGetValueW: the value keeps growing");
    }

private:
    static RegValue decode(DWORD type, const BYTE* data, DWORD size) {
        RegValue v;
        v.status = RegStatus::ok;
        v.type = type;
        if (type == REG_DWORD && size >= 4) {
            DWORD d;
            memcpy(&d, data, 4);
            v.number = d;
        } else if (type == REG_QWORD && size >= 8) {
            ULONGLONG q;
            memcpy(&q, data, 8);
            v.number = q;
        } else if (type == REG_SZ || type == REG_EXPAND_SZ) {
            const auto* w = reinterpret_cast<const wchar_t*>(data);
            std::size_t len = size / sizeof(wchar_t);
            while (len > 0 && w[len - 1] == L'\0') --len;
            v.text = narrow(w, len);
        } else if (type == REG_MULTI_SZ) {
            const auto* w = reinterpret_cast<const wchar_t*>(data);
            std::size_t len = size / sizeof(wchar_t), start = 0;
            for (std::size_t i = 0; i < len; ++i)
                if (w[i] == L'\0') {
                    if (i > start) v.list.push_back(narrow(w + start, i - start));
                    start = i + 1;
                }
        } else if (type == REG_DWORD || type == REG_QWORD) {
            v.type = REG_BINARY;   // truncated: treat as a value of the wrong type
        }
        return v;
    }
};

bool under_wine() {
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

RtlVersion rtl_version() {
    RtlVersion r;
    using Fn = LONG(WINAPI*)(OSVERSIONINFOEXW*);
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    auto fn = ntdll ? reinterpret_cast<Fn>(reinterpret_cast<void*>(::GetProcAddress(ntdll, "RtlGetVersion"))) : nullptr;
    if (!fn) return r;
    OSVERSIONINFOEXW vi{};
    vi.dwOSVersionInfoSize = sizeof vi;
    if (fn(&vi) != 0) return r;
    r.ok = true;
    r.major = vi.dwMajorVersion;
    r.minor = vi.dwMinorVersion;
    r.build = vi.dwBuildNumber;
    return r;
}

class WindowsCollector : public Collector {
public:
    std::vector<Platform> platforms() const override { return {Platform::windows_os}; }
};

class OsCollector final : public WindowsCollector {
public:
    std::string id() const override { return "windows.os"; }
    std::string description() const override { return "Windows build, update revision, release, edition, product"; }
    std::vector<std::string> provides() const override {
        return {"windows.build", "windows.ubr", "windows.display_version", "windows.edition", "windows.product_name",
                "windows.installation_type"};
    }
    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        Tally t;
        os_facts(rtl_version(), LiveRegistry{}, sink, t);
        return t.outcome();
    }
};

class LsaCollector final : public WindowsCollector {
public:
    std::string id() const override { return "windows.lsa"; }
    std::string description() const override { return "LAN Manager authentication level and NTLM client settings"; }
    std::vector<std::string> provides() const override {
        return {"lsa.lm_compatibility_level", "lsa.ntlm_min_client_sec",
                "lsa.restrict_sending_ntlm_traffic", "lsa.ntlm_outgoing_exceptions"};
    }
    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        Tally t;
        lsa_facts(LiveRegistry{}, sink, t);
        return t.outcome();
    }
};

class SmbClientCollector final : public WindowsCollector {
public:
    std::string id() const override { return "windows.smb_client"; }
    std::string description() const override {
        return "SMB client signing, guest logons, SMB1 client, NTLM blocking, linked connections";
    }
    std::vector<std::string> provides() const override {
        return {"smb_client.require_signing", "smb_client.enable_signing", "smb_client.allow_insecure_guest_auth",
                "smb_client.allow_insecure_guest_auth_policy", "smb_client.smb1_installed", "smb_client.block_ntlm",
                "smb_client.block_ntlm_exceptions", "system.enable_linked_connections"};
    }
    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        Tally t;
        smb_client_facts(LiveRegistry{}, sink, t);
        return t.outcome();
    }
};

class CredmanCollector final : public WindowsCollector {
public:
    std::string id() const override { return "windows.credman"; }
    std::string description() const override {
        return "Credential Manager entries of this user (target, type, user, persistence, last written; never secrets)";
    }
    std::vector<std::string> provides() const override { return {"credman.entries"}; }
    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        DWORD count = 0;
        PCREDENTIALW* creds = nullptr;
        std::uint32_t err = 0;
        std::vector<CredRecord> records;
        if (::CredEnumerateW(nullptr, 0, &count, &creds)) {
            records.reserve(count);
            for (DWORD i = 0; i < count; ++i) {
                const CREDENTIALW* c = creds[i];
                CredRecord r;   // CredentialBlob is deliberately never touched
                r.target = narrow(c->TargetName);
                r.type = c->Type;
                r.user = narrow(c->UserName);
                r.persist = c->Persist;
                r.last_written = (static_cast<std::uint64_t>(c->LastWritten.dwHighDateTime) << 32) |
                                 c->LastWritten.dwLowDateTime;
                records.push_back(std::move(r));
            }
            ::CredFree(creds);
        } else {
            err = ::GetLastError();
        }
        Tally t;
        credman_facts(err, records, sink, t);
        return t.outcome();
    }
};

class NetUseCollector final : public WindowsCollector {
public:
    std::string id() const override { return "windows.net_use"; }
    std::string description() const override { return "current network connections (NetUseEnum)"; }
    std::vector<std::string> provides() const override { return {"net.connections"}; }
    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        std::vector<NetUseRecord> records;
        std::uint32_t err = 0;
        DWORD resume = 0;
        NET_API_STATUS rc;
        do {
            LPBYTE buf = nullptr;
            DWORD read = 0, total = 0;
            rc = ::NetUseEnum(nullptr, 2, &buf, MAX_PREFERRED_LENGTH, &read, &total, &resume);
            if (rc == NERR_Success || rc == ERROR_MORE_DATA) {
                const auto* u = reinterpret_cast<const USE_INFO_2*>(buf);
                for (DWORD i = 0; i < read; ++i) {
                    NetUseRecord r;
                    r.local = narrow(u[i].ui2_local);
                    r.remote = narrow(u[i].ui2_remote);
                    std::string user = narrow(u[i].ui2_username);
                    std::string domain = narrow(u[i].ui2_domainname);
                    r.user = domain.empty() || user.empty() ? user : domain + "\\" + user;
                    r.status = u[i].ui2_status;
                    records.push_back(std::move(r));
                }
            } else {
                err = rc;
            }
            if (buf) ::NetApiBufferFree(buf);
        } while (rc == ERROR_MORE_DATA);
        Tally t;
        net_use_facts(err, records, ApiContext{under_wine()}, sink, t);
        return t.outcome();
    }
};

// One of the computer's names (GetComputerNameExW), or why it could not be read.
void computer_name(FactSink& sink, COMPUTER_NAME_FORMAT format, const char* fact) {
    wchar_t buffer[256] = {};
    DWORD size = 255;
    if (::GetComputerNameExW(format, buffer, &size) && size > 0)
        sink.set(fact, narrow(buffer, size));
    else
        sink.set_failed(fact, fmt::format("GetComputerNameExW failed: error {}", ::GetLastError()));
}

class DomainCollector final : public WindowsCollector {
public:
    std::string id() const override { return "windows.domain"; }
    std::string description() const override {
        return "domain membership (NetGetJoinInformation) and the computer's names";
    }
    std::vector<std::string> provides() const override {
        return {"host.domain_joined", "host.domain", "host.netbios_name", "host.fqdn"};
    }
    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        computer_name(sink, ComputerNameNetBIOS, "host.netbios_name");
        computer_name(sink, ComputerNameDnsFullyQualified, "host.fqdn");
        JoinInfo j;
        LPWSTR name = nullptr;
        NETSETUP_JOIN_STATUS status = NetSetupUnknownStatus;
        NET_API_STATUS rc = ::NetGetJoinInformation(nullptr, &name, &status);
        if (rc == NERR_Success) {
            j.status = static_cast<int>(status);
            j.name = narrow(name);
        } else {
            j.api_error = rc;
        }
        if (name) ::NetApiBufferFree(name);
        const bool wine = under_wine();
        Tally t;
        domain_facts(j, ApiContext{wine}, sink, t);
        CollectorOutcome out = t.outcome();
        if (wine && out.status == CollectorStatus::ok) {   // honest: Wine's answer is a stub
            out.status = CollectorStatus::partial;
            out.message = "under Wine NetGetJoinInformation is a stub (always a workgroup)";
        }
        return out;
    }
};

}  // namespace

std::shared_ptr<Collector> make_windows_os_collector() { return std::make_shared<OsCollector>(); }
std::shared_ptr<Collector> make_windows_lsa_collector() { return std::make_shared<LsaCollector>(); }
std::shared_ptr<Collector> make_windows_smb_client_collector() { return std::make_shared<SmbClientCollector>(); }
std::shared_ptr<Collector> make_windows_credman_collector() { return std::make_shared<CredmanCollector>(); }
std::shared_ptr<Collector> make_windows_net_use_collector() { return std::make_shared<NetUseCollector>(); }
std::shared_ptr<Collector> make_windows_domain_collector() { return std::make_shared<DomainCollector>(); }

}  // namespace kbdiag

#endif  // _WIN32
