#include "engine/snapshot/snapshot.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/yaml_util.hpp"
#include "engine/snapshot/plain_yaml.hpp"

#ifndef _WIN32
#include <pwd.h>
#include <unistd.h>
#endif

namespace kbdiag {

// ============================================================================ writing

namespace {

bool reserved_word(const std::string& s) {
    static const char* const words[] = {"null", "true", "false", "yes", "no", "on", "off", "y", "n", "~"};
    std::string l;
    for (char c : s) l += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const char* w : words)
        if (l == w) return true;
    return false;
}

// A plain scalar that every YAML and JSON-minded reader takes as this same string.
bool plain_safe(const std::string& s) {
    if (s.empty() || s.size() > 200 || reserved_word(s)) return false;
    auto first = static_cast<unsigned char>(s.front());
    if (!(std::isalpha(first) || s.front() == '/' || s.front() == '_')) return false;
    if (s.back() == ' ') return false;
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || std::string_view("_./@%+- ").find(c) != std::string_view::npos)) return false;
    }
    return true;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        auto u = static_cast<unsigned char>(c);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (u < 0x20 || u == 0x7f)
                    out += fmt::format("\\x{:02x}", u);
                else
                    out += c;
        }
    }
    return out + "\"";
}

std::string str(const std::string& s) { return plain_safe(s) ? s : quoted(s); }

// Whether parse_iso8601 reads format_iso8601's text back: four-digit years only (0000-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z). A snapshot can hold any 64-bit time (`@-9223372036854775808`, `created: 99999999999999`).
bool iso8601_round_trips(std::int64_t epoch) { return epoch >= -62167219200 && epoch <= 253402300799; }

// A timestamp fact's text: ISO 8601 when it reads back, else the @epoch form the readers also take.
std::string timestamp_text(std::int64_t epoch) {
    return str(iso8601_round_trips(epoch) ? format_iso8601(epoch) : "@" + std::to_string(epoch));
}

// `created`: ISO 8601 when it reads back, else the plain number of seconds the reader also takes.
std::string created_text(std::int64_t epoch) {
    return str(iso8601_round_trips(epoch) ? format_iso8601(epoch) : std::to_string(epoch));
}

std::string scalar_text(const Scalar& v, FactType type) {
    if (auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    if (auto* i = std::get_if<std::int64_t>(&v))
        return type == FactType::timestamp ? timestamp_text(*i) : std::to_string(*i);
    return str(std::get<std::string>(v));
}

std::string record_text(const Record& r, const FactDef* def) {
    std::vector<std::string> fields;
    for (const auto& [name, value] : r) {
        FactType type = FactType::string;
        if (def) {
            auto f = def->fields.find(name);
            if (f != def->fields.end()) type = f->second;
        }
        fields.push_back(fmt::format("{}: {}", str(name), scalar_text(value, type)));
    }
    return fmt::format("{{{}}}", fmt::join(fields, ", "));
}

// The value in flow style (records are written in block style by the caller).
std::string flow_value(const FactValue& v, FactType type) {
    if (v.is_bool()) return v.as_bool() ? "true" : "false";
    if (v.is_int()) return type == FactType::timestamp ? timestamp_text(v.as_int()) : std::to_string(v.as_int());
    if (v.is_string()) return str(v.as_string());
    std::vector<std::string> items;
    for (const auto& s : v.as_list()) items.push_back(str(s));
    return fmt::format("[{}]", fmt::join(items, ", "));
}

std::string entry_tail(const FactEntry& e) {
    std::string out = fmt::format("source: {}", str(e.source));
    if (!e.note.empty()) out += fmt::format(", note: {}", str(e.note));
    return out;
}

void write_fact(std::string& out, const std::string& name, const FactEntry& e, const FactDef* def) {
    FactType type = def ? def->type : FactType::string;
    if (e.state != FactState::known) {
        out += fmt::format("  {}: {{state: {}, {}}}\n", str(name), to_string(e.state), entry_tail(e));
        return;
    }
    if (!e.value.is_records() || e.value.as_records().empty()) {
        std::string value = e.value.is_records() ? "[]" : flow_value(e.value, type);
        out += fmt::format("  {}: {{value: {}, {}}}\n", str(name), value, entry_tail(e));
        return;
    }
    out += fmt::format("  {}:\n    value:\n", str(name));
    for (const auto& r : e.value.as_records()) out += fmt::format("      - {}\n", record_text(r, def));
    out += fmt::format("    source: {}\n", str(e.source));
    if (!e.note.empty()) out += fmt::format("    note: {}\n", str(e.note));
}

}  // namespace

