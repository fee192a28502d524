#include <fmt/format.h>

#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/suggest.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

namespace {

std::optional<Condition> read_group(const YAML::Node& list, Condition::Kind kind, const std::string& file,
                                    Diagnostics& d, SourceLocation where) {
    if (!expect_sequence(list, file, d, "the parts of 'all'/'any'")) return std::nullopt;
    Condition c;
    c.kind = kind;
    c.where = std::move(where);
    for (const auto& item : list) {
        auto child = read_condition(item, file, d);
        if (!child) return std::nullopt;
        c.children.push_back(std::move(*child));
    }
    return c;
}

std::optional<Operand> read_operand(const YAML::Node& n, CompareOp op, const std::string& file, Diagnostics& d) {
    Operand operand;
    if (op == CompareOp::in || op == CompareOp::not_in) {
        if (!expect_sequence(n, file, d, "the value of 'in'/'not_in'")) return std::nullopt;
        for (const auto& item : n) {
            if (!item.IsScalar()) {
                d.error(codes::kb_wrong_type, "the items of 'in'/'not_in' must be scalars", location_of(item, file));
                return std::nullopt;
            }
            operand.set.emplace_back(item.Scalar());
        }
        return operand;
    }
    if (n.IsMap() && n["fact"] && n["fact"].IsScalar() && n.size() == 1) {
        operand.fact = n["fact"].Scalar();
        return operand;
    }
    if (!n.IsScalar()) {
        d.error(codes::kb_wrong_type,
                fmt::format("a comparison needs a scalar or {{fact: NAME}}, not a {}", node_kind(n)),
                location_of(n, file));
        return std::nullopt;
    }
    if (op == CompareOp::exists) {
        auto b = parse_fact_text(n.Scalar(), FactType::boolean);
        if (!b.value) {
            d.error(codes::kb_wrong_type, "'exists' takes true or false", location_of(n, file));
            return std::nullopt;
        }
        operand.literal = *b.value;
        return operand;
    }
    operand.literal = FactValue{n.Scalar()};   // loose; the linker coerces it to the fact's type
    return operand;
}

std::optional<Condition> read_compare(const YAML::Node& node, const std::string& file, Diagnostics& d) {
    Condition c;
    c.kind = Condition::Kind::compare;
    c.where = location_of(node, file);
    const YAML::Node fact = node["fact"];
    if (!fact || !fact.IsScalar()) {   // a missing key is an invalid node: asking its type would throw
        d.error(codes::kb_missing_key, "a condition needs 'fact: NAME' (or all/any/not)", c.where);
        return std::nullopt;
    }
    c.fact = fact.Scalar();
    int ops = 0;
    for (const auto& kv : node) {
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        if (key == "fact") continue;
        auto op = compare_op_from_key(key);
        if (!op) {
            const std::string hint = suggest::did_you_mean(
                key, {"fact", "eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "exists"});
            d.error(codes::kb_unknown_key,
                    fmt::format("unknown comparison '{}'{}", key,
                                hint.empty() ? " (use eq, ne, lt, lte, gt, gte, in, not_in, contains, exists)" : hint),
                    location_of(kv.first, file));
            return std::nullopt;
        }
        auto operand = read_operand(kv.second, *op, file, d);
        if (!operand) return std::nullopt;
        c.op = *op;
        c.operand = std::move(*operand);
        ++ops;
    }
    if (ops != 1) {
        d.error(codes::kb_wrong_type,
                fmt::format("a condition on '{}' needs exactly one comparison, found {}", c.fact, ops), c.where);
        return std::nullopt;
    }
    return c;
}

}  // namespace

std::optional<Condition> read_condition(const YAML::Node& node, const std::string& file, Diagnostics& d) {
    if (!expect_map(node, file, d, "a condition")) return std::nullopt;
    auto where = location_of(node, file);
    if (node["all"]) return read_group(node["all"], Condition::Kind::all, file, d, where);
    if (node["any"]) return read_group(node["any"], Condition::Kind::any, file, d, where);
    if (node["not"]) {
        auto child = read_condition(node["not"], file, d);
        if (!child) return std::nullopt;
        Condition c;
        c.kind = Condition::Kind::negate;
        c.where = where;
        c.children.push_back(std::move(*child));
        return c;
    }
    return read_compare(node, file, d);
}

}  // namespace kbdiag
