// What a standby clone finds in its target directory: nothing, an empty directory, a PostgreSQL
// data directory (and whether a server runs in it), or something else.
#pragma once

#include <string>

namespace pgwarden::cli {

enum class DirState { missing, empty, data_directory, other };

DirState dir_state(const std::string& path);

// A postmaster.pid whose pid still exists: a server runs on this directory.
bool server_running(const std::string& data_dir);

}  // namespace pgwarden::cli