std::string to_yaml(const Snapshot& s, const KnowledgeBase& kb) {
    std::string out;
    out += fmt::format("schema: {}\n", str(s.schema));
    out += fmt::format("created: {}\n", created_text(s.created));
    out += fmt::format("kbdiag_version: {}\n", str(s.kbdiag_version));
    out += fmt::format("host: {{name: {}, platform: {}}}\n", str(s.host_name), str(s.platform));
    out += s.collectors.empty() ? "collectors: []\n" : "collectors:\n";
    for (const auto& c : s.collectors)
        out += fmt::format("  - {{id: {}, status: {}, duration_ms: {}, message: {}}}\n", str(c.id), to_string(c.status),
                           c.duration_ms, quoted(c.message));
    out += s.facts.size() == 0 ? "facts: {}\n" : "facts:\n";
    for (const auto& [name, entry] : s.facts.entries()) {
        auto def = kb.facts.find(name);
        write_fact(out, name, entry, def == kb.facts.end() ? nullptr : &def->second);
    }
    return out;
}

// ============================================================================ reading

namespace {

// Everything one parse needs to report a problem with a location and its source line.
struct Reader {
    const std::string& text;
    const std::string& name;
    const KnowledgeBase& kb;
    Diagnostics& diagnostics;

    SourceLocation at(const YAML::Node& n) const {
        if (!n.IsDefined()) return SourceLocation{name, 0, 0};   // Mark() throws on a missing node
        auto m = n.Mark();
        return SourceLocation::from_yaml_mark(name, m.line, m.column);
    }
    // Built on the first diagnostic, once: a lookup per snippet instead of a rescan from the top.
    std::optional<LineIndex> lines;

