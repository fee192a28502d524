// Reads one YAML file: parses it, then hands each item of each top-level list to its kind's reader.
#include <filesystem>

#include <fmt/format.h>

#include "engine/core/atomic_file.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/core/yaml_util.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

namespace {

template <typename T, typename ReadFn>
void read_list(const YAML::Node& list, const std::string& file, const char* what, Diagnostics& d, std::vector<T>& out,
               ReadFn read) {
    if (!expect_sequence(list, file, d, fmt::format("'{}s'", what))) return;
    for (const auto& item : list) {
        if (!expect_map(item, file, d, fmt::format("a {}", what))) continue;
        NodeReader r(item, file, d, what);
        if (auto value = read(r)) out.push_back(std::move(*value));
    }
}

std::optional<YAML::Node> parse(const std::string& text, const std::string& path, Diagnostics& d) {
    try {
        CheckedYaml checked = load_checked_yaml(text);
        for (const auto& p : checked.problems)
            d.error(codes::kb_yaml_syntax, fmt::format("YAML: {}", p.message),
                    SourceLocation::from_yaml_mark(path, p.line0, p.column0));
        if (checked.usable) return checked.root;
    } catch (const YAML::Exception& e) {
        d.error(codes::kb_yaml_syntax, fmt::format("YAML syntax: {}", e.msg),
                SourceLocation::from_yaml_mark(path, e.mark.line, e.mark.column));
    }
    return std::nullopt;
}

std::string unknown_top_level_key(const std::string& key) {
    const std::vector<std::string> keys{"facts",      "problems", "causes",  "fixes",     "references",
                                        "rules",      "windows_releases",    "vendors",   "scenarios", "schema"};
    const std::string hint = suggest::did_you_mean(key, keys);
    if (!hint.empty()) return fmt::format("unknown top-level key '{}'{}", key, hint);
    return fmt::format("unknown top-level key '{}' (facts, problems, causes, fixes, references, rules, "
                       "windows_releases, vendors, scenarios)",
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
    if (!root) return;
    if (root->IsNull()) return;   // an empty file is fine
    if (!expect_map(*root, path, d, "a knowledge file")) return;
    for (const auto& kv : *root) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        const YAML::Node& list = kv.second;
        if (list.IsNull()) continue;
        if (key == "facts") read_list(list, path, "fact", d, out.facts, read_fact);
        else if (key == "problems") read_list(list, path, "problem", d, out.problems, read_problem);
        else if (key == "causes") read_list(list, path, "cause", d, out.causes, read_cause);
        else if (key == "fixes") read_list(list, path, "fix", d, out.fixes, read_fix);
        else if (key == "references") read_list(list, path, "reference", d, out.references, read_reference);
        else if (key == "rules")
            read_list(list, path, "rule", d, out.rules, [&](NodeReader& r) { return read_rule(r, out.path); });
        else if (key == "windows_releases")
            read_list(list, path, "windows release", d, out.windows_releases, read_windows_release);
        else if (key == "vendors") read_list(list, path, "vendor", d, out.vendors, read_vendor);
        else if (key == "scenarios") read_list(list, path, "scenario", d, out.scenarios, read_scenario);
        else if (key == "schema") continue;
        else
            d.error(codes::kb_unknown_key, unknown_top_level_key(key), location_of(kv.first, path));
    }
}

}  // namespace kbdiag
