#include "failover/fencing.hpp"

#include <fmt/format.h>

namespace pgwarden::failover {

std::optional<FenceAction> parse_fence_action(std::string_view text) {
    if (text == "off")
        return FenceAction::off;
    if (text == "probe")
        return FenceAction::probe;
    if (text == "read-only" || text == "read_only")
        return FenceAction::read_only;
    if (text == "stop")
        return FenceAction::stop;
    return std::nullopt;
}

std::string_view fence_action_name(FenceAction action) {
    switch (action) {
        case FenceAction::off:
            return "off";
        case FenceAction::probe:
            return "probe";
        case FenceAction::read_only:
            return "read-only";
        case FenceAction::stop:
            return "stop";
    }
    return "unknown";
}

std::chrono::seconds promotion_guard(const FenceSettings& settings) {
    return settings.timeout + settings.balancer_margin;
}

std::string_view standing_name(Standing standing) {
    switch (standing) {
        case Standing::confirmed:
            return "confirmed";
        case Standing::isolated:
            return "isolated";
        case Standing::superseded:
            return "superseded";
    }
    return "unknown";
}

namespace {

// Evidence that `peer` knows of a promotion after this node's: a primary or a standby on a
// later timeline, another primary on the same timeline (the two cannot be told apart, so this
// one steps back), or metadata that marked this node failed and names another primary. A
// primary on an earlier timeline is the stale one: its own daemon fences it.
std::optional<std::string> newer_than_self(const PeerSeen& peer, const PrimaryEvidence& evidence) {
    if (!peer.reachable)
        return std::nullopt;
    if (!peer.witness && peer.timeline > evidence.own_timeline)
        return fmt::format("node {} is on timeline {}, later than this node's {}", peer.node_id,
                           peer.timeline, evidence.own_timeline);
    if (!peer.witness && !peer.in_recovery && peer.timeline == evidence.own_timeline)
        return fmt::format("node {} is a primary too (timeline {}, this node's {})", peer.node_id,
                           peer.timeline, evidence.own_timeline);
    if (peer.records_self_inactive && peer.recorded_primary &&
        *peer.recorded_primary != evidence.self_id)
        return fmt::format(
            "node {}'s metadata marks this node failed and names node {} the "
            "primary",
            peer.node_id, *peer.recorded_primary);
    return std::nullopt;
}

}  // namespace

StandingVerdict judge_standing(const PrimaryEvidence& evidence) {
    StandingVerdict verdict;
    verdict.seen_nodes = 1;
    verdict.total_nodes = static_cast<int>(evidence.peers.size()) + 1;
    for (const PeerSeen& peer : evidence.peers) {
        if (auto why = newer_than_self(peer, evidence)) {
            verdict.standing = Standing::superseded;
            verdict.superseded_by = peer.node_id;
            verdict.reason = "another node was promoted after this one: " + *why;
            return verdict;
        }
        if (peer.reachable)
            ++verdict.seen_nodes;
    }
    if (verdict.seen_nodes * 2 > verdict.total_nodes) {
        verdict.standing = Standing::confirmed;
        verdict.reason =
            fmt::format("{} of {} nodes seen", verdict.seen_nodes, verdict.total_nodes);
    } else {
        verdict.standing = Standing::isolated;
        verdict.reason = fmt::format("only {} of {} nodes seen: no majority", verdict.seen_nodes,
                                     verdict.total_nodes);
    }
    return verdict;
}

}  // namespace pgwarden::failover
