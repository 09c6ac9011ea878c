// standby clone's check of repmgr.conf's tablespace_mapping, as repmgr 5.3 does it before the
// copy: pg_basebackup takes a -T whose old directory is no tablespace without a word, and then
// copies that tablespace onto the primary's own path.
#pragma once

#include "config/repmgr_values.hpp"
#include "pg/connection.hpp"

#include <string>
#include <vector>

namespace pgwarden::cli::standby {

// The old directories of `mappings` that are no tablespace's location on the source, in order.
// Throws pg::PgError.
std::vector<std::string> unknown_tablespace_dirs(
    pg::Connection& source, const std::vector<config::TablespaceMapping>& mappings);

// False, after repmgr's error ("N of M mapped tablespaces not found") and the list, when a
// mapping names no tablespace of the source.
bool tablespace_mappings_valid(pg::Connection& source,
                               const std::vector<config::TablespaceMapping>& mappings);

}  // namespace pgwarden::cli::standby
