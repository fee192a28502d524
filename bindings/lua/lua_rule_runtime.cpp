// LuaRuleRuntime: loading the KB's scripts and running one rule through the one protected call.
#include "bindings/lua/lua_rule_runtime.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "bindings/lua/lua_errors.hpp"
#include "bindings/lua/lua_state.hpp"
#include "bindings/lua/module_loader.hpp"
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

// After a call the heap goes back to where it was: a full collection once it grew this much since the last
// one, and a file whose environment still holds more than kMaxKeptPerCall bytes the call added is unloaded.
constexpr std::size_t kCollectAfterGrowth = 64u << 10;
constexpr std::size_t kMaxKeptPerCall = 1u << 20;

// What one diagnosis has spent on rule calls, and which rules failed in it.
struct DiagnosisBudget {
    std::uint64_t instructions = 0;
    std::int64_t nanoseconds = 0;
    std::map<std::string, Diagnostic> failed;   // rule id -> its first failure (reported once)
    std::string costliest_rule;                 // the rule that spent most of the time
    SourceLocation costliest_where;
    std::int64_t costliest_ns = 0;
    std::map<std::string, std::int64_t> ns_by_rule;
    bool spent_reported = false;
};

struct LuaRuleRuntime::Impl {
    RuntimeLimits limits;
    const KnowledgeBase* kb = nullptr;
    std::unique_ptr<lua::LuaState> state;
    std::map<std::string, lua::LoadedScript> scripts;   // by resolved path
    lua::ModuleHost modules;                            // what require reaches (its address is given to Lua)
    std::uint64_t serial = 0;
    std::size_t clean_memory = 0;                       // the heap after the last full collection
    DiagnosisBudget diagnosis;

    ScriptOutcome run_loaded(const RuleDecl& rule, const FactStore& facts, lua::LoadedScript& script);
    Diagnostic failure(const RuleDecl& rule, const lua::RuleCall& call, const lua::CallResult& result,
                       lua::Failure kind);
    void collect_garbage();
    std::size_t settle_memory(lua::LoadedScript& script, std::size_t baseline);
    void account(const RuleDecl& rule, std::int64_t nanoseconds);
    bool diagnosis_spent() const;
    ScriptOutcome refuse_for_spent_diagnosis(const RuleDecl& rule);
};

LuaRuleRuntime::LuaRuleRuntime(RuntimeLimits limits) : impl_(std::make_unique<Impl>()) { impl_->limits = limits; }

LuaRuleRuntime::~LuaRuleRuntime() = default;

