#pragma once
// One run of one rule: what it may read and affect, and what it did. Pure C++ (apart from reading a
// derived value off the Lua stack with non-raising calls); the ctx functions in rule_context.cpp call it
// from inside guarded().
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <lua.hpp>

#include "engine/facts/fact_store.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/rules/rule_runtime.hpp"

namespace kbdiag::lua {

// A broken contract (RULE004, RULE006). Sticky: a script that catches the error still fails.
struct Violation {
    std::string code;
    std::string message;
    int line = 0;
};

// ctx.evidence's arguments as read off the stack (plain data).
struct EvidenceArgs {
    const char* cause = nullptr;          // nullptr: not a string
    std::size_t cause_size = 0;
    const char* cause_type = "";
    bool lr_is_number = false;
    double lr = 0.0;
    const char* lr_type = "";
    const char* note = "";
    std::size_t note_size = 0;
};

// What a rule can hand to C++ per call: each is copied into findings and what-if runs, so a rule must not
// decide how much memory kbdiag uses. Over a limit is a RULE004 (the call's effects are discarded).
inline constexpr std::size_t kMaxNoteBytes = 4096;          // ctx.evidence's note
inline constexpr std::size_t kMaxEvidencePerCall = 64;      // ctx.evidence calls
inline constexpr std::size_t kMaxDerivedBytes = 64u << 10;  // one derived value (strings, list items, fields)

class RuleCall {
public:
    RuleCall(const RuleDecl& rule, const FactStore& facts, const KnowledgeBase& kb);

    // Each returns false after recording a violation; error_text() is then the message to raise.
    bool read(std::string_view name, int line, const FactEntry*& entry);
    bool add_evidence(const EvidenceArgs& args, int line);
    bool add_derived(lua_State* L, std::string_view fact, int value_index, int line);

    const char* error_text() const { return error_.c_str(); }
    const std::optional<Violation>& violation() const { return violation_; }
    std::vector<std::string> facts_read() const { return {read_.begin(), read_.end()}; }

    const RuleDecl& rule;
    const FactStore& facts;
    const KnowledgeBase& kb;
    std::vector<ScriptEvidence> evidence;
    std::vector<std::pair<std::string, FactValue>> derived;
    int function_line = 0;               // where the rule's function is defined (fallback location)

private:
    bool violate(const char* code, std::string message, int line);

    std::vector<std::string> inputs_;    // requires + reads + facts of `when`, sorted, unique
    std::set<std::string> read_;
    std::optional<Violation> violation_;
    std::string error_;
};

}  // namespace kbdiag::lua
