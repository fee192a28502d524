#pragma once
// The loaders of what kbdiag reads from files as fuzz targets: snapshots (the general YAML reader, the JSON and the
// YAML fast paths), one knowledge file in an otherwise valid knowledge folder (reader, builder, linker, cache image), and the
// condition reader. fuzz_main.cpp turns each into a libFuzzer binary (preset `fuzz`, KBDIAG_FUZZ_LOADERS);
// tests/unit/test_loader_fuzz.cpp runs them on a few inputs in the ordinary unit tests.
// Besides "no crash, no sanitizer finding, no leak", each checks what its loader promises and traps when it does
// not: an input ends in a value or in error diagnostics, never in an exception.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/yaml_util.hpp"
#include "engine/kb/builder.hpp"
#include "engine/kb/kb_image.hpp"
#include "engine/kb/kb_patch.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/kb/readers.hpp"
#include "engine/rules/condition.hpp"
#include "engine/snapshot/snapshot.hpp"

#ifndef KBDIAG_SOURCE_KB
#error "define KBDIAG_SOURCE_KB to the shipped knowledge folder"
#endif

namespace kbdiag::fuzz_loaders {

// A failed promise is a finding: abort so that libFuzzer keeps the input.
inline void require(bool promise) {
    if (!promise) __builtin_trap();
}

inline const std::string& shipped_kb_folder() {
    static const std::string folder = KBDIAG_SOURCE_KB;
    return folder;
}

// The shipped knowledge base, loaded once: its fact catalog types the snapshots.
inline const KnowledgeBase& shipped_kb() {
    static const std::shared_ptr<const KnowledgeBase> kb = [] {
        LoadOptions options;
        options.folders = {shipped_kb_folder()};
        options.scenarios = false;
        LoadResult loaded = load_knowledge_base(options);
        require(loaded.kb != nullptr && !loaded.diagnostics.has_errors());
        return loaded.kb;
    }();
    return *kb;
}

// The knowledge folder each fuzzed file joins: the CLI tests' mini knowledge base (a fact, a problem, causes,
// rules with a Lua script, scenarios), as the reader leaves it, read once. The shipped folder would be as valid,
// but linking it for every input runs at 3 inputs/s under the sanitizers instead of hundreds.
inline const std::string& fuzz_kb_folder() {
    static const std::string folder = shipped_kb_folder() + "/../tests/data/cli/kb_mini";
    return folder;
}

inline const KbFolder& base_folder() {
    static const KbFolder folder = [] {
        KbFolder f;
        f.path = fuzz_kb_folder();
        Diagnostics d;
        for (const auto& file : list_kb_yaml_files(f.path, d)) read_kb_file(file, f, d);
        require(!d.has_errors());
        return f;
    }();
    return folder;
}

// Loads what every run shares before the first input: libFuzzer's 3 s per input must not count it.
inline void prepare() {
    (void)shipped_kb();
    (void)base_folder();
}

inline bool same_snapshot(const Snapshot& a, const Snapshot& b) {
    if (a.schema != b.schema || a.created != b.created || a.kbdiag_version != b.kbdiag_version ||
        a.host_name != b.host_name || a.platform != b.platform || a.collectors.size() != b.collectors.size() ||
        a.facts.size() != b.facts.size())
        return false;
    for (std::size_t i = 0; i < a.collectors.size(); ++i) {
        const auto &x = a.collectors[i], &y = b.collectors[i];
        if (x.id != y.id || x.status != y.status || x.duration_ms != y.duration_ms || x.message != y.message)
            return false;
    }
    for (const auto& [name, e] : a.facts.entries()) {
        const FactEntry* o = b.facts.find(name);
        if (!o || e.state != o->state || e.source != o->source || e.note != o->note) return false;
        if (e.state == FactState::known && !(e.value == o->value)) return false;
    }
    return true;
}

// What the snapshot writer promises: whatever was read, written back and read again, is the same snapshot, and
// the second reading has nothing to say.
inline void check_round_trip(const Snapshot& read, const KnowledgeBase& kb) {
    const std::string written = to_yaml(read, kb);
    Diagnostics again;
    auto reread = parse_snapshot_general(written, "written.yaml", kb, again);
    require(reread.has_value() && again.empty());
    require(same_snapshot(read, *reread));
    require(to_yaml(*reread, kb) == written);
}

// yaml-cpp refuses a JSON \uXXXX escape of a UTF-16 surrogate (a pair spells one character beyond the BMP) that
// the JSON fast path decodes: the one known case where the general reader cannot read what the fast path reads.
inline bool has_surrogate_escape(std::string_view text) {
    for (std::size_t i = 0; i + 3 < text.size(); ++i)
        if (text[i] == '\\' && text[i + 1] == 'u' && (text[i + 2] == 'd' || text[i + 2] == 'D') &&
            std::string_view("89abAB").find(text[i + 3]) != std::string_view::npos)
            return true;
    return false;
}

// A snapshot file as `kbdiag infer` reads it (fast path first, then the general reader).
inline int snapshot(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const KnowledgeBase& kb = shipped_kb();
    Diagnostics d;
    auto read = parse_snapshot(text, "fuzz.yaml", kb, d);
    require(read.has_value() || d.has_errors());
    if (read) check_round_trip(*read, kb);
    return 0;
}

// The JSON fast path: when it accepts a text, the general reader reads the same snapshot from it, silently.
inline int snapshot_json(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const KnowledgeBase& kb = shipped_kb();
    auto fast = parse_clean_json_snapshot(text, kb);
    if (!fast) return 0;
    Diagnostics d;
    auto general = parse_snapshot_general(text, "fuzz.json", kb, d);
    if (!general && has_surrogate_escape(text)) {
        check_round_trip(*fast, kb);
        return 0;
    }
    // JSON that is not YAML 1.2: an implicit key must sit on one line in YAML ("facts"\n : {...} is valid JSON).
    // The general reader then refuses with a syntax error at file:line:col, and the fast path's reading must
    // still survive a round trip.
    if (!general && d.items().size() == 1 && d.items()[0].code == std::string(codes::snap_syntax) &&
        d.items()[0].message.find("not valid YAML") != std::string::npos) {
        check_round_trip(*fast, kb);
        return 0;
    }
    require(general.has_value() && d.empty());
    require(same_snapshot(*fast, *general));
    check_round_trip(*fast, kb);
    return 0;
}

// The YAML fast path: when it accepts a text, the general reader reads the same snapshot from it, silently.
inline int snapshot_yaml(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const KnowledgeBase& kb = shipped_kb();
    auto fast = parse_plain_yaml_snapshot(text, kb);
    if (!fast) return 0;
    Diagnostics d;
    auto general = parse_snapshot_general(text, "fuzz.yaml", kb, d);
    require(general.has_value() && d.empty());
    require(same_snapshot(*fast, *general));
    check_round_trip(*fast, kb);
    return 0;
}

// One fuzzed knowledge file added to a valid folder: read, built, patched (its `patch:` entries), linked; the model
// survives the start-up cache's image unchanged.
inline int knowledge_file(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::vector<KbFolder> folders{base_folder()};
    Diagnostics d;
    read_kb_text(text, folders[0].path + "/zz-fuzz.yaml", folders[0], d);
    const std::vector<KbPatch> patches = folders[0].patches;
    const std::set<std::string> failed = folders[0].failed;
    KbImage image;
    image.kb = build_knowledge_base(std::move(folders), d);
    apply_patches(image.kb, patches, failed, d);
    link_knowledge_base(image.kb, d, failed);
    std::string why;
    auto decoded = decode_kb_image(encode_kb_image(image, "fuzz"), "fuzz", why);
    require(decoded.has_value() && why.empty());
    require(decoded->kb == image.kb);
    return 0;
}

// A rule's `when` (or a cause's `applies_to`, a fix step's `when`): read, described and evaluated.
inline int condition(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    CheckedYaml checked;
    try {
        checked = load_checked_yaml(text);
    } catch (const YAML::Exception&) {
        return 0;   // not YAML: the knowledge file reader reports it before any condition is read
    }
    if (!checked.usable || !checked.problems.empty()) return 0;
    Diagnostics d;
    auto c = read_condition(checked.root, "fuzz.yaml", d);
    require(c.has_value() != d.has_errors());
    if (!c) return 0;
    (void)c->facts();
    require(!c->describe().empty());
    FactStore facts;
    facts.set("windows.build", FactValue{std::int64_t{22631}}, "fuzz");
    facts.set("windows.edition", FactValue{std::string("Enterprise")}, "fuzz");
    facts.set_absent("lsa.lm_compatibility_level", "fuzz");
    facts.set_failed("credman.targets", "fuzz");
    EvalTrace trace;
    (void)evaluate(*c, facts, &trace);
    return 0;
}

}  // namespace kbdiag::fuzz_loaders
