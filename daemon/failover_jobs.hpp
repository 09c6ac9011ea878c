// The daemon's longer blocking steps, each bounded: recording an event where it can be written,
// promote_command and follow_command with their waits, and a monitoring_history row. Run on
// worker threads; none throws.
#pragma once

#include "cluster/daemon_state_store.hpp"
#include "cluster/events.hpp"
#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "failover/sync_replication.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <utility>

namespace pgwarden::daemon {

// Writes the event on the primary when one is reachable through the local node's metadata
// (or on the local node when it is the primary), then runs event_notification_command.
// `primary_conninfo` (the upstream, when it is the primary) is tried when the local node is
// down and cannot say where the primary is.
void record_daemon_event(const config::RepmgrConfig& config, const cluster::Event& event,
                         const std::string& primary_conninfo = {});

struct StepResult {
    StepResult() = default;
    StepResult(bool ok_, std::string detail_, std::string hint_ = {})
        : ok(ok_), detail(std::move(detail_)), hint(std::move(hint_)) {}

    bool ok = false;
    std::string detail;  // what failed, for the log and the event
    std::string hint;    // what the operator can do about it, for the log
};

// promote_command, then waits up to promote_check_timeout for the local node to leave recovery,
// then counts the promotion in repmgr.voting_term. Records repmgrd_failover_promote (%p = the
// old primary), tells the siblings to follow, and records repmgrd_reload. Whether this node may
// promote at all was decided before (failover::may_promote, in the standby machine).
StepResult promote(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                   const cluster::NodeRecord& old_primary);

// follow_command with %n, then waits up to repmgrd_standby_startup_timeout for the local node to
// be back as a standby; records repmgrd_failover_follow.
StepResult follow(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                  const cluster::NodeRecord& new_primary);
// The local node's synchronous replication as a primary shows it (read_sync_snapshot); nothing,
// after a debug line, when it cannot be read.
std::optional<failover::SyncSnapshot> local_sync_snapshot(const config::RepmgrConfig& config);

// After a failed promote_command or follow_command: whether the primary the local node's metadata
// leads to is `failed_primary` again (repmgrd's "original primary reappeared").
bool original_primary_back(const config::RepmgrConfig& config,
                           const cluster::NodeRecord& failed_primary);

// After a follow (a standby's or a witness's): the announcement that led to it is consumed and the
// new upstream published. Throws pg::PgError.
void publish_new_upstream(cluster::DaemonStateStore& store, int new_upstream_id);

// What an upstream check learned of the local node on the way.
struct LocalCheck {
    bool reachable = false;
    bool paused = false;  // repmgrd_is_paused(), or the row in repmgr.daemon_status
    std::string error;    // why it is not reachable
    // This node's upstream as its metadata says now: a switchover or a manual follow moves it.
    std::optional<cluster::NodeRecord> recorded_upstream;
    // Whether this node's record names an upstream at all; nothing when it could not be read.
    std::optional<bool> record_has_upstream;
    // pg_is_in_recovery() of the local node, on the same connection: false means it was promoted
    // (a witness is never in recovery); nothing when the query failed.
    std::optional<bool> in_recovery;
    // When it was promoted: the old primary that handed over to it in a switchover, if any.
    std::optional<int> handed_over_by;
    // The upstream primary's synchronous replication as seen now (times left for the loop).
    std::optional<failover::SyncSnapshot> sync_seen;
};

// After a successful upstream check: the local node's recovery state, "upstream seen" published
// on it and, with monitoring_history, a row written on the upstream.
LocalCheck after_upstream_seen(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                               const cluster::NodeRecord& upstream);
// Its part in the store: this daemon's PID again where the store lost it (`pid`), "upstream
// seen" for self_id, and the pause flag, which it returns. Throws pg::PgError.
bool publish_upstream_seen(cluster::DaemonStateStore& store, int self_id, int upstream_id, int pid);

// The local node's pause flag and recovery state (and whether it answers at all).
LocalCheck local_paused(const config::RepmgrConfig& config);

// This node's record active or not, on the primary (repmgrd's standby_failure/recovery).
void set_local_active(const config::RepmgrConfig& config, bool active,
                      const std::string& primary_conninfo);

// The primary's daemon, each monitor interval: where there is no extension, its heartbeat row
// (and its PID, written again should the row be missing). Returns whether it is paused.
bool primary_heartbeat(const config::RepmgrConfig& config, const std::string& pid_file);
// Its part in the store (the local node's, as the primary writes where it runs): the PID again
// where the store lost it, the heartbeat, then the pause flag. Errors are logged.
bool primary_heartbeat(cluster::DaemonStateStore& store, int self_id, int pid,
                       const std::string& pid_file);

// A writable connection to the primary: the local node when it is one, else the primary found
// through the local node's metadata.
std::optional<pg::Connection> open_primary(const config::RepmgrConfig& config,
                                           const std::string& fallback_conninfo = {});

// A witness: copies repmgr.nodes from the primary into its own database (witness_sync_interval).
bool sync_witness_metadata(const config::RepmgrConfig& config, const cluster::NodeRecord& primary);
// A witness whose primary was replaced: its record on the new primary points at it, its copy of
// the metadata is refreshed, and repmgrd_failover_follow is recorded.
StepResult witness_follow(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                          const cluster::NodeRecord& new_primary);

// A primary restarted as a standby: its record on the cluster's primary says standby under that
// primary, whose record is returned (nothing when no primary is reachable).
std::optional<cluster::NodeRecord> record_local_as_standby(const config::RepmgrConfig& config,
                                                           int self_id);

// child_nodes_disconnect_command with %p, and its event.
void run_child_disconnect_command(const config::RepmgrConfig& config, const std::string& detail);

}  // namespace pgwarden::daemon
