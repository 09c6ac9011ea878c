// The data directory side of node rejoin: what pg_controldata and PG_VERSION say, whether
// pg_rewind can run from the primary, and running it with --config-files kept aside.
#pragma once

#include "node_rejoin_plan.hpp"

#include "config/repmgr_config.hpp"
#include "exec/placeholders.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cli::rejoin {

// pg_controldata of config.data_directory (LC_ALL=C); nullopt when it fails or says too little.
std::optional<ControlData> read_controldata(const config::RepmgrConfig& config);
// PG_VERSION as repmgr's server version number.
std::optional<int> read_server_version(const std::string& data_directory);

// Why pg_rewind could not rewind this data directory from `primary`, if anything stops it.
std::optional<std::string> rewind_obstacle(pg::Connection& primary, const ControlData& control);

// Runs `command` (pg_rewind) with `environment` added (PGPASSWORD), options.config_files copied
// to `archive_dir` and back, and standby.signal hidden when `unclean` (pg_rewind's single-user
// crash recovery refuses it). Logs as repmgr 5.3 does (`verbose`: also its -v lines); after
// logging a failure, returns the exit code (1 when the files cannot be kept aside, 24 when
// pg_rewind fails).
std::optional<int> run_rewind(const config::RepmgrConfig& config, const RejoinOptions& options,
                              const std::string& command, const exec::Environment& environment,
                              bool unclean, const std::string& archive_dir, bool verbose);

}  // namespace pgwarden::cli::rejoin
