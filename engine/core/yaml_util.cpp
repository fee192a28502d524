#include "engine/core/yaml_util.hpp"

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

}  // namespace kbdiag
