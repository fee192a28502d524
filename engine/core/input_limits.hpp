#pragma once
// The most kbdiag reads of any one input. Every file is read with a cap whatever it is (a device such as
// /dev/zero or a pipe has no size to check beforehand), so a hostile or mistaken input (a log dropped into the
// knowledge folder, a symlink to a device) ends in a clear error instead of exhausting memory.
#include <cstddef>

namespace kbdiag::limits {

// Knowledge files (YAML, Lua rules, report templates) are written by hand: the largest shipped one is a few
// dozen KiB.
inline constexpr std::size_t knowledge_file_bytes = 16 * 1024 * 1024;

// A snapshot, as a file or as one line of a batch input. Collected snapshots are a few KiB.
inline constexpr std::size_t snapshot_bytes = 64 * 1024 * 1024;

// The compiled knowledge image in the cache: many times the sources it is built from, still bounded.
inline constexpr std::size_t knowledge_image_bytes = 256 * 1024 * 1024;

}  // namespace kbdiag::limits
