#pragma once
// The Windows collectors (issue 3), defined in win32_collectors.cpp and only on Windows; builtin_collectors()
// (engine/collect/registry.cpp) adds them under #ifdef _WIN32.
#include <memory>

#include "engine/collect/collector.hpp"

namespace kbdiag {

#ifdef _WIN32
std::shared_ptr<Collector> make_windows_os_collector();           // windows.os
std::shared_ptr<Collector> make_windows_domain_collector();       // windows.domain
std::shared_ptr<Collector> make_windows_lsa_collector();          // windows.lsa
std::shared_ptr<Collector> make_windows_smb_client_collector();   // windows.smb_client
std::shared_ptr<Collector> make_windows_credman_collector();      // windows.credman
std::shared_ptr<Collector> make_windows_net_use_collector();      // windows.net_use
std::shared_ptr<Collector> make_windows_smb_events_collector();   // windows.smb_events (win32_smb_events.cpp)
#endif

}  // namespace kbdiag
