#pragma once
// Snapshot: what `kbdiag collect` wrote. Schema-versioned YAML (JSON accepted on read: JSON is YAML).
//
//   schema: kbdiag-snapshot/1
//   created: "2026-11-24T10:00:00Z"
//   kbdiag_version: "0.1.0"
//   host: {name: pc42, platform: linux}
//   collectors:
//     - {id: host.info, status: ok, duration_ms: 3, message: ""}
//   facts:
//     credman.entries:
//       value:
//         - {last_written: "2026-11-20T09:00:00Z", persist: enterprise, target: "Domain:target=nas01", ...}
//       source: windows.credman
//     lsa.lm_compatibility_level: {state: absent, source: windows.lsa, note: value not set}
//     windows.build: {value: 22631, source: windows.os}
//
// Facts are sorted by name and record fields by key; collectors stay in run order. Values are written with
// their catalog types (timestamps as ISO 8601 strings); strings are quoted whenever a plain scalar could be
// read as something else. Absent and failed facts carry `state:` and no `value`.
// Reading: SNAP001 syntax (file:line:col), SNAP002 wrong schema or shape, SNAP003 unknown fact (warning,
// dropped), SNAP004 value that does not fit its type (dropped), SNAP005 unreadable file.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "engine/collect/collector.hpp"
#include "engine/core/diagnostic.hpp"
#include "engine/facts/fact_store.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

inline constexpr const char* snapshot_schema = "kbdiag-snapshot/1";

struct Snapshot {
    std::string schema = snapshot_schema;
    std::int64_t created = 0;            // epoch seconds
    std::string kbdiag_version;
    std::string host_name;
    std::string platform;
    std::vector<CollectorReport> collectors;
    FactStore facts;
};

// Serialises deterministically (sorted keys).
std::string to_yaml(const Snapshot& s, const KnowledgeBase& kb);

// Parses a snapshot; values are coerced to the catalog's types. Unknown facts and bad values are dropped
// with diagnostics naming file:line:col; a file that does not parse or has the wrong schema yields nullopt
// and an error diagnostic.
std::optional<Snapshot> read_snapshot(const std::string& path, const KnowledgeBase& kb, Diagnostics& diagnostics);
std::optional<Snapshot> parse_snapshot(const std::string& text, const std::string& name, const KnowledgeBase& kb,
                                       Diagnostics& diagnostics);

// The fast path of parse_snapshot for one clean JSON object (kbdiag batch's lines, the C API): the same snapshot
// the general reader makes of it, or nullopt when the text is not such a snapshot (not JSON, wrong schema, an
// unknown fact, a value that does not fit, a duplicate key, a null or a float): the caller then reads it the
// general way, which says what is wrong and where. parse_snapshot tries it first.
// With `unknown_facts`, an unknown fact does not refuse the text: it is left out and its name added (in input order),
// for parse_snapshot to report as the general reader would (SNAP003 at the key) when it can place it.
std::optional<Snapshot> parse_clean_json_snapshot(const std::string& text, const KnowledgeBase& kb,
                                                  std::vector<std::string>* unknown_facts = nullptr);
// The fast path of parse_snapshot for the YAML `kbdiag collect` writes (engine/snapshot/plain_yaml.hpp): the same
// snapshot the general reader makes of the text, or nullopt when the text is outside that plain subset, over 1 MiB,
// or the general reader would have anything to say about it (it is then read the general way). Tried after the
// JSON one.
std::optional<Snapshot> parse_plain_yaml_snapshot(const std::string& text, const KnowledgeBase& kb);
// parse_snapshot without the fast paths (for tests that compare them).
std::optional<Snapshot> parse_snapshot_general(const std::string& text, const std::string& name,
                                               const KnowledgeBase& kb, Diagnostics& diagnostics);

// Where `kbdiag collect` writes and `kbdiag infer` reads by default:
// $KBDIAG_SNAPSHOT, else $XDG_STATE_HOME/kbdiag/snapshot.yaml, else ~/.local/state/kbdiag/snapshot.yaml
// (on Windows %LOCALAPPDATA%\kbdiag\snapshot.yaml).
std::string default_snapshot_path();

// A plain-words warning when the snapshot is stale: collected more than `max_age` before `now` ("This snapshot
// was collected 5 days ago (2026-11-30 10:02 UTC); things may have changed: run `kbdiag collect` again."), or
// collected in the future by more than a few minutes of clock skew (then one of the two clocks is wrong).
// nullopt when the age is fine or the snapshot records no collection time (created <= 0).
std::optional<std::string> snapshot_age_warning(const Snapshot& snapshot, std::chrono::system_clock::time_point now,
                                                std::chrono::hours max_age = std::chrono::hours(72));

}  // namespace kbdiag
