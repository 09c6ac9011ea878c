// What `node check` and `node status` ask of the local node: slot counts, replication lag, the
// server's settings and size, the standbys missing their slots. All throw pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

// Recovery and physical slots, for node check.
struct CheckCounts {
    bool in_recovery = false;
    int physical_slots = 0;
    int inactive_physical_slots = 0;
};
CheckCounts check_counts(pg::Connection& conn);

// Seconds since the last replayed transaction, 0 when everything received is replayed; nothing
// when the server cannot say (no transaction replayed yet).
std::optional<int> replay_lag_seconds(pg::Connection& standby);

// The server in one row, for node status.
struct ServerOverview {
    std::string server_version;               // up to the first space: "15.4"
    std::optional<std::string> cluster_size;  // pg_size_pretty of every database
    bool in_recovery = false;
    std::string archive_mode;
    std::string archive_command;
    int max_wal_senders = 0;
    int attached_wal_receivers = 0;  // rows of pg_stat_replication
    int max_replication_slots = 0;
    int active_physical_slots = 0;
    int inactive_physical_slots = 0;
};
ServerOverview server_overview(pg::Connection& conn);
// The inactive physical slots, by name.
std::vector<std::string> inactive_physical_slot_names(pg::Connection& conn);

// A standby's received and replayed WAL (0/0 when none) and its lag in seconds (0 when caught up
// or unknown), as node status reports them.
struct StandbyReplay {
    std::string received_lsn;
    std::string replayed_lsn;
    int lag_seconds = 0;
};
StandbyReplay standby_replay(pg::Connection& standby);

// Standbys registered downstream of `node_id` whose slot does not exist on `conn`'s node
// (repmgr's get_downstream_nodes_with_missing_slot), by node_id.
struct MissingSlot {
    std::string node_name;
    int node_id = 0;
    std::string slot_name;
};
std::vector<MissingSlot> standbys_missing_slots(pg::Connection& conn, int node_id);

// pg_control_system()'s system_identifier.
std::string system_identifier(pg::Connection& conn);

}  // namespace pgwarden::cluster
