#pragma once
// RuleRuntime for Lua rules: one sandboxed lua_State with a memory cap, per-call budgets (instructions,
// memory growth, wall clock) and a budget per diagnosis.
#include <cstddef>
#include <memory>

#include "engine/rules/rule_runtime.hpp"

namespace kbdiag {

class LuaRuleRuntime : public RuleRuntime {
public:
    explicit LuaRuleRuntime(RuntimeLimits limits = {});
    ~LuaRuleRuntime() override;
    LuaRuleRuntime(const LuaRuleRuntime&) = delete;
    LuaRuleRuntime& operator=(const LuaRuleRuntime&) = delete;

    // Starts a fresh state, loads every shared module of the folders' rules/lib (module_loader.hpp), then every
    // file in kb.script_files (and any other file a rule names).
    // `kb` must outlive the runtime's use: run() reads its catalog and hints.
    void load(const KnowledgeBase& kb, Diagnostics& diagnostics) override;
    bool loaded(const ScriptRef& script) const override;
    ScriptOutcome run(const RuleDecl& rule, const FactStore& facts) override;
    void begin_diagnosis() override;

    // Introspection for tests: the Lua stack height between calls and the state's bytes in use.
    int stack_top() const;
    std::size_t memory_used() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace kbdiag
