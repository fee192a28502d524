#include "engine/core/yaml_util.hpp"

#include <map>
#include <set>
#include <utility>

#include <fmt/format.h>

namespace kbdiag {

const char* node_kind(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: return "mapping";
        case YAML::NodeType::Sequence: return "sequence";
        case YAML::NodeType::Scalar: return "scalar";
        default: return "null";
    }
}

static std::optional<Record> loose_record(const YAML::Node& node, std::string& error) {
    Record r;
    for (const auto& kv : node) {
        if (!kv.first.IsScalar() || !kv.second.IsScalar()) {
            error = "record fields must be scalars";
            return std::nullopt;
        }
        r[kv.first.Scalar()] = kv.second.Scalar();
    }
    return r;
}

std::optional<FactValue> loose_value(const YAML::Node& node, std::string& error) {
    if (node.IsScalar()) return FactValue{node.Scalar()};
    if (node.IsSequence()) {
        if (node.size() == 0) return FactValue{std::vector<std::string>{}};
        if (node[0].IsMap()) {
            std::vector<Record> records;
            for (const auto& item : node) {
                if (!item.IsMap()) {
                    error = "a list of records mixes mappings and other values";
                    return std::nullopt;
                }
                auto r = loose_record(item, error);
                if (!r) return std::nullopt;
                records.push_back(std::move(*r));
            }
            return FactValue{std::move(records)};
        }
        std::vector<std::string> list;
        for (const auto& item : node) {
            if (!item.IsScalar()) {
                error = "a list value must hold scalars or mappings";
                return std::nullopt;
            }
            list.push_back(item.Scalar());
        }
        return FactValue{std::move(list)};
    }
    error = std::string("expected a value, got a ") + node_kind(node);
    return std::nullopt;
}

namespace {

constexpr std::size_t max_problems = 50;

// Walks a document as the readers will, alias targets included each time they are reached, within a budget of
// nodes plus scalar bytes; reports duplicate mapping keys on the way.
class YamlChecker {
public:
    YamlChecker(std::size_t budget, CheckedYaml& out) : budget_(budget), out_(out) {}

    // False when the budget ran out (then a problem says where).
    bool visit(const YAML::Node& node, const YAML::Node& parent) {
        const std::size_t cost = 1 + (node.IsScalar() ? node.Scalar().size() : 0);
        if (cost > budget_) return exhausted(parent);
        budget_ -= cost;
        if (node.IsSequence()) {
            for (const auto& item : node)
                if (!visit(item, node)) return false;
        } else if (node.IsMap()) {
            std::map<std::string, int> first_line;   // scalar key -> its 1-based line
            for (const auto& kv : node) {
                if (kv.first.IsScalar()) check_duplicate(kv.first, first_line);
                if (!visit(kv.first, node) || !visit(kv.second, node)) return false;
            }
        }
        return true;
    }

private:
    bool exhausted(const YAML::Node& where) {
        const auto mark = where.Mark();
        out_.problems.push_back({"aliases expand this file far beyond its size (an alias bomb?); not read",
                                 mark.line, mark.column});
        out_.usable = false;
        return false;
    }

    void check_duplicate(const YAML::Node& key, std::map<std::string, int>& first_line) {
        const auto mark = key.Mark();
        auto [it, fresh] = first_line.emplace(key.Scalar(), mark.line + 1);
        if (fresh || out_.problems.size() >= max_problems) return;
        // Reported once per place: an aliased mapping is walked again each time it is reached.
        if (!reported_.emplace(mark.line, mark.column).second) return;
        out_.problems.push_back({fmt::format("duplicate key '{}' (first at line {}); YAML keys must be unique",
                                             key.Scalar(), it->second),
                                 mark.line, mark.column});
    }

    std::size_t budget_;
    CheckedYaml& out_;
    std::set<std::pair<int, int>> reported_;
};

}  // namespace

CheckedYaml load_checked_yaml(const std::string& text) {
    CheckedYaml out;
    std::vector<YAML::Node> documents = YAML::LoadAll(text);
    if (documents.empty()) return out;   // an empty text: a null root
    out.root = documents.front();
    // Without aliases a document has at most about one node per byte and as many scalar bytes as it has bytes.
    YamlChecker checker(4 * text.size() + 65536, out);
    if (!checker.visit(out.root, out.root)) {
        out.root = YAML::Node();
        return out;
    }
    for (std::size_t i = 1; i < documents.size(); ++i) {
        if (documents[i].IsNull()) continue;   // a stray "---" at the end holds nothing
        const auto mark = documents[i].Mark();
        out.problems.push_back({"a second YAML document in one file; only one is read", mark.line, mark.column});
        break;
    }
    return out;
}

}  // namespace kbdiag
