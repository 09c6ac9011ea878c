// standby clone --replication-conf-only, as repmgr 5.3's _do_create_replication_conf: the
// replication settings (primary_conninfo, primary_slot_name and repmgr.conf's recovery settings
// in postgresql.auto.conf, standby.signal) written into a data directory that was copied before,
// for a node that is registered, without copying anything.
#pragma once

#include "cli_options.hpp"

namespace pgwarden::cli {

// The exit code: 0, 1 (refused: no data directory or instance, a running server without -F, no
// upstream or local record, no replication connection) or 6 (no connection to the source).
int create_replication_conf(const CliOptions& options);

}  // namespace pgwarden::cli
