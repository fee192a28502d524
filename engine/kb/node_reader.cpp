#include "engine/kb/node_reader.hpp"

#include <cmath>

#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"

namespace kbdiag {

NodeReader::NodeReader(const YAML::Node& node, const std::string& file, Diagnostics& diagnostics, std::string what)
    : node_(node), file_(file), diagnostics_(diagnostics), what_(std::move(what)) {}

SourceLocation NodeReader::where(const char* key) const {
    if (!node_.IsMap()) return where();
    for (const auto& kv : node_)
        if (kv.first.IsScalar() && kv.first.Scalar() == key) return location_of(kv.second, file_);
    return where();
}

void NodeReader::error(const char* code, const std::string& message, SourceLocation at) {
    ok_ = false;
    diagnostics_.error(code, message, std::move(at));
}

void NodeReader::warning(const char* code, const std::string& message, SourceLocation at) {
    diagnostics_.warning(code, message, std::move(at));
}

std::optional<std::string> NodeReader::string(const char* key, bool required) {
    YAML::Node n = child(key);
    if (!n || n.IsNull()) {
        if (required) error(codes::kb_missing_key, fmt::format("{} has no '{}'", what_, key), where());
        return std::nullopt;
    }
    if (!n.IsScalar()) {
        error(codes::kb_wrong_type, fmt::format("{}: '{}' must be text, not a {}", what_, key, node_kind(n)),
              where(key));
        return std::nullopt;
    }
    return n.Scalar();
}

std::string NodeReader::string_or(const char* key, std::string fallback) {
    auto s = string(key);
    return s ? *s : std::move(fallback);
}

std::optional<double> NodeReader::number(const char* key, bool required) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    try {
        std::size_t used = 0;
        double v = std::stod(*text, &used);
        if (used == text->size() && std::isfinite(v)) return v;
    } catch (...) {
    }
    error(codes::kb_wrong_type, fmt::format("{}: '{}' must be a number, not '{}'", what_, key, *text), where(key));
    return std::nullopt;
}

double NodeReader::number_or(const char* key, double fallback, double min, double max) {
    auto v = number(key);
    if (!v) return fallback;
    if (*v < min || *v > max) {
        error(codes::kb_bad_value, fmt::format("{}: '{}' is {} but must be within [{}, {}]", what_, key, *v, min, max),
              where(key));
        return fallback;
    }
    return *v;
}

std::optional<std::int64_t> NodeReader::integer(const char* key, bool required) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    auto parsed = parse_fact_text(*text, FactType::integer);
    if (parsed.value) return parsed.value->as_int();
    error(codes::kb_wrong_type, fmt::format("{}: '{}' must be an integer, not '{}'", what_, key, *text), where(key));
    return std::nullopt;
}

std::optional<bool> NodeReader::boolean(const char* key) {
    auto text = string(key);
    if (!text) return std::nullopt;
    auto parsed = parse_fact_text(*text, FactType::boolean);
    if (parsed.value) return parsed.value->as_bool();
    error(codes::kb_wrong_type, fmt::format("{}: '{}' must be true or false, not '{}'", what_, key, *text), where(key));
    return std::nullopt;
}

std::vector<std::string> NodeReader::strings(const char* key, bool required) {
    YAML::Node n = child(key);
    std::vector<std::string> out;
    if (!n || n.IsNull()) {
        if (required) error(codes::kb_missing_key, fmt::format("{} has no '{}'", what_, key), where());
        return out;
    }
    if (n.IsScalar()) return {n.Scalar()};
    if (!n.IsSequence()) {
        error(codes::kb_wrong_type, fmt::format("{}: '{}' must be a list, not a {}", what_, key, node_kind(n)),
              where(key));
        return out;
    }
    for (const auto& item : n) {
        if (!item.IsScalar()) {
            error(codes::kb_wrong_type,
                  fmt::format("{}: items of '{}' must be text, not a {}", what_, key, node_kind(item)),
                  location_of(item, file_));
            continue;
        }
        out.push_back(item.Scalar());
    }
    return out;
}

std::map<std::string, std::string> NodeReader::string_map(const char* key) {
    YAML::Node n = child(key);
    std::map<std::string, std::string> out;
    if (!n || n.IsNull()) return out;
    if (!n.IsMap()) {
        error(codes::kb_wrong_type, fmt::format("{}: '{}' must be a mapping, not a {}", what_, key, node_kind(n)),
              where(key));
        return out;
    }
    for (const auto& kv : n) {
        if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
            error(codes::kb_wrong_type, fmt::format("{}: '{}' must map text to text", what_, key),
                  location_of(kv.second, file_));
            continue;
        }
        out[kv.first.Scalar()] = kv.second.Scalar();
    }
    return out;
}

void NodeReader::check_keys(std::initializer_list<const char*> allowed) {
    if (!node_.IsMap()) return;
    for (const auto& kv : node_) {
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
        bool known = false;
        for (const char* a : allowed) known = known || key == a;
        if (!known) {
            std::vector<std::string> names(allowed.begin(), allowed.end());
            const std::string hint = suggest::did_you_mean(key, names);
            warning(codes::kb_unknown_key,
                    hint.empty() ? fmt::format("{}: unknown key '{}' (known: {})", what_, key, fmt::join(names, ", "))
                                 : fmt::format("{}: unknown key '{}'{}", what_, key, hint),
                    location_of(kv.first, file_));
        }
    }
}

bool expect_map(const YAML::Node& node, const std::string& file, Diagnostics& d, const std::string& what) {
    if (node.IsMap()) return true;
    d.error(codes::kb_wrong_type, fmt::format("{} must be a mapping, not a {}", what, node_kind(node)),
            location_of(node, file));
    return false;
}

bool expect_sequence(const YAML::Node& node, const std::string& file, Diagnostics& d, const std::string& what) {
    if (node.IsSequence()) return true;
    d.error(codes::kb_wrong_type, fmt::format("{} must be a list, not a {}", what, node_kind(node)),
            location_of(node, file));
    return false;
}

}  // namespace kbdiag
