#pragma once
// Patches: a knowledge file's top-level `patch:` list changes problems, causes and fixes by id, so a site overlay
// adds one cause to a shipped problem without copying the problem. One entry names its target and holds
// operations, applied in the order written:
//
//   patch:
//     - problem: share_name_or_password_invalid
//       add: {causes: [{cause: site_nas_quota, prior: 0.05}]}    # append to a list
//       update: {causes: [{cause: guest_access_blocked, prior: 0.05}]}   # change a list entry, found by id
//       remove: {causes: [smb1_only_server]}                    # drop list entries by id
//     - cause: client_sends_ntlmv1
//       set: {title: "...", not_applicable_lr: 0.05}            # replace scalar fields
//
// Patches apply after every folder is merged and before linking, in load order (folder, file name, position), so
// they see the final items and the linker checks the result like any hand-written item. Each change is a KB019
// note and a KbPatchRecord (kb lint's OVERLAYS). A cause added to (or removed from) a problem with an explicit
// `other` takes its prior from (or gives it back to) `other`, so the priors still add up to 1.
#include <set>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"
#include "engine/kb/readers.hpp"

namespace kbdiag {

// Reads a file's `patch:` list into `out` (shape only: target kind and id, known operation keys).
void read_patches(const YAML::Node& list, const std::string& file, const std::string& folder, std::vector<KbPatch>& out,
                  Diagnostics& diagnostics);

// Applies `patches` in order to the merged `kb`. `failed` holds "kind:id" of items that did not load: a patch on
// one of them is a note (the item's own error is the one to fix), not a second error.
void apply_patches(KnowledgeBase& kb, const std::vector<KbPatch>& patches, const std::set<std::string>& failed,
                   Diagnostics& diagnostics);

}  // namespace kbdiag
