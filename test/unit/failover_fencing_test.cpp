// Fencing's verdicts from what the primary's daemon saw, and the lease the probe trusts.
#include "failover/fencing.hpp"
#include "failover/lease.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;
using namespace std::chrono_literals;

namespace {

PeerSeen standby(int id, bool reachable, std::uint32_t timeline = 1) {
    PeerSeen peer;
    peer.node_id = id;
    peer.reachable = reachable;
    peer.timeline = timeline;
    peer.recorded_primary = 1;
    return peer;
}

PrimaryEvidence three_nodes(PeerSeen a, PeerSeen b) {
    PrimaryEvidence evidence;
    evidence.self_id = 1;
    evidence.own_timeline = 1;
    evidence.peers = {a, b};
    return evidence;
}

}  // namespace

TEST_CASE("a primary that sees a majority and nobody newer is confirmed", "[fencing]") {
    const auto verdict = judge_standing(three_nodes(standby(2, true), standby(3, false)));
    CHECK(verdict.standing == Standing::confirmed);
    CHECK(verdict.seen_nodes == 2);
    CHECK(verdict.total_nodes == 3);
    CHECK(verdict.reason == "2 of 3 nodes seen");
}

TEST_CASE("a primary cut off from both standbys is isolated", "[fencing]") {
    const auto verdict = judge_standing(three_nodes(standby(2, false), standby(3, false)));
    CHECK(verdict.standing == Standing::isolated);
    CHECK(verdict.reason == "only 1 of 3 nodes seen: no majority");
}

TEST_CASE("two nodes without a witness: the primary alone is no majority", "[fencing]") {
    PrimaryEvidence evidence;
    evidence.self_id = 1;
    evidence.own_timeline = 1;
    evidence.peers = {standby(2, false)};
    CHECK(judge_standing(evidence).standing == Standing::isolated);
    evidence.peers[0].reachable = true;
    CHECK(judge_standing(evidence).standing == Standing::confirmed);
}

TEST_CASE("a peer on a later timeline or out of recovery supersedes this primary", "[fencing]") {
    auto later = judge_standing(three_nodes(standby(2, true, 2), standby(3, true)));
    CHECK(later.standing == Standing::superseded);
    CHECK(later.superseded_by == 2);
    CHECK(later.reason ==
          "another node was promoted after this one: node 2 is on timeline 2, later than this "
          "node's 1");
    auto other_primary = standby(3, true, 1);
    other_primary.in_recovery = false;
    CHECK(judge_standing(three_nodes(standby(2, true), other_primary)).standing ==
          Standing::superseded);
    // An old primary on an earlier timeline, started again, does not fence the new one.
    PrimaryEvidence newer = three_nodes(standby(2, true, 2), other_primary);
    newer.self_id = 2;
    newer.own_timeline = 2;
    newer.peers[0].node_id = 3;
    newer.peers[1].node_id = 1;
    CHECK(judge_standing(newer).standing == Standing::confirmed);
}

TEST_CASE("metadata that marked this node failed and names another primary supersedes it",
          "[fencing]") {
    auto knows = standby(3, true);
    knows.recorded_primary = 2;
    knows.records_self_inactive = true;
    CHECK(judge_standing(three_nodes(standby(2, false), knows)).standing == Standing::superseded);
    // A stale copy that still names this node, or names another without marking this one
    // failed, is no evidence of a promotion.
    auto stale = standby(3, true);
    stale.recorded_primary = 2;
    CHECK(judge_standing(three_nodes(standby(2, true), stale)).standing == Standing::confirmed);
}

TEST_CASE("a witness counts for the majority but its own timeline and role do not matter",
          "[fencing]") {
    auto witness = standby(4, true, 7);
    witness.witness = true;
    witness.in_recovery = false;
    PrimaryEvidence evidence = three_nodes(standby(2, false), standby(3, true));
    evidence.peers.push_back(witness);
    const auto verdict = judge_standing(evidence);
    CHECK(verdict.standing == Standing::confirmed);
    CHECK(verdict.seen_nodes == 3);
}

TEST_CASE("no standby may elect before the old lease and HAProxy's reaction are over",
          "[fencing]") {
    FenceSettings settings;
    settings.timeout = 10s;
    settings.balancer_margin = 6s;
    CHECK(promotion_guard(settings) == 16s);
    CHECK(parse_fence_action("read-only") == FenceAction::read_only);
    CHECK_FALSE(parse_fence_action("maybe"));
    CHECK(fence_action_name(FenceAction::stop) == "stop");
}

TEST_CASE("a lease survives its text form", "[fencing]") {
    Lease lease;
    lease.node_id = 2;
    lease.verdict = LeaseVerdict::primary;
    lease.timeline = 3;
    lease.boot_id = "b";
    lease.valid_until_ms = 123456;
    lease.daemon_pid = 77;
    lease.reason = "2 of 3 nodes seen";
    std::string error;
    const auto back = parse_lease(format_lease(lease), &error);
    REQUIRE(back);
    CHECK(back->node_id == 2);
    CHECK(back->verdict == LeaseVerdict::primary);
    CHECK(back->valid_until_ms == 123456);
    CHECK(back->reason == "2 of 3 nodes seen");
    CHECK_FALSE(parse_lease("node_id=2\nverdict=maybe\nvalid_until_ms=1\n", &error));
    CHECK(error == "line 2: invalid value \"maybe\" for verdict");
    CHECK_FALSE(parse_lease("node_id=2\n", &error));
}

TEST_CASE("the probe answers 200 only under a valid primary lease for this node, this boot",
          "[fencing]") {
    Lease lease;
    lease.node_id = 1;
    lease.verdict = LeaseVerdict::primary;
    lease.boot_id = "boot";
    lease.valid_until_ms = 10'000;
    LeaseLook look{true, lease, {}};
    CHECK(answer_from_lease(look, FencingMode::on, 1, "boot", 9'999).allows_primary);
    CHECK_FALSE(answer_from_lease(look, FencingMode::on, 1, "boot", 10'000).allows_primary);
    CHECK_FALSE(answer_from_lease(look, FencingMode::on, 1, "other boot", 5).allows_primary);
    CHECK_FALSE(answer_from_lease(look, FencingMode::on, 2, "boot", 5).allows_primary);
    look.lease->verdict = LeaseVerdict::fenced;
    const auto fenced = answer_from_lease(look, FencingMode::auto_, 1, "boot", 5);
    CHECK(fenced.enforced);
    CHECK_FALSE(fenced.allows_primary);
}

TEST_CASE("without a lease file the probe runs alone in auto mode and fails safe when on",
          "[fencing]") {
    const LeaseLook none{};
    const auto alone = answer_from_lease(none, FencingMode::auto_, 1, "boot", 5);
    CHECK_FALSE(alone.enforced);
    CHECK(alone.allows_primary);
    const auto required = answer_from_lease(none, FencingMode::on, 1, "boot", 5);
    CHECK(required.enforced);
    CHECK_FALSE(required.allows_primary);
    CHECK(answer_from_lease(none, FencingMode::off, 1, "boot", 5).allows_primary);
    const LeaseLook broken{true, std::nullopt, "line 1: garbage"};
    CHECK_FALSE(answer_from_lease(broken, FencingMode::auto_, 1, "boot", 5).allows_primary);
}
