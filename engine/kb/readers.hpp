#pragma once
// Reader stage: YAML -> plain structs with locations. One small reader per item kind; no cross-item checks
// here (the linker does those).
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/core/diagnostic.hpp"
#include "engine/kb/model.hpp"
#include "engine/kb/node_reader.hpp"

namespace kbdiag {

// One entry of a file's top-level `patch:` list: operations on an existing problem, cause or fix by id (see
// kb_patch.hpp). Kept as YAML until the folders are merged: only then is the target known.
struct KbPatch {
    std::string kind;          // "problem" | "cause" | "fix"
    std::string id;
    std::string folder;        // the folder of the file (lint groups patches by it)
    std::string file;
    YAML::Node node;           // the whole entry, a mapping
};

// Everything one KB folder holds, in file order.
struct KbFolder {
    std::string path;
    std::vector<FactDef> facts;
    std::vector<Problem> problems;
    std::vector<Cause> causes;
    std::vector<Fix> fixes;
    std::vector<Reference> references;
    std::vector<RuleDecl> rules;
    std::vector<WindowsRelease> windows_releases;
    std::vector<Vendor> vendors;
    std::vector<Scenario> scenarios;
    std::vector<KbPatch> patches;          // in file order, then position
    std::set<std::string> failed;          // "kind:id" of items whose reader reported an error (not loaded)
};

// The YAML files (.yaml, .yml) under `folder`, recursively, sorted: the files a load reads, in its order.
std::vector<std::string> list_kb_yaml_files(const std::string& folder, Diagnostics& diagnostics);

// Reads one YAML file of `folder` into `out`. Syntax errors become KB001 with file:line:col.
void read_kb_file(const std::string& path, KbFolder& out, Diagnostics& diagnostics);
// The same for a file's text already in memory (`path` names it in diagnostics; the fuzz targets use it).
void read_kb_text(const std::string& text, const std::string& path, KbFolder& out, Diagnostics& diagnostics);

std::optional<Condition> read_condition(const YAML::Node& node, const std::string& file, Diagnostics& diagnostics);

std::optional<FactDef> read_fact(NodeReader& r);
std::optional<Problem> read_problem(NodeReader& r);
std::optional<Cause> read_cause(NodeReader& r);
std::optional<Fix> read_fix(NodeReader& r);
std::optional<Reference> read_reference(NodeReader& r);
std::optional<RuleDecl> read_rule(NodeReader& r, const std::string& folder);
std::optional<WindowsRelease> read_windows_release(NodeReader& r);
std::optional<Vendor> read_vendor(NodeReader& r);
std::optional<Scenario> read_scenario(NodeReader& r);

// List readers shared with patches (kb_patch.cpp): `causes` of a problem, `fixes` of a cause, one fix step.
std::vector<CauseLink> read_cause_links(NodeReader& r);
std::vector<FixLink> read_fix_links(NodeReader& r);
std::optional<FixStep> read_step(const YAML::Node& item, NodeReader& r);

// Reads the optional `platform` key (any | windows | linux); a bad value is KB011.
Platform read_platform(NodeReader& r);

// Reads `key` of the item as a mapping fact -> loose value (rule `derive`, release `defaults`, scenario `facts`).
std::map<std::string, FactValue> read_value_map(NodeReader& r, const char* key,
                                                std::map<std::string, SourceLocation>* where = nullptr);

}  // namespace kbdiag
