// Who takes part in a failover, from the node records alone.
#include "failover/membership.hpp"

#include "node_records.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;
using pgwarden::model::NodeType;
using pgwarden::test::record;

namespace {

std::vector<int> ids(const std::vector<NodeRecord>& nodes) {
    std::vector<int> out;
    for (const auto& node : nodes)
        out.push_back(node.node_id);
    return out;
}

// node1 the failed primary; node2 (self), node3 standbys of it; node4 a witness; node5 cascades
// from node3; node6 inactive; node7 a standby with no recorded upstream (stale metadata).
const std::vector<NodeRecord> kNodes{
    record(1, NodeType::primary, std::nullopt),
    record(2, NodeType::standby, 1),
    record(3, NodeType::standby, 1),
    record(4, NodeType::witness, 1),
    record(5, NodeType::standby, 3),
    record(6, NodeType::standby, 1, false),
    record(7, NodeType::standby, std::nullopt),
};

}  // namespace

TEST_CASE("siblings are the failed primary's active standbys, the witness and stale standbys",
          "[failover]") {
    CHECK(ids(siblings_of(kNodes, 2, 1)) == std::vector<int>{3, 4, 7});
    CHECK_FALSE(is_sibling(kNodes[4], 2, 1));  // cascaded under node3
    CHECK_FALSE(is_sibling(kNodes[5], 2, 1));  // inactive
    CHECK_FALSE(is_sibling(kNodes[1], 2, 1));  // self
}

TEST_CASE("a lost primary calls for an election, a lost standby upstream for following the primary",
          "[failover]") {
    CHECK(failover_path(kNodes[0]) == FailoverPath::elect);
    CHECK(failover_path(kNodes[2]) == FailoverPath::follow_primary);
}

TEST_CASE("the election lock's voters are self and the visible siblings, lowest id first",
          "[failover]") {
    const auto siblings = siblings_of(kNodes, 3, 1);  // 2, 4, 7
    std::vector<NodeView> views(siblings.size());
    views[0].visible = true;   // node2
    views[1].visible = false;  // node4
    views[2].visible = true;   // node7
    CHECK(ids(election_voters(kNodes[2], siblings, views)) == std::vector<int>{2, 3, 7});
}

TEST_CASE("own_record takes priority and location from the metadata", "[failover]") {
    auto stale = record(2, NodeType::standby, 1);
    stale.priority = 5;
    auto nodes = kNodes;
    nodes[1].priority = 50;
    CHECK(own_record(nodes, stale).priority == 50);
    auto absent = record(9, NodeType::standby, 1);
    CHECK(own_record(nodes, absent).node_id == 9);
    const auto view = view_of(kNodes[3]);
    CHECK(view.witness);
    CHECK(view.node_name == "node4");
}

TEST_CASE("a promoted node tells every active non-primary node to follow", "[failover]") {
    CHECK(ids(nodes_to_notify(kNodes, 2)) == std::vector<int>{3, 4, 5, 7});
}

TEST_CASE(
    "new primary candidates leave out self, the failed node, witnesses and, while "
    "retrying, recorded primaries",
    "[failover]") {
    CHECK(ids(new_primary_candidates(kNodes, 5, 3, false)) == std::vector<int>{1, 2, 7});
    CHECK(ids(new_primary_candidates(kNodes, 5, 3, true)) == std::vector<int>{2, 7});
}

TEST_CASE("a standby is attached when it streams, a witness when it holds a session",
          "[failover]") {
    const auto children = children_of(kNodes, 1, {"node2", "node4"}, {"node4", "node3"});
    CHECK(children.registered.size() == 3);  // 2, 3, 4, and not the inactive 6
    CHECK(children.attached == std::set<int>{2, 4});
}
