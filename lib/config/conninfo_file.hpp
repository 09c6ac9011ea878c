// --conninfo-file: a conninfo read from a file, so that a password in it stays out of `ps`
// (a command line is world-readable in /proc), as a passfile keeps it out of repmgr.conf.
#pragma once

#include <cstddef>
#include <string>

namespace pgwarden::config {

inline constexpr std::size_t kMaxConninfoFileBytes = 64 * 1024;

// The file's text without its trailing newline and blanks (libpq takes newlines between the
// keyword=value pairs as spaces, so a conninfo may span lines). Only a regular file is read; an
// empty one, one larger than kMaxConninfoFileBytes and one that cannot be read throw ConfigError
// naming the file.
std::string read_conninfo_file(const std::string& path);

}  // namespace pgwarden::config
