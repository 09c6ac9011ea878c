// The one query that tells a node's role, timeline and replay lag, and how its row is read.
#pragma once

#include "cluster/node_state.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::cluster {

// Columns: in_recovery, timeline, wal receiver status, replay lag bytes. Replication details need
// superuser or pg_monitor (pg_read_all_stats); without them they are NULL and the lag is unknown.
const std::string& node_state_query();

// node_state_query() with `more_columns` (", expr, ...") after its four: they may read the WAL
// receiver's row as w (status, latest_end_lsn, last_msg_receipt_time), so one query reads it once.
std::string node_state_query_with(std::string_view more_columns);

// Reads one row of node_state_query() (text values, nullopt for NULL) into a reachable NodeState.
NodeState parse_node_state(std::optional<std::string_view> in_recovery,
                           std::optional<std::string_view> timeline,
                           std::optional<std::string_view> receiver_status,
                           std::optional<std::string_view> replay_lag_bytes);

}  // namespace pgwarden::cluster
