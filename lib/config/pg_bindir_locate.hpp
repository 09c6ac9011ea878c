// Where PostgreSQL's own programs (pg_ctl, pg_basebackup, pg_rewind, ...) are when pg_bindir is
// not set: PGDG EL puts them in /usr/pgsql-NN/bin and Debian in /usr/lib/postgresql/NN/bin, and
// neither is on PATH, so the bare name alone would not find them.
#pragma once

#include "config/host_probe.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::config {

inline constexpr const char* kPgdgPrefix = "/usr/pgsql-";            // + NN + "/bin"
inline constexpr const char* kDebianPgRoot = "/usr/lib/postgresql";  // + "/NN/bin"

struct PgProgram {
    std::string path;    // absolute, or the bare name for PATH when nothing was found
    std::string reason;  // for a log line: which step chose it
};

// "12", "9.6": a PostgreSQL major version as PGDG and Debian name their directories.
bool is_major_version(const std::string& text);
// Sorts major versions newest first, numerically (10 after 9.6); duplicates dropped.
void sort_newest_first(std::vector<std::string>& versions);
// Both layouts' bin directories of one major version: PGDG first, then Debian.
std::vector<std::string> version_bindirs(const std::string& major);
// Every installed version's bin directories, newest version first (PGDG before Debian at one
// version): for a clone, whose empty data directory says nothing about the version.
std::vector<std::string> installed_bindirs(const HostProbe& host);

// The directory of the server running on `data_directory` (postmaster.pid's PID, its
// /proc/PID/exe), when that process is a PostgreSQL server.
std::optional<std::string> running_server_bindir(const HostProbe& host,
                                                 const std::string& data_directory);
// The data directory's PG_VERSION ("15"), when it has one.
std::optional<std::string> data_directory_version(const HostProbe& host,
                                                  const std::string& data_directory);

// `name` in pg_bindir when set (as repmgr: no search then); otherwise the first directory that
// has it, in the order most likely to match the data directory's server: the running server's
// own, the data directory's version in both layouts, `pg_config --bindir`, then the newest
// installed version. The bare name when none has it.
PgProgram locate_pg_program(const HostProbe& host, const std::string& pg_bindir,
                            const std::string& data_directory, const std::string& name);

}  // namespace pgwarden::config
