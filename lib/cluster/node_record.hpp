// A row of repmgr.nodes, the metadata repmgr and pgwarden share, and how to read it.
#pragma once

#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

struct NodeRecord {
    int node_id = 0;
    std::optional<int> upstream_node_id;
    bool active = true;
    std::string node_name;
    std::string type;  // "primary", "standby", "witness" or "bdr", as repmgr writes it
    std::string location = "default";
    int priority = 100;
    std::string conninfo;
    std::string repluser;
    std::optional<std::string> slot_name;
    std::string config_file;
};

// True when the connected database has repmgr's metadata (the repmgr.nodes table).
bool has_metadata(pg::Connection& conn);

// Every node, by node_id. Throws pg::PgError when the metadata cannot be read.
std::vector<NodeRecord> load_nodes(pg::Connection& conn);
std::optional<NodeRecord> load_node(pg::Connection& conn, int node_id);
std::optional<NodeRecord> load_node_by_name(pg::Connection& conn, const std::string& node_name);

}  // namespace pgwarden::cluster
