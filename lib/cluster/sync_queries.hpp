// What the election needs of the primary's synchronous replication, read on the primary: its
// synchronous_standby_names and synchronous_commit, its current WAL position, and every
// walsender's sync_state. And the one change managed synchronous mode makes. All throw
// pg::PgError.
#pragma once

#include "failover/sync_replication.hpp"
#include "pg/connection.hpp"

#include <string>

namespace pgwarden::cluster {

// The snapshot as the primary shows it now (primary_node_id and the times left for the caller).
failover::SyncSnapshot read_sync_snapshot(pg::Connection& primary);

// ALTER SYSTEM SET synchronous_standby_names = `names` (quoted as a literal), then a reload.
void write_sync_standby_names(pg::Connection& primary, const std::string& names);

}  // namespace pgwarden::cluster
