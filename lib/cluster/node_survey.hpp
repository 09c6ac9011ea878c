// What cluster show, service status and node check ask every node, over the bare libpq
// connection the survey opens itself (it reports libpq's own connection error text, which
// pg::Connection::open rewrites). Never throw: an answer whose query failed is nothing, and the
// survey reports "unknown" for it.
#pragma once

#include "model/node_type.hpp"

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

// The node's role and WAL receiver (node_state_query()); each field nothing when NULL.
struct SurveyedState {
    std::optional<bool> in_recovery;
    std::optional<std::string> wal_receiver_status;
    std::optional<std::uint64_t> replay_lag_bytes;  // standby streaming: received, not replayed
};
std::optional<SurveyedState> surveyed_state(PGconn* conn);

// pg_control_checkpoint()'s timeline_id.
std::optional<int> checkpoint_timeline(PGconn* conn);

// Replay paused with received WAL not yet replayed.
bool replay_paused_with_wal_pending(PGconn* conn);

// One row of the node's pg_stat_replication.
struct ReplicationClient {
    std::string application_name;
    std::string state;
};
std::optional<std::vector<ReplicationClient>> replication_clients(PGconn* conn);

// The node's own copy of its repmgr.nodes row (repmgr compares it with the local metadata).
struct OwnRecord {
    std::optional<model::NodeType> type;  // nullopt: a type repmgr does not know
    std::optional<int> upstream_node_id;
    std::string upstream_node_name;  // "" when there is no upstream or it has no record
};
struct OwnRecordAnswer {
    bool failed = false;              // the query failed (repmgr's RECORD_ERROR)
    std::optional<OwnRecord> record;  // nothing: no such row (RECORD_NOT_FOUND)
};
OwnRecordAnswer own_record(PGconn* conn, int node_id);

// What the repmgr extension's shared memory says about the node's daemon.
struct ExtensionDaemonState {
    std::optional<int> pid;  // repmgr.get_repmgrd_pid()
    bool running = false;    // repmgr.repmgrd_is_running()
    bool paused = false;     // repmgr.repmgrd_is_paused()
    // Seconds, repmgr.get_upstream_last_seen(); -1 on a primary (it has no upstream to have
    // seen), except for a `witness`, whose daemon watches the primary.
    std::optional<int> upstream_last_seen;
};
ExtensionDaemonState extension_daemon_state(PGconn* conn, bool witness);

}  // namespace pgwarden::cluster
