// The checks `standby switchover` makes before anything changes, with repmgr 5.3's messages:
// each returns the exit code when it refuses, nothing when the switchover may go on (with
// -F/--force, a refusal becomes a warning where repmgr's does).
#pragma once

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cli::switchover {

// WAL files waiting for archive_command on the demotion candidate `name`: PostgreSQL does not
// shut down before they are archived.
std::optional<int> check_archive(pg::Connection& primary_conn, const config::RepmgrConfig& config,
                                 const std::string& name, bool force, bool dry_run);
// This standby's replay lag against the thresholds and standby_reconnect_timeout.
std::optional<int> check_lag(pg::Connection& local, const config::RepmgrConfig& config, bool force,
                             bool dry_run);
// Siblings that are registered to the primary but do not stream from it: a switchover would leave
// them behind, unnoticed. Refused unless -F.
std::optional<int> check_missing_siblings(pg::Connection& primary_conn,
                                          const std::vector<cluster::NodeRecord>& siblings,
                                          bool force);

}  // namespace pgwarden::cli::switchover
