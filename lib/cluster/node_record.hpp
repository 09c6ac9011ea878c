// A row of repmgr.nodes, the metadata repmgr and pgwarden share, and how to read it.
#pragma once

#include "model/node_record.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

// The record itself is vocabulary (lib/model); these names keep the cluster spelling working.
using model::NodeRecord;
using model::NodeType;

// True when the connected database has repmgr's metadata (the repmgr.nodes table).
bool has_metadata(pg::Connection& conn);

// Every node, by node_id. Throws pg::PgError when the metadata cannot be read or a row has a
// type repmgr does not know.
std::vector<NodeRecord> load_nodes(pg::Connection& conn);
std::optional<NodeRecord> load_node(pg::Connection& conn, int node_id);
std::optional<NodeRecord> load_node_by_name(pg::Connection& conn, const std::string& node_name);

// A node registered with a given upstream; `type` is nothing when repmgr does not know it.
struct DownstreamRecord {
    int node_id = 0;
    std::string node_name;
    std::optional<NodeType> type;
};
// The nodes whose upstream_node_id is `node_id`, by node_id.
std::vector<DownstreamRecord> load_downstream(pg::Connection& conn, int node_id);
// The lowest node_id of an active primary record other than `node_id`, if any.
std::optional<int> other_active_primary_id(pg::Connection& conn, int node_id);

}  // namespace pgwarden::cluster
