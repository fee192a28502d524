// windows.smb_events, the API calls (smb_events.hpp): the newest failure events of the SMB client's Security and
// Connectivity logs through the Windows Event Log API. wevtapi.dll is loaded at run time (LoadLibrary +
// GetProcAddress, as the auth check loads mpr.dll), so the exe needs no import library for it and a system
// without it still runs every other collector. Windows only; what the calls return becomes facts in
// smb_events.cpp, which is tested on every platform.
#ifdef _WIN32

#include "engine/collect/windows/windows_collectors.hpp"

// clang-format off
#include <windows.h>
// clang-format on

#include <chrono>

#include <fmt/format.h>

#include "engine/collect/windows/smb_events.hpp"
#include "engine/collect/windows/win32_text.hpp"

namespace kbdiag {

namespace {

using namespace kbdiag::win;

// The few winevt.h declarations used (MinGW ships no winevt.h; values from the Windows SDK documentation:
// EVT_QUERY_FLAGS EvtQueryChannelPath 0x1, EvtQueryReverseDirection 0x200; EVT_RENDER_FLAGS EvtRenderEventXml 1).
using EvtHandle = HANDLE;
constexpr DWORD evt_query_channel_path = 0x1;
constexpr DWORD evt_query_reverse_direction = 0x200;
constexpr DWORD evt_render_event_xml = 1;
using EvtQueryFn = EvtHandle(WINAPI*)(EvtHandle session, LPCWSTR path, LPCWSTR query, DWORD flags);
using EvtNextFn = BOOL(WINAPI*)(EvtHandle results, DWORD size, EvtHandle* events, DWORD timeout_ms, DWORD flags,
                                DWORD* returned);
using EvtRenderFn = BOOL(WINAPI*)(EvtHandle context, EvtHandle fragment, DWORD flags, DWORD buffer_size, PVOID buffer,
                                  DWORD* buffer_used, DWORD* property_count);
using EvtCloseFn = BOOL(WINAPI*)(EvtHandle object);

constexpr std::size_t max_events_per_channel = 20;   // newest first: the first one is what matters
constexpr DWORD next_timeout_ms = 2000;               // the registry's time limit bounds the whole collector too

struct Wevtapi {
    HMODULE module = nullptr;
    EvtQueryFn query = nullptr;
    EvtNextFn next = nullptr;
    EvtRenderFn render = nullptr;
    EvtCloseFn close = nullptr;
    std::string error;   // why it is unusable
    bool usable() const { return query && next && render && close; }
};

template <typename Fn>
Fn function(HMODULE m, const char* name) {
    return reinterpret_cast<Fn>(reinterpret_cast<void*>(::GetProcAddress(m, name)));
}

Wevtapi load_wevtapi() {
    Wevtapi w;
    w.module = ::LoadLibraryW(L"wevtapi.dll");
    if (!w.module) {
        w.error = fmt::format("cannot load wevtapi.dll ({})", win32_error_name(::GetLastError()));
        return w;
    }
    w.query = function<EvtQueryFn>(w.module, "EvtQuery");
    w.next = function<EvtNextFn>(w.module, "EvtNext");
    w.render = function<EvtRenderFn>(w.module, "EvtRender");
    w.close = function<EvtCloseFn>(w.module, "EvtClose");
    if (!w.usable()) w.error = "wevtapi.dll lacks EvtQuery, EvtNext, EvtRender or EvtClose";
    return w;
}

// One event as XML (UTF-8). Empty, with `error` set, when rendering fails.
std::string render_xml(const Wevtapi& w, EvtHandle event, DWORD& error) {
    DWORD used = 0, properties = 0;
    if (w.render(nullptr, event, evt_render_event_xml, 0, nullptr, &used, &properties)) return {};
    error = ::GetLastError();
    if (error != ERROR_INSUFFICIENT_BUFFER) return {};
    std::wstring buffer(used / sizeof(wchar_t) + 1, L'\0');
    if (!w.render(nullptr, event, evt_render_event_xml, static_cast<DWORD>(buffer.size() * sizeof(wchar_t)),
                  buffer.data(), &used, &properties)) {
        error = ::GetLastError();
        return {};
    }
    error = 0;
    return narrow(buffer.c_str());
}

// The newest failure events of one channel, as rendered XML.
ChannelRead read_channel(const Wevtapi& w, const char* channel, const std::string& query) {
    ChannelRead r;
    r.channel = channel;
    const std::wstring path = widen(channel), xpath = widen(query);
    EvtHandle results =
        w.query(nullptr, path.c_str(), xpath.c_str(), evt_query_channel_path | evt_query_reverse_direction);
    if (!results) {
        r.api_error = ::GetLastError();
        r.failed_call = "EvtQuery";
        return r;
    }
    EvtHandle events[max_events_per_channel] = {};
    DWORD returned = 0;
    if (!w.next(results, static_cast<DWORD>(max_events_per_channel), events, next_timeout_ms, 0, &returned)) {
        DWORD err = ::GetLastError();
        if (err != ERROR_NO_MORE_ITEMS) {   // no more items: the query ran and found nothing
            r.api_error = err;
            r.failed_call = "EvtNext";
        }
        returned = 0;
    }
    for (DWORD i = 0; i < returned; ++i) {
        DWORD err = 0;
        std::string xml = render_xml(w, events[i], err);
        if (err == 0)
            r.events.push_back(std::move(xml));
        else   // an event that cannot be rendered reads as unparsable XML, which smb_event_facts reports
            r.events.push_back(fmt::format("<!-- EvtRender failed: {} -->", win32_error_name(err)));
        w.close(events[i]);
    }
    w.close(results);
    return r;
}

bool under_wine() {
    HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
    return ntdll && ::GetProcAddress(ntdll, "wine_get_version") != nullptr;
}

class SmbEventsCollector final : public Collector {
public:
    std::string id() const override { return "windows.smb_events"; }
    std::string description() const override {
        return "the newest share-access failure in the SMB client's Security and Connectivity event logs";
    }
    std::vector<std::string> provides() const override {
        return {"error.last_smb_event_id", "error.last_smb_event_time", "error.last_smb_event_server", "error.code",
                "events.insecure_guest_logon_rejected", "events.server_requires_smb1"};
    }
    std::vector<Platform> platforms() const override { return {Platform::windows_os}; }

    CollectorOutcome collect(const CollectOptions&, FactSink& sink) override {
        SmbEventsContext ctx;
        ctx.now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
        ctx.under_wine = under_wine();
        Wevtapi w = load_wevtapi();
        std::vector<ChannelRead> reads;
        if (!w.usable()) {
            ctx.wevtapi_missing = true;
            ctx.wevtapi_error = w.error;
        } else {
            const std::string query = smb_event_query(ctx.lookback);
            for (const char* channel : {smb_security_channel, smb_connectivity_channel})
                reads.push_back(read_channel(w, channel, query));
        }
        // wevtapi.dll stays loaded: a timed-out run of this collector may still be inside it.
        return smb_event_facts(reads, ctx, sink);
    }
};

}  // namespace

std::shared_ptr<Collector> make_windows_smb_events_collector() { return std::make_shared<SmbEventsCollector>(); }

}  // namespace kbdiag

#endif  // _WIN32