void LuaRuleRuntime::load(const KnowledgeBase& kb, Diagnostics& diagnostics) {
    Impl& m = *impl_;
    m.kb = &kb;
    m.scripts.clear();
    m.state = std::make_unique<lua::LuaState>(m.limits.memory_per_state, m.limits.instructions_per_call);
    m.state->set_call_limits(m.limits.memory_per_call,
                             static_cast<std::int64_t>(m.limits.milliseconds_per_call) * 1'000'000);
    if (!m.state->usable() || !lua::open_sandbox_in(*m.state, diagnostics)) {
        if (!m.state->usable())
            diagnostics.error(codes::kb_lua_compile, "cannot create a Lua state (memory limit too small?)");
        m.state.reset();
        return;
    }
    m.modules = lua::ModuleHost{kb.folders, {}, {}};
    lua::preload_modules(*m.state, m.modules, diagnostics);
    std::map<std::string, std::vector<std::string>> wanted;   // file -> functions rules call
    std::map<std::string, SourceLocation> first_use;           // file -> the first rule naming it
    for (const std::string& file : kb.script_files) wanted[file];
    for (const RuleDecl& rule : kb.rules) {
        if (!rule.script) continue;
        wanted[rule.script->resolved].push_back(rule.script->function);
        first_use.emplace(rule.script->resolved, rule.where);
    }
    for (const auto& [file, functions] : wanted) {
        const auto use = first_use.find(file);
        m.scripts[file] = lua::load_script(*m.state, file, functions, diagnostics,
                                           use == first_use.end() ? SourceLocation{} : use->second);
    }
    m.collect_garbage();
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

void LuaRuleRuntime::begin_diagnosis() { impl_->diagnosis = DiagnosisBudget{}; }

ScriptOutcome LuaRuleRuntime::run(const RuleDecl& rule, const FactStore& facts) {
    try {
        if (!rule.script) return failed(skipped(rule, "it has no script"));
        if (auto earlier = impl_->diagnosis.failed.find(rule.id); earlier != impl_->diagnosis.failed.end()) {
            ScriptOutcome outcome = failed(earlier->second);
            outcome.already_reported = true;
            return outcome;
        }
        if (impl_->diagnosis_spent()) return impl_->refuse_for_spent_diagnosis(rule);
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
        ScriptOutcome outcome = impl_->run_loaded(rule, facts, it->second);
        if (!outcome.ok) impl_->diagnosis.failed.emplace(rule.id, outcome.error);
        return outcome;
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
    const std::int64_t started = lua::steady_now_ns();
    const lua::CallResult result = state->call(run_entry, &request);
    budget.active_call = nullptr;
    const std::size_t baseline = budget.memory_baseline;
    account(rule, lua::steady_now_ns() - started);

    ScriptOutcome outcome;
    outcome.facts_read = call.facts_read();
    const lua::Failure kind = lua::classify(result, budget, call.violation().has_value());
    if (kind != lua::Failure::none) {   // before settling the heap, which runs calls that reset the budget
        outcome.ok = false;
        outcome.error = failure(rule, call, result, kind);
    }
    if (kind == lua::Failure::memory) collect_garbage();
    if (const std::size_t kept = settle_memory(script, baseline); kept > 0 && kind == lua::Failure::none) {
        outcome.ok = false;
        outcome.error = lua::script_diagnostic(
            codes::rule_memory_budget,
            fmt::format("rule '{}': kept {} bytes after its call (at most {} may stay, e.g. in a file-level table); "
                        "its file {} is unloaded",
                        rule.id, kept, kMaxKeptPerCall, rule.script->file),
            SourceLocation{rule.script->resolved, call.function_line, 0}, {}, rule.where);
        return outcome;
    }
    const std::int64_t rule_ns = diagnosis.ns_by_rule[rule.id];
    if (kind == lua::Failure::none && limits.milliseconds_per_rule_per_diagnosis > 0 &&
        rule_ns > static_cast<std::int64_t>(limits.milliseconds_per_rule_per_diagnosis) * 1'000'000) {
        outcome.ok = false;
        outcome.error = lua::script_diagnostic(
            codes::rule_time_budget,
            fmt::format("rule '{}': its calls took {} ms in this diagnosis (at most {} ms per rule, what-if runs "
                        "included)",
                        rule.id, rule_ns / 1'000'000, limits.milliseconds_per_rule_per_diagnosis),
            SourceLocation{rule.script->resolved, call.function_line, 0}, {}, rule.where);
        return outcome;
    }
    if (kind == lua::Failure::none) {
        outcome.evidence = std::move(call.evidence);
        outcome.derived = std::move(call.derived);
    }
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
        case lua::Failure::time:
            code = codes::rule_time_budget;
            text = fmt::format("exceeded the time budget ({} ms per call)", budget.time_per_call_ns / 1'000'000);
            budget_line = budget.time_line;
            break;
        case lua::Failure::memory:
            code = codes::rule_memory_budget;
            text = fmt::format("exceeded the memory budget ({} bytes per call, {} for the Lua state)",
                               std::min(budget.memory_per_call, budget.memory_limit), budget.memory_limit);
            budget_line = budget.memory_line;
            break;
        case lua::Failure::library:
            code = codes::rule_library_limit;
            text = budget.library_message;
            budget_line = budget.library_line;
            break;
        default:
            lua::parse_message_line(result.message, path, &text);
            break;
    }
    const int line = lua::error_line(result, budget_line, path, call.function_line);
    return lua::script_diagnostic(code, fmt::format("rule '{}': {}", rule.id, text), SourceLocation{path, line, 0},
                                  result.frames, rule.where);
}

void LuaRuleRuntime::Impl::collect_garbage() {
    state->collect_garbage();
    clean_memory = state->memory_used();
}

// Brings the heap back to the call's baseline: collects once it grew by kCollectAfterGrowth; when the file's
// environment still holds more than kMaxKeptPerCall bytes the call added, drops the file, so the next rules
// (of other files) have the whole budget. Returns the bytes the call kept when it dropped the file, else 0.
std::size_t LuaRuleRuntime::Impl::settle_memory(lua::LoadedScript& script, std::size_t baseline) {
    if (state->memory_used() > clean_memory + kCollectAfterGrowth) collect_garbage();
    // Each collection frees only half of the unused call records a deep recursion left: collect again while
    // that still helps, so only what the file's environment holds is blamed on it.
    for (int round = 0; round < 32 && state->memory_used() > baseline + kMaxKeptPerCall; ++round) {
        const std::size_t before = state->memory_used();
        collect_garbage();
        if (state->memory_used() >= before) break;
    }
    const std::size_t used = state->memory_used();
    if (used <= baseline + kMaxKeptPerCall) return 0;
    const std::size_t kept = used - baseline;
    lua::unload_script(*state, script,
                       fmt::format("unloaded: its environment kept {} bytes after a call (at most {} may stay)", kept,
                                   kMaxKeptPerCall));
    clean_memory = state->memory_used();
    return kept;
}

void LuaRuleRuntime::Impl::account(const RuleDecl& rule, std::int64_t nanoseconds) {
    diagnosis.instructions += state->budget().instructions;
    diagnosis.nanoseconds += nanoseconds;
    const std::int64_t spent = diagnosis.ns_by_rule[rule.id] += nanoseconds;
    if (spent > diagnosis.costliest_ns) {
        diagnosis.costliest_ns = spent;
        diagnosis.costliest_rule = rule.id;
        diagnosis.costliest_where = rule.where;
    }
}

bool LuaRuleRuntime::Impl::diagnosis_spent() const {
    return (limits.instructions_per_diagnosis > 0 && diagnosis.instructions >= limits.instructions_per_diagnosis) ||
           (limits.milliseconds_per_diagnosis > 0 &&
            diagnosis.nanoseconds >= static_cast<std::int64_t>(limits.milliseconds_per_diagnosis) * 1'000'000);
}

// Once the diagnosis's budget is spent no rule runs; the first one refused carries the one diagnostic, naming
// the rule that spent the most.
ScriptOutcome LuaRuleRuntime::Impl::refuse_for_spent_diagnosis(const RuleDecl& rule) {
    Diagnostic d;
    d.code = codes::rule_time_budget;
    d.severity = Severity::error;
    d.message = fmt::format(
        "rule '{}' not run: the rules of this diagnosis used up its budget ({} instructions, {} ms; "
        "{} instructions and {} ms so far), most of it by rule '{}'",
        rule.id, limits.instructions_per_diagnosis, limits.milliseconds_per_diagnosis, diagnosis.instructions,
        diagnosis.nanoseconds / 1'000'000, diagnosis.costliest_rule);
    if (diagnosis.costliest_where.known()) d.where.push_back(diagnosis.costliest_where);
    if (rule.where.known()) d.where.push_back(rule.where);
    ScriptOutcome outcome = failed(std::move(d));
    outcome.already_reported = diagnosis.spent_reported;
    diagnosis.spent_reported = true;
    diagnosis.failed.emplace(rule.id, outcome.error);
    return outcome;
}

int LuaRuleRuntime::stack_top() const { return impl_->state ? impl_->state->top() : 0; }

std::size_t LuaRuleRuntime::memory_used() const { return impl_->state ? impl_->state->memory_used() : 0; }

}  // namespace kbdiag
