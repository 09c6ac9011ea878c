// What every registered node says about itself, asked of all nodes at once: one unreachable node
// costs one connect_timeout, not one per node. cluster show, service status and node check read
// these observations; cluster_show_format turns them into repmgr's output.
#pragma once

#include "cluster/node_record.hpp"
#include "cluster/node_survey.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cli {

// repmgr's NODE_STATUS_UP / NODE_STATUS_REJECTED (PQping answers but the connection is refused)
// / NODE_STATUS_DOWN.
enum class Reachability { up, rejected, down };

// The node's own copy of its repmgr.nodes row, and one row of its pg_stat_replication.
using cluster::OwnRecord;
using cluster::ReplicationClient;

// What the repmgr extension's shared memory says about the daemon on this node.
struct DaemonState {
    int pid = -1;                 // repmgr.get_repmgrd_pid(); -1 when unknown or not installed
    bool running = false;         // repmgr.repmgrd_is_running()
    bool paused = false;          // repmgr.repmgrd_is_paused()
    int upstream_last_seen = -1;  // seconds, repmgr.get_upstream_last_seen(); -1 = unknown
};

struct NodeObservation {
    Reachability reachability = Reachability::down;
    std::string connect_error;        // libpq's message when not up (no password in it)
    std::optional<bool> in_recovery;  // nullopt: unknown (repmgr's RECTYPE_UNKNOWN)
    std::optional<int> timeline;      // pg_control_checkpoint()'s timeline_id
    // The node's own record: nullopt when it could not be read (repmgr's RECORD_NOT_FOUND);
    // own_record_error when the query failed (repmgr's RECORD_ERROR).
    std::optional<OwnRecord> own_record;
    bool own_record_error = false;
    bool wal_replay_paused_pending = false;  // replay paused with received WAL not yet replayed
    // pg_stat_replication; nullopt when it could not be read.
    std::optional<std::vector<ReplicationClient>> replication_clients;
    // Standby: the WAL receiver's status and the bytes received but not yet replayed.
    std::optional<std::string> wal_receiver_status;
    std::optional<std::uint64_t> replay_lag_bytes;
    DaemonState daemon;
};

// Looks at one node (blocking). Never throws: failures are part of the observation.
NodeObservation probe_node(const cluster::NodeRecord& node);

using ProbeFn = std::function<NodeObservation(const cluster::NodeRecord&)>;

// Runs `probe` on every node at the same time (one thread each) and returns the observations in
// the order of `nodes`. The whole call lasts as long as the slowest node, not the sum.
std::vector<NodeObservation> probe_all(const std::vector<cluster::NodeRecord>& nodes,
                                       const ProbeFn& probe = probe_node);

// Every registered node, read through the local node, or nothing after logging why (unreadable
// metadata, or no node registered: repmgr's ERR_BAD_CONFIG cases).
std::optional<std::vector<cluster::NodeRecord>> load_registered_nodes(pg::Connection& conn);

struct StatusReport;

// What cluster show and service status print after their table: an empty line on stdout, the
// warnings as one WARNING, and the hint about --verbose when a node could not be reached.
void emit_status_warnings(const StatusReport& report, bool verbose, bool blank_line);

}  // namespace pgwarden::cli
