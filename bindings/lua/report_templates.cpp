// Rendering the Markdown and HTML exports with Lua templates: find the template, escape the report, run the
// template in a fresh sandboxed state under budgets, and turn every way it can fail into one located diagnostic.
#include "bindings/lua/report_templates.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bindings/lua/lua_errors.hpp"
#include "bindings/lua/lua_guard.hpp"
#include "bindings/lua/lua_state.hpp"
#include "bindings/lua/sandbox.hpp"
#include "engine/core/atomic_file.hpp"
#include "engine/core/diagnostic_codes.hpp"
#include "engine/core/input_limits.hpp"
#include "engine/report/report.hpp"

namespace kbdiag::lua {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// How far a render got: which contract a failure broke.
enum class Stage { compiling, running_file, file_result, preparing, running_function, function_result };

// What render_entry needs and what it found. Plain data and pointers: a Lua error may longjmp past it.
struct RenderRequest {
    const char* chunk = nullptr;
    std::size_t size = 0;
    const char* chunk_name = nullptr;     // "@path"
    const json* report = nullptr;         // already escaped
    Markup markup = Markup::markdown;
    std::string* output = nullptr;
    Stage stage = Stage::compiling;
    const char* returned_type = nullptr;  // luaL_typename of a wrong result (a static string)
    int function_line = 0;                // where the returned function is defined
};

constexpr int max_json_depth = 64;

// --- the report as Lua tables --------------------------------------------------------------------------------

// Pushes `j` as plain Lua values: objects and arrays become tables (arrays 1-based), null becomes nil. Only
// references into `j` are alive here, so an allocation error may longjmp through. [-0, +1, m]
void push_json(lua_State* L, const json& j, int depth) {
    luaL_checkstack(L, 4, "report nested too deeply");
    if (depth > max_json_depth) luaL_error(L, "report nested too deeply");
    switch (j.type()) {
        case json::value_t::boolean: lua_pushboolean(L, *j.get_ptr<const json::boolean_t*>() ? 1 : 0); return;
        case json::value_t::number_integer:
            lua_pushinteger(L, static_cast<lua_Integer>(*j.get_ptr<const json::number_integer_t*>()));
            return;
        case json::value_t::number_unsigned:
            lua_pushinteger(L, static_cast<lua_Integer>(*j.get_ptr<const json::number_unsigned_t*>()));
            return;
        case json::value_t::number_float: lua_pushnumber(L, *j.get_ptr<const json::number_float_t*>()); return;
        case json::value_t::string: {
            const json::string_t& s = *j.get_ptr<const json::string_t*>();
            lua_pushlstring(L, s.data(), s.size());
            return;
        }
        case json::value_t::array: {
            const json::array_t& items = *j.get_ptr<const json::array_t*>();
            lua_createtable(L, static_cast<int>(items.size()), 0);
            for (std::size_t i = 0; i < items.size(); ++i) {
                push_json(L, items[i], depth + 1);
                lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
            }
            return;
        }
        case json::value_t::object: {
            const json::object_t& fields = *j.get_ptr<const json::object_t*>();
            lua_createtable(L, 0, static_cast<int>(fields.size()));
            for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
                lua_pushlstring(L, it->first.data(), it->first.size());
                push_json(L, it->second, depth + 1);
                lua_rawset(L, -3);
            }
            return;
        }
        default: lua_pushnil(L); return;
    }
}

// --- the helpers table `h` ------------------------------------------------------------------------------------

// A helper's result, escaped for the template's format, in a buffer that needs no destructor.
struct ShortText {
    char text[96] = {};
};

Markup markup_upvalue(lua_State* L) {
    return lua_tointeger(L, lua_upvalueindex(1)) == 1 ? Markup::html : Markup::markdown;
}

// Escapes `plain` into `out` inside guarded(); then pushes it or raises. [-0, +1, v]
int push_escaped(lua_State* L, const char* plain) {
    ShortText out;
    CppError error;
    const Markup markup = markup_upvalue(L);
    const bool ok = guarded(error, [&] {
        const std::string escaped = escape_markup(plain, markup);
        std::snprintf(out.text, sizeof out.text, "%s", escaped.c_str());
    });
    if (!ok) return raise_error(L, error.text);
    lua_pushstring(L, out.text);
    return 1;
}

