#pragma once
// Helpers for tests that need a knowledge base on disk.
#include <string>

#include <doctest/doctest.h>

#include <memory>

#include "engine/kb/knowledge_base.hpp"
#include "temp_dir.hpp"

namespace kbdiag::test {

using TempKbDir = TempDir;

inline bool has_code(const Diagnostics& d, const std::string& code) {
    for (const auto& x : d.items())
        if (x.code == code) return true;
    return false;
}

inline const Diagnostic* find_code(const Diagnostics& d, const std::string& code) {
    for (const auto& x : d.items())
        if (x.code == code) return &x;
    return nullptr;
}

// A small, valid knowledge base used by several tests: one problem, three causes, four fixes, data rules.
inline const char* mini_kb_yaml = R"(facts:
  - {id: windows.build, type: integer, question: "Which Windows build?", provided_by: [windows.os]}
  - {id: windows.edition, type: string, question: "Which edition?"}
  - {id: user.password_changed_recently, type: boolean, question: "Did the password change recently?",)"
                                  R"( ask_cost_minutes: 1}
  - {id: server.smb1_only, type: boolean, question: "Does the server speak only SMB1?", ask_cost_minutes: 2}
  - {id: lsa.level, type: integer, question: "LM level?"}
  - {id: lsa.effective, type: integer, meaning: derived}
problems:
  - id: bad_password
    title: Share name or password invalid
    codes: ["0x00000963", "963h", "2403", NERR_BadPasswordCore]
    causes:
      - {cause: stale, prior: 0.4}
      - {cause: smb1, prior: 0.2}
      - {cause: ntlmv1, prior: 0.2}
    other: 0.2
    escalation: {title: Escalate, cost_minutes: 60, text: Call the admin.}
causes:
  - id: stale
    title: Stale saved credential
    fixes: [{fix: delete_cred, success: 0.9}]
  - id: smb1
    title: SMB1-only server
    fixes: [{fix: upgrade_nas, success: 0.9}, {fix: enable_smb1, success: 0.95}]
  - id: ntlmv1
    title: Client sends NTLMv1
    applies_to: {fact: windows.build, lt: 26100}
    applies_to_text: before 24H2
    fixes: [{fix: set_level, success: 0.9}]
fixes:
  - id: delete_cred
    title: Delete the saved credential
    cost_minutes: 5
    steps:
      - Open Credential Manager.
      - text: Windows 11 wording
        when: {fact: windows.build, gte: 22000}
        when_text: Windows 11
      - text: Windows 10 wording
        when: {fact: windows.build, lt: 22000}
  - {id: upgrade_nas, title: Raise the NAS protocol, cost_minutes: 20, steps: [Do it.]}
  - {id: enable_smb1, title: Re-enable SMB1 (discouraged), cost_minutes: 10, risk: high, steps: [Do it.]}
  - {id: set_level, title: Set LM level 3, cost_minutes: 10, risk: medium, steps: [Do it.]}
rules:
  - id: password_changed
    title: Password changed recently
    when: {fact: user.password_changed_recently, eq: true}
    evidence: [{cause: stale, lr: 8, lr_false: 0.25}]
  - id: smb1_server
    when: {fact: server.smb1_only, eq: true}
    evidence: [{cause: smb1, lr: 30, lr_false: 0.05}]
  - id: level_default
    when: {fact: lsa.level, exists: false}
    derive: {lsa.effective: 3}
  - id: level_copy_low
    when: {fact: lsa.level, lte: 2}
    derive: {lsa.effective: 1}
  - id: low_level
    when: {fact: lsa.effective, lte: 2}
    evidence: [{cause: ntlmv1, lr: 10, lr_false: 0.2}]
)";

// The shipped knowledge base (knowledge/), scenarios included.
inline std::shared_ptr<const KnowledgeBase> shipped_kb_with_scenarios() {
    LoadOptions lo;
    lo.folders = {KBDIAG_SOURCE_KB};
    auto r = load_knowledge_base(lo);
    REQUIRE(r.kb);
    REQUIRE_FALSE(r.diagnostics.has_errors());
    return r.kb;
}

// A scenario's facts as the scenario runner reads them.
inline FactStore scenario_facts(const KnowledgeBase& kb, const Scenario& sc) {
    FactStore facts;
    for (const auto& [name, loose] : sc.facts) {
        const FactDef* def = kb.fact(name);
        REQUIRE(def);
        if (loose.is_string() && loose.as_string() == "(absent)") {
            facts.set_absent(name, "scenario");
        } else if (loose.is_string() && loose.as_string() == "(failed)") {
            facts.set_failed(name, "scenario");
        } else {
            ParseResult pr = coerce(loose, def->type, def->values, def->fields);
            REQUIRE(pr.value);
            facts.set(name, *pr.value, "scenario");
        }
    }
    return facts;
}

}  // namespace kbdiag::test
