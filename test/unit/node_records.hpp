// A node record as unit tests need one: node<id>, a conninfo on 10.0.0.<id> with a password to
// mask, everything else repmgr's defaults.
#pragma once

#include "cluster/node_record.hpp"

#include <optional>
#include <string>

namespace pgwarden::test {

inline cluster::NodeRecord record(int id, model::NodeType type, std::optional<int> upstream,
                                  bool active = true) {
    cluster::NodeRecord node;
    node.node_id = id;
    node.node_name = "node" + std::to_string(id);
    node.type = type;
    node.upstream_node_id = upstream;
    node.active = active;
    node.conninfo = "host=10.0.0." + std::to_string(id) + " dbname=repmgr password=secret";
    return node;
}

}  // namespace pgwarden::test
