#pragma once
// Helpers for the Lua runtime tests: a temporary folder for .lua files and a hand-built knowledge base.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bindings/lua/lua_rule_runtime.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "temp_dir.hpp"

namespace kbdiag::lua_test {

using TempDir = kbdiag::test::TempDir;

struct RuleSpec {
    std::string id;
    std::string file;                      // as written to the temp dir, e.g. "rules/a.lua"
    std::string function;
    std::vector<std::string> required = {};
    std::vector<std::string> reads = {};
    std::vector<std::string> causes = {};
    std::vector<std::string> derives = {};
};

// A knowledge base built by hand, Lua files in a temp dir, and a runtime loaded over them.
struct LuaFixture {
    TempDir dir;
    KnowledgeBase kb;
    FactStore facts;
    Diagnostics diagnostics;
    std::unique_ptr<LuaRuleRuntime> runtime;

    // Writes a Lua file; returns its resolved path.
    std::string file(const std::string& name, const std::string& lua) {
        std::string path = dir.write(name, lua);
        if (std::find(kb.script_files.begin(), kb.script_files.end(), path) == kb.script_files.end()) {
            kb.script_files.push_back(path);
            std::sort(kb.script_files.begin(), kb.script_files.end());
        }
        return path;
    }

    void fact(const std::string& id, FactType type, std::map<std::string, FactType> fields = {},
              std::vector<std::string> values = {}) {
        FactDef def;
        def.id = id;
        def.type = type;
        def.fields = std::move(fields);
        def.values = std::move(values);
        kb.facts[id] = def;
    }

    void rule(const RuleSpec& spec) {
        RuleDecl r;
        r.id = spec.id;
        r.script = ScriptRef{spec.file, (std::filesystem::path(dir.path()) / spec.file).string(), spec.function};
        r.required = spec.required;
        r.reads = spec.reads;
        r.causes = spec.causes;
        r.derives = spec.derives;
        r.where = SourceLocation{"rules.yaml", static_cast<int>(kb.rules.size()) + 1, 3};
        kb.rules.push_back(std::move(r));
    }

    const RuleDecl& find_rule(const std::string& id) const {
        for (const RuleDecl& r : kb.rules)
            if (r.id == id) return r;
        throw std::runtime_error("no rule " + id);
    }

    void load(RuntimeLimits limits = {}) {
        runtime = std::make_unique<LuaRuleRuntime>(limits);
        runtime->load(kb, diagnostics);
    }

    ScriptOutcome run(const std::string& rule_id) { return runtime->run(find_rule(rule_id), facts); }

    std::string path(const std::string& name) const { return (std::filesystem::path(dir.path()) / name).string(); }

    const Diagnostic* diagnostic(const std::string& code) const {
        for (const Diagnostic& d : diagnostics.items())
            if (d.code == code) return &d;
        return nullptr;
    }
};

inline const FactValue* derived(const ScriptOutcome& outcome, const std::string& fact) {
    for (const auto& [name, value] : outcome.derived)
        if (name == fact) return &value;
    return nullptr;
}

}  // namespace kbdiag::lua_test
