// A server's configuration as commands read and change it: ALTER SYSTEM (which keeps
// postgresql.auto.conf PostgreSQL's own), reloading, and the settings only privileged roles see.
// All throw pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

// ALTER SYSTEM SET name = value (quoted by libpq), or RESET when there is no value. `name` is
// the caller's constant, never user input.
void alter_system(pg::Connection& conn, const std::string& name,
                  const std::optional<std::string>& value);
// pg_reload_conf().
void reload_configuration(pg::Connection& conn);

// current_setting('data_directory'); needs can_read_all_settings (session_rights.hpp).
std::string data_directory(pg::Connection& conn);
// Every file the server's settings come from (pg_settings.sourcefile, sorted), then its
// hba_file and ident_file; needs can_read_all_settings.
std::vector<std::string> configuration_file_paths(pg::Connection& conn);

}  // namespace pgwarden::cluster
