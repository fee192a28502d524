#include "engine/core/text.hpp"
#include "engine/facts/fact_value.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>

#include <fmt/format.h>

namespace kbdiag {

namespace {

using text::trim;
using text::lower;

struct TypeName {
    FactType type;
    const char* name;
};
constexpr TypeName type_names[] = {
    {FactType::boolean, "boolean"},         {FactType::integer, "integer"},
    {FactType::string, "string"},           {FactType::enumeration, "enumeration"},
    {FactType::string_list, "string_list"}, {FactType::timestamp, "timestamp"},
    {FactType::records, "records"},
};

std::optional<bool> parse_bool(std::string_view text) {
    auto t = lower(trim(text));
    if (t == "true" || t == "yes" || t == "1" || t == "on" || t == "y") return true;
    if (t == "false" || t == "no" || t == "0" || t == "off" || t == "n") return false;
    return std::nullopt;
}

std::optional<std::int64_t> parse_int(std::string_view text) {
    auto t = trim(text);
    if (t.empty()) return std::nullopt;
    bool negative = false;
    std::string_view digits = t;
    if (digits.front() == '-' || digits.front() == '+') {
        negative = digits.front() == '-';
        digits.remove_prefix(1);
    }
    int base = 10;
    if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
        base = 16;
        digits.remove_prefix(2);
    }
    if (digits.empty()) return std::nullopt;
    std::uint64_t magnitude = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) return std::nullopt;
    // The whole 64-bit range, INT64_MIN included: whatever a snapshot holds must read back.
    constexpr auto largest = static_cast<std::uint64_t>(INT64_MAX);
    if (magnitude > largest + (negative ? 1 : 0)) return std::nullopt;
    if (negative) return magnitude == largest + 1 ? INT64_MIN : -static_cast<std::int64_t>(magnitude);
    return static_cast<std::int64_t>(magnitude);
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool read_digits(std::string_view s, std::size_t& pos, std::size_t count, int& out) {
    if (pos + count > s.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < count; ++i) {
        char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    pos += count;
    return true;
}

ParseResult fail(std::string message) { return ParseResult{std::nullopt, std::move(message)}; }
ParseResult ok(FactValue v) { return ParseResult{std::move(v), {}}; }

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    std::string current;
    for (char c : text) {
        if (c == ',') {
            out.push_back(trim(current));
            current.clear();
        } else {
            current += c;
        }
    }
    if (!trim(current).empty() || !out.empty()) out.push_back(trim(current));
    return out;
}

ParseResult coerce_scalar_text(const std::string& text, FactType type, const std::vector<std::string>& enum_values) {
    return parse_fact_text(text, type, enum_values);
}

std::optional<Scalar> coerce_field(const Scalar& loose, FactType type, std::string& error) {
    if (type == FactType::string || type == FactType::enumeration) {
        if (auto* s = std::get_if<std::string>(&loose)) return Scalar{*s};
        return Scalar{to_display(loose)};
    }
    std::string text = to_display(loose);
    if (type == FactType::boolean) {
        if (auto* b = std::get_if<bool>(&loose)) return Scalar{*b};
        if (auto b = parse_bool(text)) return Scalar{*b};
        error = fmt::format("'{}' is not a boolean", text);
        return std::nullopt;
    }
    if (type == FactType::integer || type == FactType::timestamp) {
        if (auto* i = std::get_if<std::int64_t>(&loose)) return Scalar{*i};
        auto parsed = parse_fact_text(text, type);
        if (parsed.value && parsed.value->is_int()) return Scalar{parsed.value->as_int()};
        error = parsed.error;
        return std::nullopt;
    }
    error = fmt::format("fields of type {} are not supported", to_string(type));
    return std::nullopt;
}

}  // namespace

const char* to_string(FactType t) {
    for (const auto& n : type_names)
        if (n.type == t) return n.name;
    return "string";
}

std::optional<FactType> fact_type_from_string(std::string_view s) {
    for (const auto& n : type_names)
        if (s == n.name) return n.type;
    return std::nullopt;
}

std::string to_display(const Scalar& s) {
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::int64_t>) return std::to_string(v);
            else return v;
        },
        s);
}

std::string to_display(const FactValue& value, FactType type) {
    if (value.is_bool()) return value.as_bool() ? "true" : "false";
    if (value.is_int())
        return type == FactType::timestamp ? format_iso8601(value.as_int()) : std::to_string(value.as_int());
    if (value.is_string()) return value.as_string();
    if (value.is_list()) return fmt::format("[{}]", fmt::join(value.as_list(), ", "));
    std::vector<std::string> records;
    for (const auto& r : value.as_records()) {
        std::vector<std::string> fields;
        for (const auto& [k, v] : r) fields.push_back(fmt::format("{}: {}", k, to_display(v)));
        records.push_back(fmt::format("{{{}}}", fmt::join(fields, ", ")));
    }
    return fmt::format("[{}]", fmt::join(records, ", "));
}

std::optional<std::int64_t> parse_integer_text(std::string_view text) {
    auto r = parse_fact_text(text, FactType::integer);
    if (r.value && r.value->is_int()) return r.value->as_int();
    return std::nullopt;
}

