#pragma once
// The start-up cache: a binary image (kb_image.hpp) of the knowledge a load produced, reused while its sources are
// unchanged. Parsing YAML is most of a run's start-up; reading the image is a few per cent of it.
//
// Never stale: every run lists each folder's YAML files again and hashes every file's content (and each Lua file
// the rules name); the image is used only when the list, sizes and hashes are all equal. Contents, not mtimes: an
// edit within the same second that keeps the size (a prior 0.4 -> 0.6) must be seen, and hashing the shipped
// ~300 KB takes well under a millisecond. Only a load without errors is stored; strict loads (lint) never use it.
#include <string>

#include "engine/kb/knowledge_base.hpp"

namespace kbdiag {

struct KbCacheOptions {
    std::string dir;                       // folder of the images; empty: no cache (plain load)
    std::string version = KBDIAG_VERSION;  // images of another version are not used
};

// What the cache did, for a debug line ("knowledge from cache ...").
struct KbCacheTrace {
    bool hit = false;
    std::string file;      // the image file (empty when the cache was off)
    std::string detail;    // why it missed, and whether the new image was written
};

// $XDG_CACHE_HOME/kbdiag (an absolute XDG_CACHE_HOME), else ~/.cache/kbdiag; on Windows %LOCALAPPDATA%\kbdiag\cache.
// Empty when none of those is known.
std::string default_kb_cache_dir();

// The image file for a load: one per (folders as given and as absolute paths, scenarios or not).
std::string kb_cache_file(const LoadOptions& options, const std::string& dir);

// load_knowledge_base(), through the cache. A missing, corrupt, foreign or stale image is rebuilt; a cache folder
// that cannot be written is no error (the load's result is the same, `trace` says why nothing was stored).
LoadResult load_knowledge_base_cached(const LoadOptions& options, const KbCacheOptions& cache,
                                      KbCacheTrace* trace = nullptr);

}  // namespace kbdiag