    std::string line_text(int line) {
        if (line <= 0) return {};
        if (!lines) lines.emplace(text);
        return snippet_of(lines->line(line));
    }
    void report(Severity severity, const char* code, std::string message, SourceLocation where) {
        Diagnostic d;
        d.code = code;
        d.severity = severity;
        d.message = std::move(message);
        d.snippet = line_text(where.line);
        if (where.known()) d.where.push_back(std::move(where));
        diagnostics.add(std::move(d));
    }
};

// map[key], or an undefined node when `map` is not a mapping. Note: yaml-cpp's Is*() and Mark() throw on a
// missing ("zombie") node, so every caller checks IsDefined() first.
const YAML::Node child(const YAML::Node& map, const char* key) {
    if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    return map[key];
}

std::optional<std::string> scalar_at(const YAML::Node& map, const char* key) {
    const YAML::Node n = child(map, key);
    if (n.IsDefined() && n.IsScalar()) return n.Scalar();
    return std::nullopt;
}

std::optional<FactValue> fail(std::string& error, const char* message) {
    error = message;
    return std::nullopt;
}

// A loose value: scalar -> string, sequence of scalars -> list, sequence of mappings -> records of strings.
std::optional<FactValue> loose_value(const YAML::Node& n, std::string& error) {
    if (n.IsScalar()) return FactValue(n.Scalar());
    if (n.IsNull()) return fail(error, "the value is empty");
    if (n.IsMap()) return fail(error, "a mapping where a value is expected");
    if (!n.IsSequence()) return fail(error, "not a value");
    if (n.size() == 0) return FactValue(std::vector<std::string>{});
    if (n[0].IsMap()) {
        std::vector<Record> records;
        for (const auto& item : n) {
            if (!item.IsMap()) return fail(error, "a list that mixes mappings with other items");
            Record r;
            for (const auto& field : item) {
                if (!field.first.IsScalar() || !field.second.IsScalar())
                    return fail(error, "a record field that is not a plain value");
                r[field.first.Scalar()] = field.second.Scalar();
            }
            records.push_back(std::move(r));
        }
        return FactValue(std::move(records));
    }
    std::vector<std::string> list;
    for (const auto& item : n) {
        if (!item.IsScalar()) return fail(error, "a list item that is not a plain value");
        list.push_back(item.Scalar());
    }
    return FactValue(std::move(list));
}

void read_header(Reader& rd, const YAML::Node& root, Snapshot& s) {
    if (auto created = scalar_at(root, "created")) {
        if (auto t = parse_iso8601(*created))
            s.created = *t;
        else if (auto i = parse_integer_text(*created))
            s.created = *i;
        else
            rd.report(Severity::warning, codes::snap_schema, fmt::format("'created' is not a time: '{}'", *created),
                      rd.at(root["created"]));
    }
    s.kbdiag_version = scalar_at(root, "kbdiag_version").value_or("");
    const YAML::Node host = child(root, "host");
    if (host.IsDefined() && !host.IsNull() && !host.IsMap())
        rd.report(Severity::warning, codes::snap_schema, "'host' should be a mapping with name and platform",
                  rd.at(host));
    s.host_name = scalar_at(host, "name").value_or("");
    s.platform = scalar_at(host, "platform").value_or("");
}

std::optional<CollectorReport> read_collector(Reader& rd, const YAML::Node& item) {
    if (!item.IsMap()) {
        rd.report(Severity::warning, codes::snap_schema, "a collector entry should be a mapping; ignored", rd.at(item));
        return std::nullopt;
    }
    CollectorReport c;
    c.id = scalar_at(item, "id").value_or("");
    auto status_text = scalar_at(item, "status").value_or("");
    auto status = collector_status_from_string(status_text);
    if (c.id.empty() || !status) {
        rd.report(Severity::warning, codes::snap_schema,
                  c.id.empty() ? std::string("a collector entry has no id; ignored")
                               : fmt::format("collector '{}' has an unknown status '{}'; ignored", c.id, status_text),
                  rd.at(item));
        return std::nullopt;
    }
    c.status = *status;
    if (auto ms = scalar_at(item, "duration_ms")) c.duration_ms = parse_integer_text(*ms).value_or(0);
    c.message = scalar_at(item, "message").value_or("");
    return c;
}

void read_collectors(Reader& rd, const YAML::Node& root, Snapshot& s) {
    const YAML::Node list = child(root, "collectors");
    if (!list.IsDefined() || list.IsNull()) return;
    if (!list.IsSequence()) {
        rd.report(Severity::warning, codes::snap_schema, "'collectors' should be a list; ignored", rd.at(list));
        return;
    }
    for (const auto& item : list)
        if (auto c = read_collector(rd, item)) s.collectors.push_back(std::move(*c));
}

// One fact entry; false when it was dropped (with a diagnostic).
bool read_fact(Reader& rd, const std::string& fact, const YAML::Node& key, const YAML::Node& node, FactEntry& e) {
    auto def = rd.kb.facts.find(fact);
    if (def == rd.kb.facts.end()) {
        rd.report(Severity::warning, codes::snap_unknown_fact,
                  fmt::format("unknown fact '{}' (not in the fact catalog); dropped", fact), rd.at(key));
        return false;
    }
    if (!node.IsMap()) {
        rd.report(Severity::error, codes::snap_bad_value,
                  fmt::format("fact '{}' should be a mapping like {{value: ..., source: ...}}; dropped", fact),
                  rd.at(node.IsDefined() && !node.IsNull() ? node : key));
        return false;
    }
    const YAML::Node value = node["value"];
    const YAML::Node state_node = node["state"];
    std::string state_text = state_node.IsDefined() && state_node.IsScalar() ? state_node.Scalar() : "";
    auto state = state_text.empty() ? std::optional<FactState>(FactState::known) : fact_state_from_string(state_text);
    if (!state || (state_node.IsDefined() && !state_node.IsScalar())) {
        rd.report(Severity::error, codes::snap_bad_value,
                  fmt::format("fact '{}' has state '{}'; expected known, absent or failed; dropped", fact, state_text),
                  rd.at(state_node));
        return false;
    }
    e.state = *state;
    e.source = scalar_at(node, "source").value_or("");
    e.note = scalar_at(node, "note").value_or("");
    if (e.state != FactState::known) return true;
    std::string error = "no value";
    auto loose = value.IsDefined() ? loose_value(value, error) : std::nullopt;
    auto typed = loose ? coerce(*loose, def->second.type, def->second.values, def->second.fields) : ParseResult{};
    if (!loose || !typed.value) {
        if (loose) error = typed.error;
        rd.report(Severity::error, codes::snap_bad_value,
                  fmt::format("fact '{}' ({}): {}; dropped", fact, to_string(def->second.type), error),
                  rd.at(value.IsDefined() ? value : key));
        return false;
    }
    e.value = std::move(*typed.value);
    return true;
}

bool read_facts(Reader& rd, const YAML::Node& root, Snapshot& s) {
    const YAML::Node facts = child(root, "facts");
    if (!facts.IsDefined() || facts.IsNull()) return true;
    if (!facts.IsMap()) {
        rd.report(Severity::error, codes::snap_schema, "'facts' should be a mapping of fact names to entries",
                  rd.at(facts));
        return false;
    }
    for (const auto& item : facts) {
        if (!item.first.IsScalar()) {
            rd.report(Severity::warning, codes::snap_schema, "a fact name should be plain text; ignored",
                      rd.at(item.first));
            continue;
        }
        FactEntry e;
        if (read_fact(rd, item.first.Scalar(), item.first, item.second, e))
            s.facts.put(item.first.Scalar(), std::move(e));
    }
    return true;
}

std::optional<Snapshot> read_document(Reader& rd, const YAML::Node& root) {
    const std::string expected = snapshot_schema;
    if (!root.IsMap()) {
        rd.report(Severity::error, codes::snap_schema,
                  fmt::format("not a snapshot: expected a mapping that starts with 'schema: {}'", expected),
                  SourceLocation{rd.name, root.IsDefined() && root.Mark().line >= 0 ? root.Mark().line + 1 : 1, 1});
        return std::nullopt;
    }
    auto schema = scalar_at(root, "schema");
    if (!schema || *schema != expected) {
        rd.report(Severity::error, codes::snap_schema,
                  schema ? fmt::format("unsupported snapshot schema '{}'; this kbdiag reads '{}'", *schema, expected)
                         : fmt::format("not a snapshot: no 'schema: {}'", expected),
                  root["schema"].IsDefined() ? rd.at(root["schema"]) : SourceLocation{rd.name, 1, 1});
        return std::nullopt;
    }
    Snapshot s;
    s.schema = *schema;
    read_header(rd, root, s);
    read_collectors(rd, root, s);
    if (!read_facts(rd, root, s)) return std::nullopt;
    return s;
}

// Where the general reader places an unknown fact's warning: the opening quote of its key (yaml-cpp's mark, 0-based
// line and column). Found only where that is certain, else nullopt (the caller then reads the text the general way):
// no backslash in the text (so every key is spelt as is and no string holds a quote), a name of plain fact-name
// characters (so a match cannot start at a closing quote), exactly one key of that spelling in the whole text, and
// only ASCII before it without CR (yaml-cpp counts lines at LF and columns in bytes there) and no tab on its line.
std::optional<std::pair<int, int>> unknown_fact_mark(const std::string& text, const std::string& fact) {
    auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'; };
    if (fact.empty() || !std::all_of(fact.begin(), fact.end(), plain) || text.find('\\') != std::string::npos)
        return std::nullopt;
    const std::string quoted = '"' + fact + '"';
    std::optional<std::size_t> key;
    for (auto at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1)) {
        const auto next = text.find_first_not_of(" \t\r\n", at + quoted.size());
        if (next == std::string::npos || text[next] != ':') continue;   // a value, not a key
        if (key) return std::nullopt;                                   // two keys of that name
        key = at;
    }
    if (!key) return std::nullopt;
    const std::string_view before(text.data(), *key);
    if (std::any_of(before.begin(), before.end(),
                    [](char c) { return c == '\r' || static_cast<unsigned char>(c) >= 0x80; }))
        return std::nullopt;
    const auto line_start = before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    if (before.find('\t', line_start) != std::string_view::npos) return std::nullopt;
    const auto line0 = std::count(before.begin(), before.end(), '\n');
    return std::make_pair(static_cast<int>(line0), static_cast<int>(*key - line_start));
}

