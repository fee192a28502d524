// LuaRuleRuntime: loading the KB's scripts and running one rule through the one protected call.
#include "bindings/lua/lua_rule_runtime.hpp"

#include <map>

#include <fmt/format.h>

#include "bindings/lua/lua_errors.hpp"
#include "bindings/lua/lua_state.hpp"
#include "bindings/lua/rule_call.hpp"
#include "bindings/lua/rule_context.hpp"
#include "bindings/lua/script_loader.hpp"
#include "engine/core/diagnostic_codes.hpp"

namespace kbdiag {

namespace {

// What run_entry needs. Plain data and pointers.
struct RunRequest {
    int module_ref = LUA_NOREF;
    const char* function = nullptr;
    lua::RuleCall* call = nullptr;
    std::uint64_t serial = 0;
};

// Looks the rule's function up in its file's table and calls it with a fresh ctx. [-1, +0, e]
int run_entry(lua_State* L) {
    auto* request = static_cast<RunRequest*>(lua_touserdata(L, 1));
    lua_rawgeti(L, LUA_REGISTRYINDEX, request->module_ref);
    lua_pushstring(L, request->function);
    if (lua_rawget(L, -2) != LUA_TFUNCTION) {
        return luaL_error(L, "function '%s' is no longer in its file's table", request->function);
    }
    lua_Debug ar;
    lua_pushvalue(L, -1);
    if (lua_getinfo(L, ">S", &ar) != 0) request->call->function_line = ar.linedefined;
    lua::push_context(L, request->serial);
    lua_call(L, 1, 0);
    return 0;
}

ScriptOutcome failed(Diagnostic error) {
    ScriptOutcome outcome;
    outcome.ok = false;
    outcome.error = std::move(error);
    return outcome;
}

Diagnostic skipped(const RuleDecl& rule, std::string message) {
    Diagnostic d;
    d.code = codes::rule_skipped;
    d.severity = Severity::note;
    d.message = fmt::format("rule '{}' skipped: {}", rule.id, message);
    if (rule.where.known()) d.where.push_back(rule.where);
    return d;
}

}  // namespace

struct LuaRuleRuntime::Impl {
    RuntimeLimits limits;
    const KnowledgeBase* kb = nullptr;
    std::unique_ptr<lua::LuaState> state;
    std::map<std::string, lua::LoadedScript> scripts;   // by resolved path
    std::uint64_t serial = 0;

