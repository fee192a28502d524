#pragma once
// Writes a file atomically: a temporary file in the same folder, flushed, then renamed over the target.
// A killed run leaves the old file or the new one, never a truncated one.
#include <string>

namespace kbdiag {

// Creates missing parent folders. Returns an empty string on success, else the reason. A target that exists
// and is not a regular file (a symlink, a device such as /dev/null, a FIFO) is written through instead:
// renaming over it would replace it, so that write is not atomic.
std::string write_file_atomically(const std::string& path, const std::string& content);

// Reads a whole file, or fails with a reason. At most `max_bytes`, whatever the file is: the size on disk is
// not trusted (a device such as /dev/zero, a pipe that keeps writing, a file that grows while read), so reading
// stops one byte past the limit and fails with "PATH is larger than N bytes".
bool read_file(const std::string& path, std::string& content, std::string& error,
               std::size_t max_bytes = static_cast<std::size_t>(-1));

}  // namespace kbdiag
