// Converting between FactValue and plain Lua values.
#include "bindings/lua/lua_values.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace kbdiag::lua {

void push_scalar(lua_State* L, const Scalar& value) {
    if (const bool* b = std::get_if<bool>(&value)) {
        lua_pushboolean(L, *b ? 1 : 0);
    } else if (const std::int64_t* i = std::get_if<std::int64_t>(&value)) {
        lua_pushinteger(L, static_cast<lua_Integer>(*i));
    } else {
        const std::string& s = std::get<std::string>(value);
        lua_pushlstring(L, s.data(), s.size());
    }
}

void push_string_list(lua_State* L, const std::vector<std::string>& list) {
    lua_createtable(L, static_cast<int>(list.size()), 0);
    lua_Integer i = 0;
    for (const std::string& s : list) {
        lua_pushlstring(L, s.data(), s.size());
        lua_rawseti(L, -2, ++i);
    }
}

namespace {

// [-0, +1, m]
void push_record(lua_State* L, const Record& record) {
    lua_createtable(L, 0, static_cast<int>(record.size()));
    for (const auto& [field, value] : record) {
        lua_pushlstring(L, field.data(), field.size());
        push_scalar(L, value);
        lua_rawset(L, -3);
    }
}

}  // namespace

void push_fact_value(lua_State* L, const FactValue& value) {
    if (value.is_bool()) {
        lua_pushboolean(L, value.as_bool() ? 1 : 0);
    } else if (value.is_int()) {
        lua_pushinteger(L, static_cast<lua_Integer>(value.as_int()));
    } else if (value.is_string()) {
        lua_pushlstring(L, value.as_string().data(), value.as_string().size());
    } else if (value.is_list()) {
        push_string_list(L, value.as_list());
    } else {
        const std::vector<Record>& records = value.as_records();
        lua_createtable(L, static_cast<int>(records.size()), 0);
        lua_Integer i = 0;
        for (const Record& record : records) {
            push_record(L, record);
            lua_rawseti(L, -2, ++i);
        }
    }
}

// ---- Lua -> FactValue (no raising API calls below this line) ----

namespace {

const char* type_name(lua_State* L, int index) { return lua_typename(L, lua_type(L, index)); }

std::optional<std::int64_t> read_integer(lua_State* L, int index) {
    if (lua_type(L, index) != LUA_TNUMBER) return std::nullopt;   // no string -> number conversion
    int is_integer = 0;
    const lua_Integer i = lua_tointegerx(L, index, &is_integer);   // floats with an exact integer value too
    if (!is_integer) return std::nullopt;
    return static_cast<std::int64_t>(i);
}

std::optional<std::string> read_string(lua_State* L, int index) {
    if (lua_type(L, index) != LUA_TSTRING) return std::nullopt;   // a real string: lua_tolstring won't allocate
    std::size_t length = 0;
    const char* s = lua_tolstring(L, index, &length);
    return std::string(s, length);
}

// The length of the sequence at `index` when its keys are exactly 1..n, else nullopt. [-0, +0, -]
std::optional<std::size_t> sequence_length(lua_State* L, int index) {
    if (lua_type(L, index) != LUA_TTABLE) return std::nullopt;
    const lua_Unsigned length = lua_rawlen(L, index);
    lua_Unsigned keys = 0;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        int is_integer = 0;
        const lua_Integer key = lua_type(L, -2) == LUA_TNUMBER ? lua_tointegerx(L, -2, &is_integer) : 0;
        if (!is_integer || key < 1 || static_cast<lua_Unsigned>(key) > length) {
            lua_pop(L, 2);
            return std::nullopt;
        }
        ++keys;
        lua_pop(L, 1);
    }
    if (keys != length) return std::nullopt;
    return static_cast<std::size_t>(length);
}