// h.percent(p): a probability 0..1 as "62%"; "<1%" and ">99%" rather than a rounding that hides it.
int helper_percent(lua_State* L) {
    const double p = luaL_checknumber(L, 1);
    char plain[32];
    if (!(p > 0.0)) std::snprintf(plain, sizeof plain, "0%%");
    else if (p < 0.005) std::snprintf(plain, sizeof plain, "<1%%");
    else if (p > 0.995 && p < 1.0) std::snprintf(plain, sizeof plain, ">99%%");
    else std::snprintf(plain, sizeof plain, "%.0f%%", std::min(p, 1.0) * 100.0);
    return push_escaped(L, plain);
}

// h.minutes(m): a duration in minutes as "5 min", "2 h", "1 h 30 min".
int helper_minutes(lua_State* L) {
    const double m = luaL_checknumber(L, 1);
    const long long total = m > 0.0 && m < 1e9 ? std::llround(m) : 0;
    char plain[48];
    if (total < 60) std::snprintf(plain, sizeof plain, "%lld min", total);
    else if (total % 60 == 0) std::snprintf(plain, sizeof plain, "%lld h", total / 60);
    else std::snprintf(plain, sizeof plain, "%lld h %lld min", total / 60, total % 60);
    return push_escaped(L, plain);
}

// h.ratio(lr): a likelihood ratio as a person reads it: "×4", "÷20", "×1".
int helper_ratio(lua_State* L) {
    const double lr = luaL_checknumber(L, 1);
    ShortText plain;
    CppError error;
    const bool ok = guarded(error, [&] {
        std::snprintf(plain.text, sizeof plain.text, "%s", format_lr(lr).c_str());
    });
    if (!ok) return raise_error(L, error.text);
    return push_escaped(L, plain.text);
}

// h.join(list, sep): the list's strings and numbers joined with sep (nil items are an error, as in
// table.concat, but the message names the item).
int helper_join(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    std::size_t sep_length = 0;
    const char* sep = luaL_optlstring(L, 2, "", &sep_length);
    const lua_Integer n = luaL_len(L, 1);
    luaL_Buffer buffer;
    luaL_buffinit(L, &buffer);
    for (lua_Integer i = 1; i <= n; ++i) {
        const int kind = lua_geti(L, 1, i);
        if (kind != LUA_TSTRING && kind != LUA_TNUMBER)
            return luaL_error(L, "h.join: item %I is a %s, not a string or number", i, lua_typename(L, kind));
        luaL_addvalue(&buffer);
        if (i < n) luaL_addlstring(&buffer, sep, sep_length);
    }
    luaL_pushresult(&buffer);
    return 1;
}

// The template sees Markdown already escaped: a backslash before every character that could be markup. These
// read it back one character at a time (an escaped pair is one character), with plain C buffers only, so a Lua
// error (out of memory) never skips a C++ destructor.
struct EscapedText {
    const char* s;
    std::size_t n;
    bool markdown = true;   // HTML has no backslash escapes (its escaping is entities)
    // The plain character at i and where the next one starts; `escaped` says it was written as "\c".
    char at(std::size_t i, std::size_t& next, bool& escaped) const {
        escaped = markdown && s[i] == '\\' && i + 1 < n;
        next = i + (escaped ? 2 : 1);
        return escaped ? s[i + 1] : s[i];
    }
};

// Adds the plain text of escaped Markdown [from, to) as one code span: a backtick fence longer than any run of
// backticks inside, and a space inside the fence when the text starts or ends with a backtick.
void add_markdown_code_span(luaL_Buffer* b, const EscapedText& t, std::size_t from, std::size_t to) {
    std::size_t longest = 0, run = 0, next = 0;
    bool escaped = false, edge_tick = false;
    for (std::size_t i = from; i < to; i = next) {
        const char c = t.at(i, next, escaped);
        run = c == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
        if (c == '`' && (i == from || next >= to)) edge_tick = true;
    }
    for (std::size_t k = 0; k <= longest; ++k) luaL_addchar(b, '`');
    if (edge_tick) luaL_addchar(b, ' ');
    for (std::size_t i = from; i < to; i = next) luaL_addchar(b, t.at(i, next, escaped));
    if (edge_tick) luaL_addchar(b, ' ');
    for (std::size_t k = 0; k <= longest; ++k) luaL_addchar(b, '`');
}

// h.code(s): an escaped value (a command, a path) as inline code: a Markdown code span holding the value's plain
// characters, or <code>...</code> in HTML. Not for Markdown table cells (a | would end the cell).
int helper_code(lua_State* L) {
    std::size_t n = 0;
    const char* s = luaL_checklstring(L, 1, &n);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (markup_upvalue(L) == Markup::html) {
        luaL_addstring(&b, "<code>");
        luaL_addlstring(&b, s, n);
        luaL_addstring(&b, "</code>");
    } else if (n > 0) {
        add_markdown_code_span(&b, EscapedText{s, n}, 0, n);
    }
    luaL_pushresult(&b);
    return 1;
}