// The general reader's SNAP003 warnings for the unknown facts the fast path left out; false (and nothing reported)
// when one of them cannot be placed for certain.
bool report_unknown_facts(const std::string& text, const std::string& name, const KnowledgeBase& kb,
                          const std::vector<std::string>& unknown, Diagnostics& diagnostics) {
    std::vector<std::pair<int, int>> marks;
    for (const auto& fact : unknown) {
        auto mark = unknown_fact_mark(text, fact);
        if (!mark) return false;
        marks.push_back(*mark);
    }
    Reader rd{text, name, kb, diagnostics, std::nullopt};
    for (std::size_t i = 0; i < unknown.size(); ++i)
        rd.report(Severity::warning, codes::snap_unknown_fact,
                  fmt::format("unknown fact '{}' (not in the fact catalog); dropped", unknown[i]),
                  SourceLocation::from_yaml_mark(name, marks[i].first, marks[i].second));
    return true;
}

}  // namespace

std::optional<Snapshot> parse_snapshot(const std::string& text, const std::string& name, const KnowledgeBase& kb,
                                       Diagnostics& diagnostics) {
    // A fleet's snapshots often carry a fact this knowledge base does not know (a newer collector): the fast path
    // takes those too, and reports them as the general reader would.
    std::vector<std::string> unknown;
    if (auto fast = parse_clean_json_snapshot(text, kb, &unknown))
        if (unknown.empty() || report_unknown_facts(text, name, kb, unknown, diagnostics)) return fast;
    if (auto plain = parse_plain_yaml_snapshot(text, kb)) return plain;
    return parse_snapshot_general(text, name, kb, diagnostics);
}

