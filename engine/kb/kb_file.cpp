// Reads one YAML file: parses it, then hands each item of each top-level list to its kind's reader.
#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/core/yaml_util.hpp"
#include "engine/kb/kb_patch.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

namespace {

// Reads each item of `list`; the "kind:id" of an item that fails goes to `failed` (when given), so references to
// it are not reported a second time.
template <typename T, typename ReadFn>
void read_list(const YAML::Node& list, const std::string& file, const char* what, Diagnostics& d, std::vector<T>& out,
               ReadFn read, std::set<std::string>* failed = nullptr) {
    if (!expect_sequence(list, file, d, fmt::format("'{}s'", what))) return;
    for (const auto& item : list) {
        if (!expect_map(item, file, d, fmt::format("a {}", what))) continue;
        NodeReader r(item, file, d, what);
        if (auto value = read(r)) out.push_back(std::move(*value));
        else if (failed && item["id"] && item["id"].IsScalar())
            failed->insert(std::string(what) + ":" + item["id"].Scalar());
    }
}

// The plural top-level key for each kind whose ids other items refer to.
const char* kind_of_section(const std::string& key) {
    if (key == "facts") return "fact";
    if (key == "problems") return "problem";
    if (key == "causes") return "cause";
    if (key == "fixes") return "fix";
    if (key == "rules") return "rule";
    return nullptr;
}

// A file that does not parse loses every item in it. Its ids are still read from the text (`- id: X` under a
// top-level `fixes:` and the like), so references to them are notes rather than one more error each.
void mark_unparsed_ids(const std::string& text, std::set<std::string>& failed) {
    const char* kind = nullptr;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(start, end - start);
        start = end + 1;
        if (!line.empty() && line[0] != ' ' && line[0] != '#' && line[0] != '-') {
            kind = kind_of_section(line.substr(0, line.find(':')));
            continue;
        }
        const std::size_t dash = line.find_first_not_of(' ');
        if (!kind || dash == std::string::npos || line.compare(dash, 6, "- id: ") != 0) continue;
        std::string id = line.substr(dash + 6);
        id = id.substr(0, id.find_first_of(" #\r"));
        id.erase(std::remove(id.begin(), id.end(), '"'), id.end());
        id.erase(std::remove(id.begin(), id.end(), '\''), id.end());
        if (!id.empty()) failed.insert(std::string(kind) + ":" + id);
    }
}

// yaml-cpp says only "illegal map value" for `text: Open Settings: Network`: a plain scalar cannot hold ': '.
// When the line at the error has a second unquoted ': ', say how to fix it.
std::string colon_hint(const std::string& text, int line0) {
    std::size_t start = 0;
    for (int i = 0; i < line0 && start != std::string::npos; ++i) {
        start = text.find('\n', start);
        if (start != std::string::npos) ++start;
    }
    if (start == std::string::npos) return {};
    std::string line = text.substr(start, text.find('\n', start) - start);
    const std::size_t first = line.find(": ");
    if (first == std::string::npos) return {};
    std::string value = line.substr(first + 2);
    value.erase(0, value.find_first_not_of(' '));
    if (value.empty() || value[0] == '"' || value[0] == '\'' || value.find(": ") == std::string::npos) return {};
    return " (quote the text: it contains ': ')";
}

std::optional<YAML::Node> parse(const std::string& text, const std::string& path, Diagnostics& d) {
    try {
        CheckedYaml checked = load_checked_yaml(text);
        for (const auto& p : checked.problems)
            d.error(codes::kb_yaml_syntax, fmt::format("YAML: {}", p.message),
                    SourceLocation::from_yaml_mark(path, p.line0, p.column0));
        if (checked.usable) return checked.root;
    } catch (const YAML::Exception& e) {
        d.error(codes::kb_yaml_syntax, fmt::format("YAML syntax: {}{}", e.msg, colon_hint(text, e.mark.line)),
                SourceLocation::from_yaml_mark(path, e.mark.line, e.mark.column));
    }
    return std::nullopt;
}

std::string unknown_top_level_key(const std::string& key) {
    const std::vector<std::string> keys{"facts",      "problems", "causes",  "fixes",     "references",
                                        "rules",      "windows_releases",    "vendors",   "scenarios", "schema",
                                        "patch"};
    const std::string hint = suggest::did_you_mean(key, keys);
    if (!hint.empty()) return fmt::format("unknown top-level key '{}'{}", key, hint);
    return fmt::format("unknown top-level key '{}' (facts, problems, causes, fixes, references, rules, "
                       "windows_releases, vendors, scenarios, patch)",
                       key);
}

}  // namespace

void read_kb_file(const std::string& path, KbFolder& out, Diagnostics& d) {
    std::string text, error;
    if (!read_file(path, text, error, limits::knowledge_file_bytes)) {
        d.error(codes::kb_folder, fmt::format("cannot read {}: {}", path, error), SourceLocation{path});
        return;
    }
    read_kb_text(text, path, out, d);
}

void read_kb_text(const std::string& text, const std::string& path, KbFolder& out, Diagnostics& d) {
    auto root = parse(text, path, d);
    if (!root) {
        mark_unparsed_ids(text, out.failed);
        return;
    }
    if (root->IsNull()) return;   // an empty file is fine
    if (!expect_map(*root, path, d, "a knowledge file")) return;
    for (const auto& kv : *root) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        const YAML::Node& list = kv.second;
        if (list.IsNull()) continue;
        if (key == "facts") read_list(list, path, "fact", d, out.facts, read_fact, &out.failed);
        else if (key == "problems") read_list(list, path, "problem", d, out.problems, read_problem, &out.failed);
        else if (key == "causes") read_list(list, path, "cause", d, out.causes, read_cause, &out.failed);
        else if (key == "fixes") read_list(list, path, "fix", d, out.fixes, read_fix, &out.failed);
        else if (key == "references") read_list(list, path, "reference", d, out.references, read_reference);
        else if (key == "rules")
            read_list(
                list, path, "rule", d, out.rules, [&](NodeReader& r) { return read_rule(r, out.path); }, &out.failed);
        else if (key == "windows_releases")
            read_list(list, path, "windows release", d, out.windows_releases, read_windows_release);
        else if (key == "vendors") read_list(list, path, "vendor", d, out.vendors, read_vendor);
        else if (key == "scenarios") read_list(list, path, "scenario", d, out.scenarios, read_scenario);
        else if (key == "patch") read_patches(list, path, out.path, out.patches, d);
        else if (key == "schema") continue;
        else
            d.error(codes::kb_unknown_key, unknown_top_level_key(key), location_of(kv.first, path));
    }
}

}  // namespace kbdiag
