#include "failover/election.hpp"

#include "model/lsn.hpp"

#include <fmt/format.h>

namespace pgwarden::failover {
namespace {

std::string describe(const NodeView& node) {
    return fmt::format("\"{}\" (ID: {})", node.node_name, node.node_id);
}

std::uint64_t lsn_of(const NodeView& node) {
    return node.lsn.value_or(0);
}

ElectionOutcome finish(ElectionOutcome outcome, Verdict verdict, int winner, std::string reason) {
    outcome.verdict = verdict;
    outcome.winner_node_id = winner;
    outcome.reasons.push_back(std::move(reason));
    return outcome;
}

// The lowest WAL position a candidate must have reached: synchronous replication's safe position
// and maximum_lag_on_failover's limit, whichever is higher.
struct PromotionFloor {
    bool nobody_safe = false;  // synchronous replication applies and no node is known safe
    std::optional<std::uint64_t> sync_lsn;
    std::optional<std::uint64_t> lag_lsn;
    std::string sync_reason;
};

PromotionFloor promotion_floor(const ElectionInput& input) {
    PromotionFloor floor;
    if (!input.sync) {
        SyncSnapshot local;
        local.standby_names = input.local_standby_names;
        if (waits_for_standbys(local)) {
            floor.nobody_safe = true;
            floor.sync_reason = fmt::format(
                "this daemon never saw the primary's synchronous standbys, and this node's "
                "synchronous_standby_names is \"{}\": no node is known to hold every "
                "acknowledged commit (compare the nodes' LSNs and promote by hand)",
                input.local_standby_names);
        }
        return floor;
    }
    // The electing node is always visible to itself.
    std::vector<SyncCandidate> standbys{{input.self.node_name, true, input.self.lsn}};
    for (const auto& node : input.siblings)
        if (!node.witness && node.in_recovery)
            standbys.push_back({node.node_name, node.visible, node.lsn});
    const auto safe = safe_promotion_position(*input.sync, input.primary_name, standbys);
    if (safe.applies) {
        floor.nobody_safe = !safe.lsn;
        floor.sync_lsn = safe.lsn;
        floor.sync_reason = safe.reason;
    }
    floor.lag_lsn = lag_limit_position(*input.sync, input.maximum_lag_bytes);
    return floor;
}

// Why `node` may not be promoted under the floor; nothing when it may.
std::optional<std::string> below_floor(const NodeView& node, const PromotionFloor& floor,
                                       const ElectionInput& input) {
    if (floor.nobody_safe)
        return fmt::format("node {} is not promoted: {}", describe(node), floor.sync_reason);
    if (floor.sync_lsn && lsn_of(node) < *floor.sync_lsn)
        return fmt::format(
            "node {} (LSN {}) is not promoted: it may lack a commit the primary "
            "acknowledged ({})",
            describe(node), model::format_lsn(model::Lsn(lsn_of(node))), floor.sync_reason);
    if (floor.lag_lsn && lsn_of(node) < *floor.lag_lsn)
        return fmt::format(
            "node {} (LSN {}) is not promoted: it is {} bytes behind the "
            "primary's last seen LSN {}, more than maximum-lag-on-failover ({})",
            describe(node), model::format_lsn(model::Lsn(lsn_of(node))),
            input.sync->primary_lsn - lsn_of(node),
            model::format_lsn(model::Lsn(input.sync->primary_lsn)), *input.maximum_lag_bytes);
    return std::nullopt;
}

}  // namespace

bool better_candidate(const NodeView& a, const NodeView& b) {
    if (lsn_of(a) != lsn_of(b))
        return lsn_of(a) > lsn_of(b);
    if (a.priority != b.priority)
        return a.priority > b.priority;
    return a.node_id < b.node_id;
}

bool can_follow(std::uint32_t own_timeline, std::uint64_t own_lsn, std::uint32_t primary_timeline,
                std::uint64_t primary_lsn) {
    if (primary_timeline != own_timeline)
        return primary_timeline > own_timeline;
    return primary_lsn >= own_lsn;
}

bool holds_majority(int locked_nodes, int total_nodes) {
    return total_nodes > 0 && locked_nodes * 2 > total_nodes;
}

ElectionOutcome decide_election(const ElectionInput& input) {
    const NodeView& self = input.self;
    ElectionOutcome outcome;
    outcome.visible_nodes = 1;
    outcome.total_nodes = static_cast<int>(input.siblings.size()) + 1;

    if (!input.automatic)
        return finish(outcome, Verdict::not_candidate, 0,
                      "failover is set to \"manual\": this node is not a promotion candidate");

    const PromotionFloor floor = promotion_floor(input);
    if (!input.sync && input.maximum_lag_bytes)
        outcome.reasons.push_back(
            "maximum-lag-on-failover is not applied: this daemon never saw the primary's WAL "
            "position");
    // Refused for the data it may lack: said once per node, kept for service status.
    auto refused = [&](const NodeView& node) {
        const auto why = below_floor(node, floor, input);
        if (why) {
            outcome.reasons.push_back(*why);
            outcome.refusals.push_back(*why);
        }
        return why.has_value();
    };
    bool self_eligible = self.priority > 0 && self.location == input.primary_location;
    if (self_eligible && refused(self))
        self_eligible = false;
    if (input.siblings.empty()) {
        if (self.location != input.primary_location)
            return finish(outcome, Verdict::cancelled, 0,
                          fmt::format("no other nodes, and this node's location \"{}\" is not the "
                                      "primary's location \"{}\"",
                                      self.location, input.primary_location));
        if (self.priority <= 0)
            return finish(outcome, Verdict::lost, 0,
                          "this node has priority 0 and can never be promoted");
        if (!self_eligible)
            return finish(outcome, Verdict::cancelled, 0,
                          "no other nodes, and this node may not be promoted");
        // repmgr's behaviour: a lone standby wins. Without a witness a partition looks the same
        // as a dead primary, so the reason says so.
        return finish(outcome, Verdict::won, self.node_id,
                      "no other nodes: this node wins (add a witness node to tell a dead primary "
                      "from a network partition)");
    }

    int nodes_in_primary_location = self.location == input.primary_location ? 1 : 0;
    const NodeView* candidate = self_eligible ? &self : nullptr;
    const NodeView* sees_primary = nullptr;

    for (const NodeView& node : input.siblings) {
        if (!node.visible) {
            outcome.reasons.push_back(fmt::format("node {} is not visible", describe(node)));
            continue;
        }
        ++outcome.visible_nodes;
        if (node.location == input.primary_location)
            ++nodes_in_primary_location;
        if (node.seconds_since_primary_seen &&
            *node.seconds_since_primary_seen < 2 * input.monitor_interval_secs &&
            sees_primary == nullptr)
            sees_primary = &node;
        if (node.witness)
            continue;
        if (!node.in_recovery) {
            if (can_follow(self.timeline, lsn_of(self), node.timeline, lsn_of(node)))
                return finish(outcome, Verdict::follow_existing_primary, node.node_id,
                              fmt::format("node {} is already a primary this node can follow",
                                          describe(node)));
            outcome.reasons.push_back(fmt::format(
                "node {} is not in recovery but this node cannot follow it (timeline {}, "
                "this node's timeline {}): ignoring it",
                describe(node), node.timeline, self.timeline));
            continue;
        }
        if (!node.daemon_running) {
            outcome.reasons.push_back(fmt::format(
                "node {} has no failover daemon running: not a candidate", describe(node)));
            continue;
        }
        if (node.priority <= 0 || node.location != input.primary_location || refused(node))
            continue;
        if (candidate == nullptr || better_candidate(node, *candidate)) {
            if (candidate != nullptr)
                outcome.reasons.push_back(fmt::format(
                    "node {} (LSN {:X}, priority {}) is a better candidate than node {} (LSN {:X}, "
                    "priority {})",
                    describe(node), lsn_of(node), node.priority, describe(*candidate),
                    lsn_of(*candidate), candidate->priority));
            candidate = &node;
        }
    }

    if (nodes_in_primary_location == 0)
        return finish(outcome, Verdict::cancelled, 0,
                      fmt::format("no visible node is in the primary's location \"{}\": "
                                  "assuming a network split",
                                  input.primary_location));
    if (input.fence_guard_secs)
        for (const NodeView& node : input.siblings)
            if (node.visible && node.seconds_since_primary_seen &&
                *node.seconds_since_primary_seen < *input.fence_guard_secs)
                return finish(outcome, Verdict::cancelled, 0,
                              fmt::format("node {} reached the primary {} s ago, within the "
                                          "fence guard ({} s): its lease may still be valid",
                                          describe(node), *node.seconds_since_primary_seen,
                                          *input.fence_guard_secs));
    if (input.primary_visibility_consensus && sees_primary != nullptr)
        return finish(outcome, Verdict::cancelled, 0,
                      fmt::format("node {} still sees the primary "
                                  "(primary_visibility_consensus is on)",
                                  describe(*sees_primary)));
    if (!holds_majority(outcome.visible_nodes, outcome.total_nodes))
        return finish(outcome, Verdict::cancelled, 0,
                      fmt::format("only {} of {} nodes are visible: no majority",
                                  outcome.visible_nodes, outcome.total_nodes));
    if (candidate == nullptr)
        return finish(outcome, Verdict::cancelled, 0,
                      outcome.refusals.empty()
                          ? std::string("no visible node can be promoted")
                          : std::string("no visible node can be promoted without the risk of "
                                        "losing a commit the primary acknowledged"));
    if (candidate == &self)
        return finish(outcome, Verdict::won, self.node_id,
                      fmt::format("this node is the best candidate ({} of {} nodes visible)",
                                  outcome.visible_nodes, outcome.total_nodes));
    return finish(outcome, Verdict::lost, candidate->node_id,
                  fmt::format("node {} is the best candidate", describe(*candidate)));
}

}  // namespace pgwarden::failover