std::optional<Scalar> read_scalar(lua_State* L, int index, std::optional<FactType> type) {
    const int kind = lua_type(L, index);
    if (!type) {   // the catalog does not type this field: any scalar
        if (kind == LUA_TBOOLEAN) return Scalar{lua_toboolean(L, index) != 0};
        if (auto i = read_integer(L, index)) return Scalar{*i};
        if (auto s = read_string(L, index)) return Scalar{std::move(*s)};
        return std::nullopt;
    }
    switch (*type) {
        case FactType::boolean:
            if (kind == LUA_TBOOLEAN) return Scalar{lua_toboolean(L, index) != 0};
            return std::nullopt;
        case FactType::integer:
        case FactType::timestamp:
            if (auto i = read_integer(L, index)) return Scalar{*i};
            return std::nullopt;
        case FactType::string:
        case FactType::enumeration:
            if (auto s = read_string(L, index)) return Scalar{std::move(*s)};
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

std::optional<Record> read_record(lua_State* L, int index, const FactDef& def, std::string& error) {
    if (lua_type(L, index) != LUA_TTABLE) {
        error = fmt::format("a record must be a table, got {}", type_name(L, index));
        return std::nullopt;
    }
    Record record;
    lua_pushnil(L);
    while (lua_next(L, index) != 0) {
        std::optional<std::string> field = read_string(L, -2);
        if (!field) {
            error = fmt::format("record keys must be strings, got {}", type_name(L, -2));
            lua_pop(L, 2);
            return std::nullopt;
        }
        std::optional<FactType> type;
        if (!def.fields.empty()) {
            auto it = def.fields.find(*field);
            if (it == def.fields.end()) {
                error = fmt::format("record field '{}' is not in the catalog for {}", *field, def.id);
                lua_pop(L, 2);
                return std::nullopt;
            }
            type = it->second;
        }
        std::optional<Scalar> value = read_scalar(L, -1, type);
        if (!value) {
            error = fmt::format("record field '{}' must be {}, got {}", *field,
                                type ? to_string(*type) : "a boolean, integer or string", type_name(L, -1));
            lua_pop(L, 2);
            return std::nullopt;
        }
        record.emplace(std::move(*field), std::move(*value));
        lua_pop(L, 1);
    }
    return record;
}

std::optional<FactValue> read_list(lua_State* L, int index, const FactDef& def, std::string& error) {
    std::optional<std::size_t> length = sequence_length(L, index);
    if (!length) {
        error = fmt::format("{} must be a sequence (a table with keys 1..n), got {}", def.id, type_name(L, index));
        return std::nullopt;
    }
    std::vector<std::string> strings;
    std::vector<Record> records;
    for (std::size_t i = 1; i <= *length; ++i) {
        lua_rawgeti(L, index, static_cast<lua_Integer>(i));
        const int item = lua_gettop(L);
        if (def.type == FactType::string_list) {
            std::optional<std::string> s = read_string(L, item);
            if (!s) error = fmt::format("item {} of {} must be a string, got {}", i, def.id, type_name(L, item));
            else strings.push_back(std::move(*s));
        } else {
            std::optional<Record> r = read_record(L, item, def, error);
            if (r) records.push_back(std::move(*r));
            else error = fmt::format("item {} of {}: {}", i, def.id, error);
        }
        lua_pop(L, 1);
        if (!error.empty()) return std::nullopt;
    }
    if (def.type == FactType::string_list) return FactValue{std::move(strings)};
    return FactValue{std::move(records)};
}

}  // namespace

std::optional<FactValue> read_fact_value(lua_State* L, int index, const FactDef& def, std::string& error) {
    index = lua_absindex(L, index);
    error.clear();
    std::optional<FactValue> value;
    switch (def.type) {
        case FactType::boolean:
            if (lua_type(L, index) == LUA_TBOOLEAN) value = FactValue{lua_toboolean(L, index) != 0};
            break;
        case FactType::integer:
        case FactType::timestamp:
            if (auto i = read_integer(L, index)) value = FactValue{*i};
            break;
        case FactType::string:
            if (auto s = read_string(L, index)) value = FactValue{std::move(*s)};
            break;
        case FactType::enumeration:
            if (auto s = read_string(L, index)) {
                if (!def.values.empty() && std::find(def.values.begin(), def.values.end(), *s) == def.values.end()) {
                    error = fmt::format("'{}' is not one of the values of {} ({})", *s, def.id,
                                        fmt::join(def.values, ", "));
                    return std::nullopt;
                }
                value = FactValue{std::move(*s)};
            }
            break;
        case FactType::string_list:
        case FactType::records:
            return read_list(L, index, def, error);
    }
    if (!value) {
        if (def.type == FactType::timestamp) {
            error = fmt::format("{} is a timestamp (integer seconds since 1970), got a Lua {}", def.id,
                                type_name(L, index));
        } else {
            error = fmt::format("{} is of type {}, got a Lua {}", def.id, to_string(def.type), type_name(L, index));
        }
    }
    return value;
}

}  // namespace kbdiag::lua
