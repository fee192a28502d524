#pragma once
// KnowledgeBase: the linked, immutable knowledge. Built by load_knowledge_base() from one or more folders.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/kb/model.hpp"

namespace kbdiag {

// An item a later folder replaced by id (the builder records them; `kbdiag kb lint` lists them per folder).
struct KbOverride {
    std::string kind;          // "cause", "fix", "rule", ...
    std::string id;
    std::string folder;        // the folder whose item wins
    SourceLocation where;      // the winning item
    SourceLocation replaced;   // the item it replaced

    friend bool operator==(const KbOverride&, const KbOverride&) = default;
};

// One change a patch made (kb_patch.cpp records them; `kbdiag kb lint` lists them per folder as OVERLAYS).
struct KbPatchRecord {
    std::string folder;        // the folder of the patch's file
    std::string kind;          // "problem", "cause", "fix"
    std::string id;
    std::string change;        // e.g. "cause 'site_nas_quota' added (prior 0.05)"
    SourceLocation where;      // the patch text that made the change

    friend bool operator==(const KbPatchRecord&, const KbPatchRecord&) = default;
};

class KnowledgeBase {
public:
    std::map<std::string, FactDef> facts;
    std::map<std::string, Problem> problems;
    std::map<std::string, Cause> causes;
    std::map<std::string, Fix> fixes;
    std::map<std::string, Reference> references;
    std::vector<RuleDecl> rules;                  // in evaluation order: derivations before their readers
    std::vector<WindowsRelease> windows_releases; // sorted by build
    std::map<std::string, Vendor> vendors;
    std::vector<Scenario> scenarios;              // sorted by file, then position
    std::vector<std::string> folders;             // the folders it was loaded from, in order
    std::vector<std::string> script_files;        // resolved Lua files the rules use, sorted, unique
    std::vector<KbOverride> overrides;            // every replaced item (kb lint groups them by folder)
    std::vector<KbPatchRecord> patches;           // every change patches made, in the order applied

    const FactDef* fact(const std::string& id) const;
    const Problem* problem(const std::string& id) const;
    const Cause* cause(const std::string& id) const;
    const Fix* fix(const std::string& id) const;

    // Finds the problem for an error code as a user types it ("0x00000963", "963h", "2403",
    // "System error 2403 has occurred.", "NERR_BadPasswordCore", "0x80070963"). nullptr when none.
    const Problem* find_problem_by_code(const std::string& typed) const;

    // The release row for a build: the highest row whose build <= `build`, among server rows when `server`
    // (family "server") or client rows otherwise; nullptr below the first.
    const WindowsRelease* windows_release(std::int64_t build, bool server = false) const;

    // Indexes built by the linker.
    std::map<std::string, std::vector<std::size_t>> rules_by_cause;   // cause id -> rule indexes
    std::map<std::string, std::vector<std::size_t>> rules_by_fact;    // fact id -> rules reading it
    std::map<std::string, std::vector<std::size_t>> rules_deriving;   // fact id -> rules that may derive it
    std::map<std::string, std::string> code_index;                    // normalised code -> problem id
    std::vector<std::string> in_report_facts;                         // ids of the facts marked in_report, sorted

    // Every member, indexes included (the cached image's round trip is checked with it).
    friend bool operator==(const KnowledgeBase&, const KnowledgeBase&) = default;
};

// Normalises an error code as typed into a lookup key: numbers become "n:<decimal>" (hex, "h" suffix,
// HRESULT_FROM_WIN32 unwrapped, "System error N has occurred." stripped); names become "s:<lowercase>".
std::string normalise_error_code(const std::string& typed);

struct LoadOptions {
    std::vector<std::string> folders;   // in order; a later folder overrides an earlier one by id
    bool strict = false;                // warnings count as errors (lint --strict)
    bool scenarios = true;              // false: skip files that hold only scenarios (diagnosis never reads them)
};

struct LoadResult {
    std::shared_ptr<const KnowledgeBase> kb;   // null when errors made it unusable
    Diagnostics diagnostics;
};

LoadResult load_knowledge_base(const LoadOptions& options);

}  // namespace kbdiag
