#pragma once
// Small helpers shared by the YAML readers (knowledge base and snapshots).
#include <string>

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

}  // namespace kbdiag
