#pragma once
// NodeReader: reads one YAML mapping (one KB item) with type checks, reporting problems as diagnostics
// at the exact file:line:col. Readers for each item kind are built from it.
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/core/diagnostic.hpp"
#include "engine/core/yaml_util.hpp"

namespace kbdiag {

class NodeReader {
public:
    // `what` names the item for messages, e.g. "cause" (the id is added once read).
    NodeReader(const YAML::Node& node, const std::string& file, Diagnostics& diagnostics, std::string what);

    bool ok() const { return ok_; }          // false once any error was reported for this item
    void fail() { ok_ = false; }             // an error was reported elsewhere (e.g. by read_condition)
    bool is_map() const { return node_.IsMap(); }
    SourceLocation where() const { return location_of(node_, file_); }
    SourceLocation where(const char* key) const;
    const std::string& file() const { return file_; }
    Diagnostics& diagnostics() { return diagnostics_; }
    void set_name(const std::string& id) { what_ += " '" + id + "'"; }
    const std::string& what() const { return what_; }

    bool has(const char* key) const { return node_.IsMap() && node_[key] && !node_[key].IsNull(); }
    YAML::Node child(const char* key) const { return node_.IsMap() ? node_[key] : YAML::Node(); }

    std::optional<std::string> string(const char* key, bool required = false);
    std::string string_or(const char* key, std::string fallback);
    std::optional<double> number(const char* key, bool required = false);
    double number_or(const char* key, double fallback, double min, double max);
    std::optional<std::int64_t> integer(const char* key, bool required = false);
    std::optional<bool> boolean(const char* key);
    // A sequence of scalars; a single scalar is accepted as a one-item list.
    std::vector<std::string> strings(const char* key, bool required = false);
    // A mapping of scalar -> scalar.
    std::map<std::string, std::string> string_map(const char* key);

    // Reports keys not in `allowed` (KB003, a warning: lint --strict makes it an error).
    void check_keys(std::initializer_list<const char*> allowed);

    void error(const char* code, const std::string& message, SourceLocation at);
    void warning(const char* code, const std::string& message, SourceLocation at);

private:
    YAML::Node node_;
    const std::string& file_;
    Diagnostics& diagnostics_;
    std::string what_;
    bool ok_ = true;
};

// Reports a wrong node shape (KB002) and returns false, e.g. expect_shape(node, IsMap, "a mapping").
bool expect_map(const YAML::Node& node, const std::string& file, Diagnostics& d, const std::string& what);
bool expect_sequence(const YAML::Node& node, const std::string& file, Diagnostics& d, const std::string& what);

}  // namespace kbdiag
