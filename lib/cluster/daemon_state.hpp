// What a failover daemon publishes about itself, and what it learns from other nodes' daemons:
// through the repmgr extension's shared-memory functions (repmgr.set_repmgrd_pid,
// get_new_primary, notify_follow_primary, ...), exactly as repmgrd does, so that the real
// `repmgr service status/pause`, `repmgr standby switchover` and repmgrd on other nodes see and
// steer pgwardend. Where the extension's functions are absent, each call does nothing and the
// readers answer "unknown"; the daemon then learns of a new primary by scanning the nodes.
#pragma once

#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cluster {

// True when the connected database has the repmgr extension's daemon functions (the library in
// shared_preload_libraries and the extension created). Never throws.
bool has_daemon_functions(pg::Connection& conn);

// All of these throw pg::PgError when the query fails; callers in loops catch and log.
void publish_local_node_id(pg::Connection& conn, int node_id);
// set_repmgrd_pid(pid, pidfile); nothing clears it (the node then reports "not running").
void publish_daemon_pid(pg::Connection& conn, std::optional<int> pid, const std::string& pid_file);
void publish_upstream_node_id(pg::Connection& conn, int upstream_node_id);
void publish_upstream_seen(pg::Connection& conn, int upstream_node_id);
// repmgr.repmgrd_is_paused() of that node; false when unknown.
bool daemon_paused(pg::Connection& conn);
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
