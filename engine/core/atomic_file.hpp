#pragma once
// Writes a file atomically: a temporary file in the same folder, flushed, then renamed over the target.
// A killed run leaves the old file or the new one, never a truncated one.
#include <string>

namespace kbdiag {

// Creates missing parent folders. Returns an empty string on success, else the reason. A target that exists
// and is not a regular file (a symlink, a device such as /dev/null, a FIFO) is written through instead:
// renaming over it would replace it, so that write is not atomic.
std::string write_file_atomically(const std::string& path, const std::string& content);

// Reads a whole file. Returns false and a reason when it cannot.
bool read_file(const std::string& path, std::string& content, std::string& error);

}  // namespace kbdiag