std::optional<Snapshot> parse_plain_yaml_snapshot(const std::string& text, const KnowledgeBase& kb) {
    // What collect writes is a few KiB; a text far bigger is a crafted or generated one, and building its nodes only
    // to hand it to the general reader (say, for its thousands of unknown facts) doubled the time that takes.
    constexpr std::size_t fast_path_bytes = 1024 * 1024;
    if (text.size() > fast_path_bytes) return std::nullopt;
    const std::optional<YAML::Node> root = parse_plain_yaml(text);
    if (!root) return std::nullopt;
    Diagnostics quiet;
    const std::string no_name;
    Reader rd{text, no_name, kb, quiet, std::nullopt};
    std::optional<Snapshot> s;
    try {
        s = read_document(rd, *root);
    } catch (const std::exception&) {   // the general reader reports it properly
        return std::nullopt;
    }
    // Anything worth saying (an unknown fact, a value that does not fit) is said by the general reader, with the
    // line and column these nodes do not have.
    if (!quiet.empty()) return std::nullopt;
    return s;
}

std::optional<Snapshot> parse_snapshot_general(const std::string& text, const std::string& name,
                                               const KnowledgeBase& kb, Diagnostics& diagnostics) {
    Reader rd{text, name, kb, diagnostics, std::nullopt};
    try {
        CheckedYaml checked = load_checked_yaml(text);
        // Snapshots are written by kbdiag, one document with unique keys and no aliases: anything else is an
        // edited or crafted file, and guessing which value was meant would diagnose the wrong machine.
        for (const auto& p : checked.problems)
            rd.report(Severity::error, codes::snap_syntax, fmt::format("snapshot is not valid: {}", p.message),
                      SourceLocation::from_yaml_mark(name, p.line0, p.column0));
        if (!checked.problems.empty()) return std::nullopt;
        return read_document(rd, checked.root);
    } catch (const YAML::ParserException& e) {
        rd.report(Severity::error, codes::snap_syntax, fmt::format("snapshot is not valid YAML: {}", e.msg),
                  SourceLocation::from_yaml_mark(name, e.mark.line, e.mark.column));
    } catch (const YAML::Exception& e) {
        rd.report(Severity::error, codes::snap_schema, fmt::format("snapshot has an unexpected shape: {}", e.msg),
                  SourceLocation::from_yaml_mark(name, e.mark.line, e.mark.column));
    } catch (const std::exception& e) {
        rd.report(Severity::error, codes::snap_schema, fmt::format("snapshot could not be read: {}", e.what()),
                  SourceLocation{name, 0, 0});
    }
    return std::nullopt;
}

