#pragma once
// Fact values. A fact's type comes from the catalog (FactDef); values are plain data that can be
// compared natively, written to snapshots and handed to Lua as plain values.
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace kbdiag {

enum class FactType {
    boolean,      // true / false
    integer,      // 64-bit signed
    string,       // free text
    enumeration,  // one of the catalog's `values`
    string_list,  // list of strings
    timestamp,    // seconds since the Unix epoch, UTC; written as ISO 8601 ("2026-11-24T10:00:00Z")
    records,      // list of records (string -> scalar), fields typed by the catalog
};

const char* to_string(FactType t);
std::optional<FactType> fact_type_from_string(std::string_view s);

// A scalar inside a record field.
using Scalar = std::variant<bool, std::int64_t, std::string>;
using Record = std::map<std::string, Scalar>;

struct FactValue {
    using Storage = std::variant<bool, std::int64_t, std::string, std::vector<std::string>, std::vector<Record>>;
    Storage v;

    FactValue() : v(false) {}
    FactValue(bool b) : v(b) {}
    FactValue(int i) : v(std::int64_t{i}) {}
    FactValue(std::int64_t i) : v(i) {}
    FactValue(const char* s) : v(std::string(s)) {}
    FactValue(std::string s) : v(std::move(s)) {}
    FactValue(std::vector<std::string> l) : v(std::move(l)) {}
    FactValue(std::vector<Record> r) : v(std::move(r)) {}

    bool is_bool() const { return std::holds_alternative<bool>(v); }
    bool is_int() const { return std::holds_alternative<std::int64_t>(v); }
    bool is_string() const { return std::holds_alternative<std::string>(v); }
    bool is_list() const { return std::holds_alternative<std::vector<std::string>>(v); }
    bool is_records() const { return std::holds_alternative<std::vector<Record>>(v); }

    bool as_bool() const { return std::get<bool>(v); }
    std::int64_t as_int() const { return std::get<std::int64_t>(v); }
    const std::string& as_string() const { return std::get<std::string>(v); }
    const std::vector<std::string>& as_list() const { return std::get<std::vector<std::string>>(v); }
    const std::vector<Record>& as_records() const { return std::get<std::vector<Record>>(v); }

    friend bool operator==(const FactValue&, const FactValue&) = default;
};

// Human-readable rendering (timestamps as ISO 8601 when `type` says so).
std::string to_display(const FactValue& value, FactType type);
std::string to_display(const Scalar& s);

// Parses text typed by a person (--fact k=v, question answers) into a value of `type`.
// Booleans accept true/false/yes/no/1/0/on/off; integers accept decimal and 0x hex;
// timestamps accept ISO 8601 (date, or date and time with Z or offset) and @epoch.
// Lists are comma-separated. Records cannot be typed. Returns an error text on failure.
struct ParseResult {
    std::optional<FactValue> value;
    std::string error;
};
ParseResult parse_fact_text(std::string_view text, FactType type, const std::vector<std::string>& enum_values = {});

// Readers of YAML/JSON produce "loose" values: scalars as strings, sequences of scalars as string lists,
// sequences of mappings as records of strings. coerce() turns a loose value into the catalog's type.
ParseResult coerce(const FactValue& loose, FactType type, const std::vector<std::string>& enum_values = {},
                   const std::map<std::string, FactType>& fields = {});

// An integer written as parse_fact_text reads one (decimal or 0x hex); nullopt for anything else.
std::optional<std::int64_t> parse_integer_text(std::string_view text);

// ISO 8601 helpers (UTC).
std::optional<std::int64_t> parse_iso8601(std::string_view text);
std::string format_iso8601(std::int64_t epoch_seconds);

}  // namespace kbdiag
