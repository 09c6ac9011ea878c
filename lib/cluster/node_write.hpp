// Writing repmgr.nodes: every change is one transaction, so a failure leaves no half-registered
// node.
#pragma once

#include "cluster/node_record.hpp"

namespace pgwarden::cluster {

// Insert, or update when `replace` and the node_id exists. Throws pg::PgError.
void write_node(pg::Connection& conn, const NodeRecord& node, bool replace);
void delete_node(pg::Connection& conn, int node_id);
void set_node_active(pg::Connection& conn, int node_id, bool active);
// Makes node_id the primary (type primary, no upstream, active) and, if given, marks the old
// primary inactive, in one transaction.
void promote_node_record(pg::Connection& conn, int node_id, std::optional<int> old_primary_id);
void set_upstream(pg::Connection& conn, int node_id, int upstream_node_id);
// node_id recorded as a standby of upstream_node_id (a former primary back in recovery).
void set_standby_of(pg::Connection& conn, int node_id, int upstream_node_id);
// A witness's copy of the metadata: every row replaced by `nodes` (read from the primary), in
// one transaction.
void replace_all_nodes(pg::Connection& conn, const std::vector<NodeRecord>& nodes);

}  // namespace pgwarden::cluster