std::optional<Snapshot> read_snapshot(const std::string& path, const KnowledgeBase& kb, Diagnostics& diagnostics) {
    std::string text, error;
    if (!read_file(path, text, error, limits::snapshot_bytes)) {
        diagnostics.error(codes::snap_io, fmt::format("cannot read snapshot: {} (a snapshot is at most 64 MiB)", error),
                          SourceLocation{path, 0, 0});
        return std::nullopt;
    }
    return parse_snapshot(text, path, kb, diagnostics);
}

// ============================================================================ default place

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string{};
}

}  // namespace

std::string default_snapshot_path() {
    namespace fs = std::filesystem;
    if (auto p = env("KBDIAG_SNAPSHOT"); !p.empty()) return p;
#ifdef _WIN32
    if (auto base = env("LOCALAPPDATA"); !base.empty()) return (fs::path(base) / "kbdiag" / "snapshot.yaml").string();
    return "kbdiag-snapshot.yaml";
#else
    // The XDG spec says relative values are invalid and must be ignored.
    if (auto state = env("XDG_STATE_HOME"); !state.empty() && state.front() == '/')
        return (fs::path(state) / "kbdiag" / "snapshot.yaml").string();
    std::string home = env("HOME");
    if (home.empty()) {
        if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) home = pw->pw_dir;
    }
    if (home.empty()) return "kbdiag-snapshot.yaml";
    return (fs::path(home) / ".local" / "state" / "kbdiag" / "snapshot.yaml").string();
#endif
}

// ============================================================================ age

namespace {

// "2026-11-30 10:02 UTC": minutes are enough for a person, and UTC says which clock.
std::string readable_utc(std::int64_t epoch_seconds) {
    const std::string iso = format_iso8601(epoch_seconds);   // 2026-11-30T10:02:00Z
    return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
}

// "5 days" from two days on, "30 hours" below that, "1 hour"/"1 day" in the singular.
std::string readable_span(std::chrono::seconds span) {
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(span).count();
    if (hours >= 48) return fmt::format("{} days", hours / 24);
    if (hours >= 1) return fmt::format("{} hour{}", hours, hours == 1 ? "" : "s");
    const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(span).count();
    return fmt::format("{} minute{}", minutes, minutes == 1 ? "" : "s");
}

}  // namespace

std::optional<std::string> snapshot_age_warning(const Snapshot& snapshot, std::chrono::system_clock::time_point now,
                                                std::chrono::hours max_age) {
    if (snapshot.created <= 0) return std::nullopt;
    // Two machines' clocks a few minutes apart is normal, not worth a warning.
    constexpr std::chrono::minutes clock_skew{5};
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    const std::chrono::seconds age = now_s - std::chrono::seconds(snapshot.created);
    const std::string when = readable_utc(snapshot.created);
    if (age < -clock_skew)
        return fmt::format("This snapshot's collection time ({}) is {} in the future: the clock of this computer "
                           "or of the one that collected it is wrong, so its age is unknown.",
                           when, readable_span(-age));
    if (age <= max_age) return std::nullopt;
    return fmt::format("This snapshot was collected {} ago ({}); things may have changed: run `kbdiag collect` "
                       "again.",
                       readable_span(age), when);
}

}  // namespace kbdiag
