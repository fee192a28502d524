#pragma once
// A binary image of a linked KnowledgeBase: what the start-up cache (kb_cache.hpp) stores so that a run skips
// yaml-cpp, which is most of start-up. The image holds every member of the model (locations, hints, scenarios,
// indexes), the load's warnings and notes, and the manifest of the sources it was built from.
//
// Layout: magic "KBDIAGKB", format number, layout fingerprint, kbdiag version, payload length, payload hash,
// payload. decode_kb_image() trusts nothing: a foreign magic, format, layout or version, a wrong length or hash,
// or a payload that does not decode to its last byte is refused with a reason (the caller rebuilds).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic.hpp"
#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

// A 64-bit hash of bytes (8 bytes a step, then a final mix): detects edits, not an adversary. ~1 byte a cycle.
std::uint64_t hash_bytes(std::string_view bytes);

// One source file as it was when the image was built.
struct KbSourceFile {
    std::string path;
    std::uint64_t size = 0;
    std::uint64_t hash = 0;   // hash_bytes of the content

    friend bool operator==(const KbSourceFile&, const KbSourceFile&) = default;
};

struct KbImage {
    std::vector<std::string> folders;          // as given to the load, in order
    bool scenarios = true;                     // LoadOptions::scenarios of the load
    // every YAML file of the folders, in load order, each folder's rules/lib/*.lua after its YAML
    std::vector<KbSourceFile> yaml_sources;
    std::vector<KbSourceFile> script_sources;  // the Lua files the rules name (kb.script_files)
    KnowledgeBase kb;
    std::vector<Diagnostic> diagnostics;       // the load's warnings and notes (an image never holds errors)

    friend bool operator==(const KbImage&, const KbImage&) = default;
};

// `version` is the kbdiag version: an image from another version is refused.
std::string encode_kb_image(const KbImage& image, std::string_view version);

// The image, or nullopt with the reason in `why` ("truncated", "checksum mismatch", ...).
std::optional<KbImage> decode_kb_image(std::string_view bytes, std::string_view version, std::string& why);

}  // namespace kbdiag
