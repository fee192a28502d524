#pragma once
// The probe.smb collector (engine/collect/probe_collector.cpp): runs the server probe when a server is
// known (--server HOST[:PORT], else the server of --target) and turns its result into server.* facts.
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/collect/collector.hpp"
#include "engine/probe/auth_win32.hpp"
#include "engine/probe/probe.hpp"

namespace kbdiag {

std::shared_ptr<Collector> make_probe_collector();   // probe.smb

// The facts probe.smb can write (all in knowledge/facts/probe.yaml).
const std::vector<std::string>& probe_fact_names();

// Writes the facts for one probe result; `now` (Unix seconds) gives the clock skew. Returns the status.
CollectorOutcome write_probe_facts(const probe::ProbeResult& result, const probe::ServerSpec& server,
                                   std::int64_t now, FactSink& sink);

// The Windows authentication check's facts (server.auth_win32_error, server.auth_status where the error maps to
// one NT status, server.auth_stage, server.share_exists); under Wine both fail with the reason. `unc` is what
// was connected to, `share_given` whether it names the --target share (not IPC$). Returns the note.
std::string write_win32_auth_facts(const probe::Win32Connect& connect, const std::string& unc, bool share_given,
                                   FactSink& sink);

// The first NT status in smbclient's output and the step it belongs to (ok, negotiate, session_setup,
// tree_connect, other); NT_STATUS_OK/ok when there is none and smbclient exited 0; nullopt otherwise.
std::optional<std::pair<std::string, std::string>> parse_smbclient_status(const std::string& output, int exit_code);

}  // namespace kbdiag