// h.inline(s): an escaped text whose `quoted` parts (commands in knowledge texts: "run `kbdiag infer` again")
// become inline code; an unpaired backtick stays as it is.
int helper_inline(lua_State* L) {
    std::size_t n = 0;
    const char* s = luaL_checklstring(L, 1, &n);
    const bool html = markup_upvalue(L) == Markup::html;
    const EscapedText t{s, n, !html};
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    std::size_t i = 0, next = 0;
    bool escaped = false;
    while (i < n) {
        const std::size_t start = i;
        const char c = t.at(i, next, escaped);
        const bool opens = c == '`';   // escaped in Markdown ("\`"), as it is in HTML
        std::size_t close = next, after = next;
        bool closed = false;
        if (opens) {
            for (std::size_t j = next; j < n; j = after) {
                const char d = t.at(j, after, escaped);
                if (d == '`') {
                    close = j;
                    closed = true;
                    break;
                }
            }
        }
        if (!closed || close == next) {   // plain text, an unpaired or an empty quote
            luaL_addlstring(&b, s + start, next - start);
            i = next;
            continue;
        }
        if (html) {
            luaL_addstring(&b, "<code>");
            luaL_addlstring(&b, s + next, close - next);
            luaL_addstring(&b, "</code>");
        } else {
            add_markdown_code_span(&b, t, next, close);
        }
        i = after;
    }
    luaL_pushresult(&b);
    return 1;
}

// Pushes the helpers table, each helper knowing the format it escapes for. [-0, +1, m]
void push_helpers(lua_State* L, Markup markup) {
    static const luaL_Reg helpers[] = {
        {"percent", helper_percent}, {"minutes", helper_minutes}, {"ratio", helper_ratio}, {"join", helper_join},
        {"code", helper_code},       {"inline", helper_inline},   {nullptr, nullptr},
    };
    lua_createtable(L, 0, 7);
    lua_pushinteger(L, markup == Markup::html ? 1 : 0);
    luaL_setfuncs(L, helpers, 1);
    lua_pushstring(L, markup == Markup::html ? "html" : "markdown");
    lua_setfield(L, -2, "format");
}

// --- running a template ---------------------------------------------------------------------------------------

// Compiles the file in text mode into a fresh sandbox environment, runs it, calls the function it returns with
// (report, h) and copies the string that returns into request->output. [-1, +0, e]
int render_entry(lua_State* L) {
    auto* request = static_cast<RenderRequest*>(lua_touserdata(L, 1));
    open_sandbox(L);
    if (luaL_loadbufferx(L, request->chunk, request->size, request->chunk_name, "t") != LUA_OK) return lua_error(L);
    request->stage = Stage::running_file;
    push_sandbox_env(L);
    lua_setupvalue(L, -2, 1);   // a main chunk's only upvalue is _ENV
    lua_call(L, 0, 1);
    request->stage = Stage::file_result;
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        request->returned_type = luaL_typename(L, -1);
        return raise_error(L, "wrong result");
    }
    lua_Debug info;
    lua_pushvalue(L, -1);
    if (lua_getinfo(L, ">S", &info) && info.linedefined > 0) request->function_line = info.linedefined;
    request->stage = Stage::preparing;
    push_json(L, *request->report, 0);
    push_helpers(L, request->markup);
    request->stage = Stage::running_function;
    lua_call(L, 2, 1);
    request->stage = Stage::function_result;
    if (lua_type(L, -1) != LUA_TSTRING) {
        request->returned_type = luaL_typename(L, -1);
        return raise_error(L, "wrong result");
    }
    std::size_t length = 0;
    const char* text = lua_tolstring(L, -1, &length);
    CppError error;
    if (!guarded(error, [&] { request->output->assign(text, length); })) return raise_error(L, error.text);
    return 0;
}

// What went wrong, in words, and the line it happened on.
struct FailureText {
    std::string text;
    int line = 0;
};

