// What a failover daemon publishes about itself, and what it learns from other nodes' daemons:
// through the repmgr extension's shared-memory functions (repmgr.set_repmgrd_pid,
// get_new_primary, notify_follow_primary, ...), exactly as repmgrd does, so that the real
// `repmgr service status/pause`, `repmgr standby switchover` and repmgrd on other nodes see and
// steer pgwardend. Where the extension is absent (or its library not preloaded), the same facts
// live in the table repmgr.daemon_status, written on the primary and read from any node's copy;
// a new primary is then found by scanning the nodes instead of being announced. Callers reach
// these through DaemonStateStore (daemon_state_store.hpp), which picks the place once.
#pragma once

#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cluster {

// Where a node keeps its daemon's state: the extension's shared memory when its functions exist
// and its library is preloaded, else the table when the metadata exists. Never throws.
enum class StateStore { extension, table, none };
StateStore state_store(pg::Connection& conn);
// The same over a bare libpq connection (the cluster survey's).
StateStore state_store(PGconn* conn);

// --- the table, where there is no extension (all throw pg::PgError) ---
// Created on the primary when first needed (by pgwardend, or by `pgwarden service pause`), so the
// plain schema stays exactly the extension's.
extern const char* const kDaemonStatusTable;
// The daemon's PID (nothing: stopped) and PID file, on the primary.
void table_publish_pid(pg::Connection& primary, int node_id, std::optional<int> pid,
                       const std::string& pid_file);
// "Alive", and, for a standby that just reached its upstream, "upstream seen now".
void table_heartbeat(pg::Connection& primary, int node_id, std::optional<int> upstream_seen);
void table_set_paused(pg::Connection& primary, int node_id, bool paused);
struct TableStatus {
    std::optional<int> pid;
    bool paused = false;
    std::optional<int> seconds_since_update;
    std::optional<int> seconds_since_upstream_seen;
};
// node_id's row as this node's copy has it; nothing when the table or the row is absent.
std::optional<TableStatus> table_status(pg::Connection& conn, int node_id);
// The same over a bare libpq connection (the cluster survey's); never throws: a failed query
// reads as nothing.
std::optional<TableStatus> table_status(PGconn* conn, int node_id);
// A daemon whose heartbeat is older than this is reported as not running.
inline constexpr int kHeartbeatStaleSecs = 30;

// --- the extension's functions ---

// All of these throw pg::PgError when the query fails; callers in loops catch and log.
void publish_local_node_id(pg::Connection& conn, int node_id);
// set_repmgrd_pid(pid, pidfile); nothing clears it (the node then reports "not running").
void publish_daemon_pid(pg::Connection& conn, std::optional<int> pid, const std::string& pid_file);
void publish_upstream_node_id(pg::Connection& conn, int upstream_node_id);
void publish_upstream_seen(pg::Connection& conn, int upstream_node_id);
// repmgr.repmgrd_is_paused() of that node; false when unknown.
bool daemon_paused(pg::Connection& conn);
// repmgr.repmgrd_pause(): the flag that node's daemon obeys.
void set_daemon_paused(pg::Connection& conn, bool paused);
// repmgr.repmgrd_is_running() of that node; nothing when the function is absent.
std::optional<bool> daemon_running(pg::Connection& conn);
// Seconds since that node's daemon last reached its upstream; nothing when unknown.
std::optional<int> seconds_since_upstream_seen(pg::Connection& conn);
// The node a promoted sibling told this node to follow (notify_follow_primary), if any.
std::optional<int> announced_new_primary(pg::Connection& conn);
// Tells the daemon on `conn`'s node to follow `primary_node_id`.
void announce_new_primary(pg::Connection& conn, int primary_node_id);
// Forgets an announcement once it has been acted on.
void reset_announcement(pg::Connection& conn);

}  // namespace pgwarden::cluster
