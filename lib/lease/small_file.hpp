// The daemon's small state files (the lease, the replication record): read whole with a size
// limit, and replaced in one step so a reader sees the old text or the new one, never half.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace pgwarden::lease {

// Reads `path` into `out` (at most `limit` bytes); `exists` says whether it was there. An error
// message when it exists but cannot be read, or is larger.
std::optional<std::string> read_small_file(const std::string& path, std::size_t limit,
                                           std::string& out, bool& exists);

// Writes `text` to a temporary file beside `path` with permissions `mode` (whatever the umask)
// and renames it over `path`, creating the directory (mode 0755) when missing. An error message
// when it could not; the temporary file is gone then.
std::optional<std::string> write_file_atomically(const std::string& path, const std::string& text,
                                                 unsigned mode = 0644);

}  // namespace pgwarden::lease
