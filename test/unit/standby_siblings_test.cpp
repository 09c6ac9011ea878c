// Which nodes standby promote treats as siblings, as repmgr's get_active_sibling_node_records.
#include "standby_siblings.hpp"
#include "node_records.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden;
using model::NodeType;

namespace {

std::vector<int> ids(const std::vector<cluster::NodeRecord>& nodes) {
    std::vector<int> out;
    for (const auto& record : nodes)
        out.push_back(record.node_id);
    return out;
}

}  // namespace

TEST_CASE("siblings share the promoted node's upstream and are active, in node_id order",
          "[standby]") {
    const std::vector<cluster::NodeRecord> nodes = {
        test::record(1, NodeType::primary, std::nullopt),
        test::record(5, NodeType::standby, 1),
        test::record(2, NodeType::standby, 1),         // the node being promoted
        test::record(3, NodeType::standby, 1, false),  // inactive: not a sibling
        test::record(4, NodeType::standby, 2),         // cascaded from the candidate: not a sibling
        test::record(6, NodeType::witness, 1),
    };
    CHECK(ids(cli::standby::active_siblings(nodes, nodes[2])) == std::vector<int>{5, 6});
    // A node without an upstream (a primary) has no siblings.
    CHECK(cli::standby::active_siblings(nodes, nodes[0]).empty());
}
