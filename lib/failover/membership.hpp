// Who takes part in a failover, from repmgr.nodes as this node's copy has it: the siblings that
// vote and may be candidates, the election lock's voters, the nodes told to follow, the nodes
// that may be a new primary, the primary's children. Pure: the daemon loads the records.
#pragma once

#include "failover/election.hpp"
#include "failover/primary_monitor.hpp"
#include "model/node_record.hpp"

#include <set>
#include <string>
#include <vector>

namespace pgwarden::failover {

using model::NodeRecord;

// What a lost upstream calls for. A cascaded standby whose upstream standby failed still has a
// primary: it follows that (repmgrd's upstream standby failover) and never holds an election.
enum class FailoverPath { elect, follow_primary };
FailoverPath failover_path(const NodeRecord& failed_upstream);

// Only for a failed primary. A standby whose record names no upstream (stale metadata) monitors
// the primary too, so it is a sibling: otherwise the others would elect without it while it
// holds its own election.
bool is_sibling(const NodeRecord& node, int self_id, int failed_primary_id);
std::vector<NodeRecord> siblings_of(const std::vector<NodeRecord>& nodes, int self_id,
                                    int failed_primary_id);

// This node's record as the metadata has it (priority and location come from there, as in
// repmgrd), or `fallback` when the metadata lacks it.
NodeRecord own_record(const std::vector<NodeRecord>& nodes, const NodeRecord& fallback);

// A view with what the record says; the rest is observed on the node.
NodeView view_of(const NodeRecord& record);

// The election lock's voters: this node and every sibling seen (`views[i]` is `siblings[i]`),
// lowest node_id first, the order every candidate takes the locks in.
std::vector<NodeRecord> election_voters(const NodeRecord& own,
                                        const std::vector<NodeRecord>& siblings,
                                        const std::vector<NodeView>& views);

// After a promotion: every active node but self and the primaries, told to follow self.
std::vector<NodeRecord> nodes_to_notify(const std::vector<NodeRecord>& nodes, int self_id);

// The nodes that may have become the new primary: active, not self, not the failed upstream, not
// a witness. With `newly_promoted_only` (while the upstream is still being retried) a node
// recorded as a primary does not count, only a standby that left recovery: a cascaded standby
// does not leave its upstream for the primary on a short outage.
std::vector<NodeRecord> new_primary_candidates(const std::vector<NodeRecord>& nodes, int self_id,
                                               int failed_upstream_id, bool newly_promoted_only);

// Who votes on this primary's standing: the same nodes that would vote in an election if it
// failed (its direct standbys, standbys with no recorded upstream, the witness), so that the
// primary's majority and a standby's election majority can never both be had by two sides.
std::vector<NodeRecord> standing_voters(const std::vector<NodeRecord>& nodes, int self_id);

// The primary's children as registered, and which of them are attached now: a standby when its
// node_name streams in pg_stat_replication, a witness (which only holds a client connection)
// when a client session carries its node_name.
struct Children {
    std::vector<ChildNode> registered;
    std::set<int> attached;
};
Children children_of(const std::vector<NodeRecord>& nodes, int self_id,
                     const std::set<std::string>& streaming_names,
                     const std::set<std::string>& client_names);

}  // namespace pgwarden::failover
