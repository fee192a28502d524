#pragma once
// Small helpers shared by the YAML readers (knowledge base and snapshots).
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/core/location.hpp"
#include "engine/facts/fact_value.hpp"

namespace kbdiag {

inline SourceLocation location_of(const YAML::Node& node, const std::string& file) {
    auto m = node.Mark();
    return SourceLocation::from_yaml_mark(file, m.line, m.column);
}

// A loose value from YAML: scalar -> string, sequence of scalars -> string list,
// sequence of mappings -> records of strings. Sets `error` and returns nullopt on other shapes.
std::optional<FactValue> loose_value(const YAML::Node& node, std::string& error);

const char* node_kind(const YAML::Node& node);   // "mapping", "sequence", "scalar", "null"

// What yaml-cpp's Node API lets pass silently, found while loading: a key given twice in one mapping (the Node
// API keeps the first), a second document (Load() reads the first), and aliases that expand a small file into
// gigabytes ("billion laughs": the Node API shares aliased nodes, but readers that walk them copy them).
struct YamlProblem {
    std::string message;
    int line0 = -1;     // yaml-cpp's 0-based mark; from_yaml_mark() converts
    int column0 = -1;
};

struct CheckedYaml {
    YAML::Node root;                     // the first document; null when `usable` is false
    bool usable = true;                  // false when the file must not be walked at all (alias expansion)
    std::vector<YamlProblem> problems;   // in file order of discovery; at most a few dozen
};

// Parses `text` (throws YAML::Exception on a syntax error, like YAML::Load) and checks it as above. Expansion
// is capped at a few times the text's own size, counting each node and scalar byte each time an alias
// reaches it, so the check itself stops early on a bomb.
CheckedYaml load_checked_yaml(const std::string& text);

}  // namespace kbdiag
