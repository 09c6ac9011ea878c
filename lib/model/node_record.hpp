// A row of repmgr.nodes, the metadata repmgr and pgwarden share; reading and writing it is
// lib/cluster's business.
#pragma once

#include "model/node_type.hpp"

#include <optional>
#include <string>

namespace pgwarden::model {

struct NodeRecord {
    int node_id = 0;
    std::optional<int> upstream_node_id;
    bool active = true;
    std::string node_name;
    NodeType type = NodeType::standby;
    std::string location = "default";
    int priority = 100;
    std::string conninfo;
    std::string repluser;
    std::optional<std::string> slot_name;
    std::string config_file;
};

// repmgr's way of naming a node in a message: "node1" (ID: 1).
std::string describe(const NodeRecord& node);

}  // namespace pgwarden::model
