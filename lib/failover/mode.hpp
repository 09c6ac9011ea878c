// Which of the two machines the daemon runs for this node: a primary's, or a standby's (which a
// witness runs too, to vote and to follow, never to elect). Pure: the daemon reads the record
// and the local recovery state.
#pragma once

#include "model/node_type.hpp"

#include <string_view>

namespace pgwarden::failover {

enum class DaemonMode { primary, standby, witness };
std::string_view mode_name(DaemonMode mode);

// A witness is a primary of its own (not in recovery) that watches the cluster's primary; any
// other node out of recovery is monitored as the primary, whatever its record says.
DaemonMode mode_for(model::NodeType recorded_type, bool local_in_recovery);

}  // namespace pgwarden::failover