FailureText describe_script_error(const CallResult& result, const RenderRequest& request, const std::string& path) {
    FailureText f;
    switch (request.stage) {
        case Stage::file_result:
            f.text = fmt::format("must return a function(report, h), but returned {}", request.returned_type);
            return f;
        case Stage::function_result:
            f.text = fmt::format("the function it returns must return the document as a string, but returned {}",
                                 request.returned_type);
            f.line = request.function_line;
            return f;
        default: break;
    }
    std::string message;
    f.line = parse_message_line(result.message, path, &message);
    if (f.line == 0) f.line = error_line(result, 0, path, 0);
    f.text = fmt::format("{}: {}", request.stage == Stage::compiling ? "does not compile" : "failed", message);
    return f;
}

FailureText describe_failure(const CallResult& result, const Budget& budget, const RenderRequest& request,
                             const std::string& path) {
    switch (classify(result, budget, false)) {
        case Failure::instructions:
            return {fmt::format("exceeded the instruction budget ({} instructions)", budget.instruction_limit),
                    budget.instruction_line};
        case Failure::memory:
            return {fmt::format("exceeded the memory budget ({} bytes)", budget.memory_limit), budget.memory_line};
        default: return describe_script_error(result, request, path);
    }
}

[[noreturn]] void fail(std::string message, SourceLocation where = {}, std::vector<SourceLocation> frames = {}) {
    throw TemplateError(script_diagnostic(codes::kb_report_template, std::move(message), where, frames, {}));
}

bool is_field_name(const std::string& key) {
    if (key.empty() || key[0] < 'a' || key[0] > 'z') return false;
    for (char c : key) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

bool is_format_name(std::string_view format) {
    if (format.empty()) return false;
    for (char c : format) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
    }
    return true;
}

}  // namespace

TemplateError::TemplateError(Diagnostic diagnostic)
    : std::runtime_error(format_diagnostic(diagnostic)), diagnostic_(std::move(diagnostic)) {}

bool is_template_format(std::string_view format) { return markup_from_name(format).has_value(); }

json escaped_report(const json& report, Markup markup) {
    switch (report.type()) {
        case json::value_t::string: return escape_markup(report.get_ref<const json::string_t&>(), markup);
        case json::value_t::array: {
            json out = json::array();
            for (const json& item : report) out.push_back(escaped_report(item, markup));
            return out;
        }
        case json::value_t::object: {
            json out = json::object();
            for (const auto& [key, value] : report.items())
                out[is_field_name(key) ? key : escape_markup(key, markup)] = escaped_report(value, markup);
            return out;
        }
        default: return report;
    }
}

fs::path find_report_template(std::string_view format, const std::vector<fs::path>& knowledge_dirs) {
    if (!is_format_name(format)) return {};
    const std::string file_name = std::string(format) + ".lua";
    for (auto dir = knowledge_dirs.rbegin(); dir != knowledge_dirs.rend(); ++dir) {
        const fs::path candidate = *dir / "templates" / file_name;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate;
    }
    return {};
}

std::string render_template_file(const fs::path& path, const json& report, Markup markup,
                                 const TemplateLimits& limits) {
    const std::string file = path.string();
    std::string source, error;
    if (!read_file(file, source, error, kbdiag::limits::knowledge_file_bytes))
        fail(fmt::format("cannot read report template: {}", error), SourceLocation{file, 0, 0});
    const json escaped = escaped_report(report, markup);
    const std::string chunk_name = "@" + file;
    std::string output;
    RenderRequest request{source.data(), source.size(), chunk_name.c_str(), &escaped, markup, &output};

    LuaState state(limits.memory, limits.instructions);
    const CallResult result = state.call(render_entry, &request);
    if (!result.ok()) {
        const FailureText failure = describe_failure(result, state.budget(), request, file);
        fail(fmt::format("report template {}", failure.text), SourceLocation{file, failure.line, 0}, result.frames);
    }
    return output;
}

std::string render_report_template(const json& report, std::string_view format,
                                   const std::vector<fs::path>& knowledge_dirs, const TemplateLimits& limits) {
    const auto markup = markup_from_name(format);
    if (!markup) fail(fmt::format("no report template format '{}' (markdown or html)", format));
    const fs::path path = find_report_template(format, knowledge_dirs);
    if (path.empty()) {
        std::vector<std::string> looked;
        for (const fs::path& dir : knowledge_dirs) looked.push_back((dir / "templates").string());
        const std::string where = looked.empty() ? "no folders" : fmt::format("{}", fmt::join(looked, ", "));
        fail(fmt::format("no report template for format '{}': no knowledge folder has templates/{}.lua (looked in: {})",
                         format, format, where));
    }
    return render_template_file(path, report, *markup, limits);
}

}  // namespace kbdiag::lua