std::optional<std::int64_t> parse_iso8601(std::string_view text) {
    std::string t = trim(text);
    std::string_view s = t;
    std::size_t pos = 0;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(s, pos, 4, year) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
    if (!read_digits(s, pos, 2, month) || pos >= s.size() || s[pos++] != '-') return std::nullopt;
    if (!read_digits(s, pos, 2, day)) return std::nullopt;
    if (month < 1 || month > 12 || day < 1 || day > 31) return std::nullopt;
    std::int64_t offset = 0;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
        ++pos;
        if (!read_digits(s, pos, 2, hour) || pos >= s.size() || s[pos++] != ':') return std::nullopt;
        if (!read_digits(s, pos, 2, minute)) return std::nullopt;
        if (pos < s.size() && s[pos] == ':') {
            ++pos;
            if (!read_digits(s, pos, 2, second)) return std::nullopt;
            if (pos < s.size() && s[pos] == '.') {  // fractional seconds are dropped
                ++pos;
                while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
            }
        }
        if (hour > 23 || minute > 59 || second > 60) return std::nullopt;
        if (pos < s.size()) {
            char z = s[pos];
            if (z == 'Z' || z == 'z') {
                ++pos;
            } else if (z == '+' || z == '-') {
                ++pos;
                int oh = 0, om = 0;
                if (!read_digits(s, pos, 2, oh)) return std::nullopt;
                if (pos < s.size() && s[pos] == ':') ++pos;
                if (!read_digits(s, pos, 2, om)) return std::nullopt;
                offset = (oh * 3600 + om * 60) * (z == '+' ? 1 : -1);
            } else {
                return std::nullopt;
            }
        }
    }
    if (pos != s.size()) return std::nullopt;
    std::int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

std::string format_iso8601(std::int64_t epoch) {
    // Floor division without negating or multiplying back: either overflows near INT64_MIN (a snapshot may say
    // `created: -9223372036854775808`).
    std::int64_t days = epoch / 86400;
    std::int64_t rem = epoch % 86400;
    if (rem < 0) {
        rem += 86400;
        --days;
    }
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60);
}

ParseResult parse_fact_text(std::string_view text, FactType type, const std::vector<std::string>& enum_values) {
    switch (type) {
        case FactType::boolean:
            if (auto b = parse_bool(text)) return ok(*b);
            return fail(fmt::format("'{}' is not a boolean (true/false, yes/no, 1/0)", text));
        case FactType::integer:
            if (auto i = parse_int(text)) return ok(*i);
            return fail(fmt::format("'{}' is not an integer", text));
        case FactType::string:
            return ok(std::string(text));
        case FactType::enumeration: {
            auto t = trim(text);
            for (const auto& v : enum_values)
                if (lower(v) == lower(t)) return ok(v);
            return fail(fmt::format("'{}' is not one of [{}]", t, fmt::join(enum_values, ", ")));
        }
        case FactType::string_list:
            return ok(split_list(text));
        case FactType::timestamp: {
            auto t = trim(text);
            if (!t.empty() && t.front() == '@') {
                if (auto i = parse_int(std::string_view(t).substr(1))) return ok(*i);
            } else if (auto e = parse_iso8601(t)) {
                return ok(*e);
            }
            return fail(fmt::format("'{}' is not a timestamp (ISO 8601 like 2026-11-24T10:00:00Z, or @epoch)", t));
        }
        case FactType::records:
            return fail("a list of records cannot be written as text");
    }
    return fail("unknown type");
}

ParseResult coerce(const FactValue& loose, FactType type, const std::vector<std::string>& enum_values,
                   const std::map<std::string, FactType>& fields) {
    switch (type) {
        case FactType::boolean:
            if (loose.is_bool()) return ok(loose);
            break;
        case FactType::integer:
        case FactType::timestamp:
            if (loose.is_int()) return ok(loose);
            break;
        case FactType::string_list:
            if (loose.is_list()) return ok(loose);
            if (loose.is_string()) return ok(std::vector<std::string>{loose.as_string()});
            return fail(fmt::format("expected a list of strings, got {}", to_display(loose, FactType::string)));
        case FactType::records: {
            if (!loose.is_records()) {
                if (loose.is_list() && loose.as_list().empty()) return ok(std::vector<Record>{});
                return fail("expected a list of records (mappings)");
            }
            std::vector<Record> out;
            for (const auto& r : loose.as_records()) {
                Record typed;
                for (const auto& [name, value] : r) {
                    auto f = fields.find(name);
                    if (f == fields.end()) return fail(fmt::format("record field '{}' is not declared", name));
                    std::string error;
                    auto v = coerce_field(value, f->second, error);
                    if (!v) return fail(fmt::format("record field '{}': {}", name, error));
                    typed.emplace(name, std::move(*v));
                }
                out.push_back(std::move(typed));
            }
            return ok(std::move(out));
        }
        default:
            break;
    }
    if (loose.is_string()) return coerce_scalar_text(loose.as_string(), type, enum_values);
    if (type == FactType::string) return ok(to_display(loose, FactType::string));
    if (type == FactType::enumeration && (loose.is_bool() || loose.is_int()))
        return coerce_scalar_text(to_display(loose, FactType::string), type, enum_values);
    return fail(fmt::format("expected {}, got {}", to_string(type), to_display(loose, FactType::string)));
}

}  // namespace kbdiag
