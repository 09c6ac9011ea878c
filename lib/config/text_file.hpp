// A small text file read whole, as the files that keep secrets out of `ps` are (a conninfo, a
// key's passphrase): only a regular file, bounded, and never blocking on a FIFO.
#pragma once

#include <cstddef>
#include <string>

namespace pgwarden::config {

struct TextFile {
    std::string text;
    std::string error;  // set: why it could not be read (strerror, "not a regular file", size)
};

// The file's bytes, or an error when it cannot be opened or read, is not a regular file or is
// larger than `limit` bytes.
TextFile read_text_file(const std::string& path, std::size_t limit);

}  // namespace pgwarden::config