    ScriptOutcome run_loaded(const RuleDecl& rule, const FactStore& facts, lua::LoadedScript& script);
    Diagnostic failure(const RuleDecl& rule, const lua::RuleCall& call, const lua::CallResult& result,
                       lua::Failure kind);
    void recover_memory(lua::LoadedScript& script);
};

LuaRuleRuntime::LuaRuleRuntime(RuntimeLimits limits) : impl_(std::make_unique<Impl>()) { impl_->limits = limits; }

LuaRuleRuntime::~LuaRuleRuntime() = default;

void LuaRuleRuntime::load(const KnowledgeBase& kb, Diagnostics& diagnostics) {
    Impl& m = *impl_;
    m.kb = &kb;
    m.scripts.clear();
    m.state = std::make_unique<lua::LuaState>(m.limits.memory_per_state, m.limits.instructions_per_call);
    if (!m.state->usable() || !lua::open_sandbox_in(*m.state, diagnostics)) {
        if (!m.state->usable()) diagnostics.error(codes::kb_lua_compile, "cannot create a Lua state (memory limit too small?)");
        m.state.reset();
        return;
    }
    std::map<std::string, std::vector<std::string>> wanted;   // file -> functions rules call
    for (const std::string& file : kb.script_files) wanted[file];
    for (const RuleDecl& rule : kb.rules) {
        if (rule.script) wanted[rule.script->resolved].push_back(rule.script->function);
    }
    for (const auto& [file, functions] : wanted) {
        m.scripts[file] = lua::load_script(*m.state, file, functions, diagnostics);
    }
    for (const RuleDecl& rule : kb.rules) {
        if (!rule.script) continue;
        const lua::LoadedScript& script = m.scripts[rule.script->resolved];
        if (!script.loaded || script.functions.count(rule.script->function) != 0) continue;
        diagnostics.error(codes::kb_dangling_ref,
                          fmt::format("rule '{}': function '{}' is not in the table {} returns", rule.id,
                                      rule.script->function, rule.script->file),
                          rule.where);
    }
}

bool LuaRuleRuntime::loaded(const ScriptRef& script) const {
    auto it = impl_->scripts.find(script.resolved);
    return impl_->state && it != impl_->scripts.end() && it->second.loaded &&
           it->second.functions.count(script.function) != 0;
}

ScriptOutcome LuaRuleRuntime::run(const RuleDecl& rule, const FactStore& facts) {
    try {
        if (!rule.script) return failed(skipped(rule, "it has no script"));
        auto it = impl_->scripts.find(rule.script->resolved);
        if (!impl_->state || it == impl_->scripts.end() || !it->second.loaded) {
            const std::string why = it != impl_->scripts.end() && !it->second.unloaded_because.empty()
                                        ? it->second.unloaded_because
                                        : "not loaded";
            return failed(skipped(rule, fmt::format("script {} {}", rule.script->file, why)));
        }
        if (it->second.functions.count(rule.script->function) == 0) {
            return failed(skipped(rule, fmt::format("script not loaded: function '{}' is not in {}",
                                                    rule.script->function, rule.script->file)));
        }
        return impl_->run_loaded(rule, facts, it->second);
    } catch (const std::exception& e) {
        return failed(lua::script_diagnostic(codes::rule_runtime_error,
                                             fmt::format("rule '{}': internal error: {}", rule.id, e.what()),
                                             rule.where, {}, {}));
    }
}

ScriptOutcome LuaRuleRuntime::Impl::run_loaded(const RuleDecl& rule, const FactStore& facts,
                                               lua::LoadedScript& script) {
    lua::RuleCall call(rule, facts, *kb);
    lua::Budget& budget = state->budget();
    RunRequest request{script.module_ref, rule.script->function.c_str(), &call, ++serial};
    budget.active_call = &call;
    budget.call_serial = request.serial;
    const lua::CallResult result = state->call(run_entry, &request);
    budget.active_call = nullptr;

    ScriptOutcome outcome;
    outcome.facts_read = call.facts_read();
    const lua::Failure kind = lua::classify(result, budget, call.violation().has_value());
    if (kind == lua::Failure::none) {
        outcome.evidence = std::move(call.evidence);
        outcome.derived = std::move(call.derived);
        return outcome;
    }
    outcome.ok = false;
    outcome.error = failure(rule, call, result, kind);
    if (kind == lua::Failure::memory) recover_memory(script);
    return outcome;
}

Diagnostic LuaRuleRuntime::Impl::failure(const RuleDecl& rule, const lua::RuleCall& call,
                                         const lua::CallResult& result, lua::Failure kind) {
    const std::string& path = rule.script->resolved;
    const lua::Budget& budget = state->budget();
    std::string text;
    const char* code = codes::rule_runtime_error;
    int budget_line = 0;
    switch (kind) {
        case lua::Failure::violation:
            code = call.violation()->code.c_str();
            text = call.violation()->message;
            budget_line = call.violation()->line;
            break;
        case lua::Failure::instructions:
            code = codes::rule_instruction_budget;
            text = fmt::format("exceeded the instruction budget ({} instructions per call)", budget.instruction_limit);
            budget_line = budget.instruction_line;
            break;
        case lua::Failure::memory:
            code = codes::rule_memory_budget;
            text = fmt::format("exceeded the memory budget ({} bytes for the Lua state)", budget.memory_limit);
            budget_line = budget.memory_line;
            break;
        default:
            lua::parse_message_line(result.message, path, &text);
            break;
    }
    const int line = lua::error_line(result, budget_line, path, call.function_line);
    return lua::script_diagnostic(code, fmt::format("rule '{}': {}", rule.id, text), SourceLocation{path, line, 0},
                                  result.frames, rule.where);
}

// After a memory error: collect; if the file's environment still holds most of the budget (it kept the
// bomb in a global), drop the file so the other rules can run.
void LuaRuleRuntime::Impl::recover_memory(lua::LoadedScript& script) {
    state->collect_garbage();
    if (state->memory_used() <= limits.memory_per_state / 2) return;
    lua::unload_script(*state, script,
                       fmt::format("unloaded: its environment kept {} bytes after exceeding the memory budget",
                                   state->memory_used()));
}

int LuaRuleRuntime::stack_top() const { return impl_->state ? impl_->state->top() : 0; }

std::size_t LuaRuleRuntime::memory_used() const { return impl_->state ? impl_->state->memory_used() : 0; }

}  // namespace kbdiag
