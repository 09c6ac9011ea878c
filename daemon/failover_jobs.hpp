// The daemon's longer blocking steps, each bounded: recording an event where it can be written,
// promote_command and follow_command with their waits, and a monitoring_history row. Run on
// worker threads; none throws.
#pragma once

#include "cluster/events.hpp"
#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::daemon {

// Writes the event on the primary when one is reachable through the local node's metadata
// (or on the local node when it is the primary), then runs event_notification_command.
void record_daemon_event(const config::RepmgrConfig& config, const cluster::Event& event);

struct StepResult {
    bool ok = false;
    std::string detail;  // what failed, for the log and the event
};

// promote_command, then waits up to promote_check_timeout for the local node to leave recovery,
// then counts the promotion in repmgr.voting_term. Records repmgrd_failover_promote (%p = the
// old primary), tells the siblings to follow, and records repmgrd_reload.
StepResult promote(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                   const cluster::NodeRecord& old_primary);

// follow_command with %n, then waits up to repmgrd_standby_startup_timeout for the local node to
// be back as a standby; records repmgrd_failover_follow.
StepResult follow(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                  const cluster::NodeRecord& new_primary);

// After a successful upstream check: publish "upstream seen" on the local node and, with
// monitoring_history, write a row on the upstream. Returns repmgrd_is_paused() of the node.
bool after_upstream_seen(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                         const cluster::NodeRecord& upstream);

// repmgrd_is_paused() on the local node (or its row in repmgr.daemon_status); false when unknown.
bool local_paused(const config::RepmgrConfig& config);

// The primary's daemon, each monitor interval: where there is no extension, its heartbeat row
// (and its PID, written again should the row be missing). Returns whether it is paused.
bool primary_heartbeat(const config::RepmgrConfig& config, const std::string& pid_file);

// A writable connection to the primary: the local node when it is one, else the primary found
// through the local node's metadata.
std::optional<pg::Connection> open_primary(const config::RepmgrConfig& config);

// child_nodes_disconnect_command with %p, and its event.
void run_child_disconnect_command(const config::RepmgrConfig& config, const std::string& detail);

}  // namespace pgwarden::daemon
