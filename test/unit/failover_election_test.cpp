// The election, case by case: who wins, and when nobody may.
#include "failover/election.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;

namespace {

NodeView node(int id, std::uint64_t lsn, int priority = 100, std::string location = "default") {
    NodeView view;
    view.node_id = id;
    view.node_name = "node" + std::to_string(id);
    view.visible = true;
    view.priority = priority;
    view.location = std::move(location);
    view.lsn = lsn;
    view.timeline = 1;
    return view;
}

ElectionInput election(NodeView self, std::vector<NodeView> siblings) {
    ElectionInput input;
    input.self = std::move(self);
    input.siblings = std::move(siblings);
    input.primary_location = "default";
    input.monitor_interval_secs = 2;
    return input;
}

}  // namespace

TEST_CASE("the most advanced LSN wins over a higher priority", "[failover]") {
    auto outcome = decide_election(election(node(2, 100, 50), {node(3, 90, 200)}));
    CHECK(outcome.verdict == Verdict::won);
    CHECK(outcome.winner_node_id == 2);

    outcome = decide_election(election(node(3, 90, 200), {node(2, 100, 50)}));
    CHECK(outcome.verdict == Verdict::lost);
    CHECK(outcome.winner_node_id == 2);
}

TEST_CASE("on equal LSN the higher priority wins", "[failover]") {
    auto outcome = decide_election(election(node(2, 100, 100), {node(3, 100, 150)}));
    CHECK(outcome.verdict == Verdict::lost);
    CHECK(outcome.winner_node_id == 3);
}

TEST_CASE("a tie on LSN and priority goes to the lower node_id, on every node", "[failover]") {
    const auto from2 = decide_election(election(node(2, 100), {node(3, 100), node(4, 100)}));
    const auto from3 = decide_election(election(node(3, 100), {node(2, 100), node(4, 100)}));
    const auto from4 = decide_election(election(node(4, 100), {node(2, 100), node(3, 100)}));
    CHECK(from2.verdict == Verdict::won);
    CHECK(from3.verdict == Verdict::lost);
    CHECK(from4.verdict == Verdict::lost);
    CHECK(from3.winner_node_id == 2);
    CHECK(from4.winner_node_id == 2);
}

TEST_CASE("a node with priority 0 never wins, even with the best LSN", "[failover]") {
    auto outcome = decide_election(election(node(2, 500, 0), {node(3, 100)}));
    CHECK(outcome.verdict == Verdict::lost);
    CHECK(outcome.winner_node_id == 3);

    outcome = decide_election(election(node(3, 100), {node(2, 500, 0)}));
    CHECK(outcome.verdict == Verdict::won);
}

TEST_CASE("a lone standby with priority 0 does not promote", "[failover]") {
    const auto outcome = decide_election(election(node(2, 100, 0), {}));
    CHECK(outcome.verdict == Verdict::lost);
}

TEST_CASE("failover manual is never a candidate", "[failover]") {
    auto input = election(node(2, 100), {node(3, 50)});
    input.automatic = false;
    CHECK(decide_election(input).verdict == Verdict::not_candidate);
}

TEST_CASE("only nodes in the primary's location may win", "[failover]") {
    auto input = election(node(2, 500, 100, "dc2"), {node(3, 100, 100, "default")});
    auto outcome = decide_election(input);
    CHECK(outcome.verdict == Verdict::lost);
    CHECK(outcome.winner_node_id == 3);

    // Nobody visible in the primary's location: a network split, not a dead primary.
    input = election(node(2, 500, 100, "dc2"), {node(3, 100, 100, "dc2")});
    CHECK(decide_election(input).verdict == Verdict::cancelled);
}

TEST_CASE("no promotion without a majority of visible nodes", "[failover]") {
    auto invisible = node(3, 100);
    invisible.visible = false;
    auto outcome = decide_election(election(node(2, 100), {invisible}));
    CHECK(outcome.verdict == Verdict::cancelled);
    CHECK(outcome.visible_nodes == 1);
    CHECK(outcome.total_nodes == 2);

    // Two of three standbys visible is a majority.
    auto invisible4 = node(4, 100);
    invisible4.visible = false;
    outcome = decide_election(election(node(2, 100), {node(3, 90), invisible4}));
    CHECK(outcome.verdict == Verdict::won);
    CHECK(outcome.visible_nodes == 2);
}

TEST_CASE("a witness counts for the majority but is never a candidate", "[failover]") {
    auto witness = node(9, 0, 100);
    witness.witness = true;
    witness.lsn.reset();
    auto invisible = node(3, 100);
    invisible.visible = false;
    const auto outcome = decide_election(election(node(2, 100), {witness, invisible}));
    CHECK(outcome.verdict == Verdict::won);
    CHECK(outcome.visible_nodes == 2);
    CHECK(outcome.total_nodes == 3);
}

TEST_CASE("with visibility consensus a sibling that still sees the primary cancels", "[failover]") {
    auto sees = node(3, 100);
    sees.seconds_since_primary_seen = 1;
    auto input = election(node(2, 100), {sees});
    CHECK(decide_election(input).verdict == Verdict::won);  // consensus off: repmgr's default
    input.primary_visibility_consensus = true;
    CHECK(decide_election(input).verdict == Verdict::cancelled);

    // Seen long ago (more than twice monitor_interval_secs) does not count.
    input.siblings[0].seconds_since_primary_seen = 10;
    CHECK(decide_election(input).verdict == Verdict::won);
}

TEST_CASE("a sibling that is already a primary is followed instead of an election", "[failover]") {
    auto promoted = node(3, 90);
    promoted.in_recovery = false;
    promoted.timeline = 2;
    auto outcome = decide_election(election(node(2, 100), {promoted}));
    CHECK(outcome.verdict == Verdict::follow_existing_primary);
    CHECK(outcome.winner_node_id == 3);

    // A primary on the same timeline behind this node cannot be followed: ignored, and alone
    // it is not a majority either.
    promoted.timeline = 1;
    outcome = decide_election(election(node(2, 100), {promoted}));
    CHECK(outcome.verdict == Verdict::won);
}

TEST_CASE("a sibling without a running daemon is not a candidate", "[failover]") {
    auto idle = node(3, 500, 200);
    idle.daemon_running = false;
    const auto outcome = decide_election(election(node(2, 100), {idle}));
    CHECK(outcome.verdict == Verdict::won);
}

TEST_CASE("the election lock needs more than half of all nodes", "[failover]") {
    CHECK(holds_majority(1, 1));
    CHECK_FALSE(holds_majority(1, 2));
    CHECK(holds_majority(2, 3));
    CHECK_FALSE(holds_majority(2, 4));
    CHECK(holds_majority(3, 4));
    CHECK_FALSE(holds_majority(0, 0));
    // Two disjoint lock sets can never both be majorities of the same nodes.
    for (int total = 1; total <= 7; ++total)
        for (int a = 0; a <= total; ++a)
            CHECK_FALSE((holds_majority(a, total) && holds_majority(total - a, total)));
}

TEST_CASE("following a promoted node needs a later timeline or an LSN not behind", "[failover]") {
    CHECK(can_follow(1, 500, 2, 100));
    CHECK(can_follow(1, 100, 1, 100));
    CHECK_FALSE(can_follow(1, 500, 1, 100));
    CHECK_FALSE(can_follow(3, 100, 2, 900));
}
