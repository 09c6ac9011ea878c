#include "failover/membership.hpp"

#include <algorithm>

namespace pgwarden::failover {

using model::NodeType;

FailoverPath failover_path(const NodeRecord& failed_upstream) {
    return failed_upstream.type == NodeType::primary ? FailoverPath::elect
                                                     : FailoverPath::follow_primary;
}

bool is_sibling(const NodeRecord& node, int self_id, int failed_primary_id) {
    if (!node.active || node.node_id == self_id || node.node_id == failed_primary_id)
        return false;
    if (node.type == NodeType::witness)
        return true;
    return node.type == NodeType::standby &&
           (!node.upstream_node_id || node.upstream_node_id == failed_primary_id);
}

std::vector<NodeRecord> siblings_of(const std::vector<NodeRecord>& nodes, int self_id,
                                    int failed_primary_id) {
    std::vector<NodeRecord> siblings;
    for (const auto& node : nodes)
        if (is_sibling(node, self_id, failed_primary_id))
            siblings.push_back(node);
    return siblings;
}

NodeRecord own_record(const std::vector<NodeRecord>& nodes, const NodeRecord& fallback) {
    for (const auto& node : nodes)
        if (node.node_id == fallback.node_id)
            return node;
    return fallback;
}

NodeView view_of(const NodeRecord& record) {
    NodeView view;
    view.node_id = record.node_id;
    view.node_name = record.node_name;
    view.witness = record.type == NodeType::witness;
    view.priority = record.priority;
    view.location = record.location;
    return view;
}

std::vector<NodeRecord> election_voters(const NodeRecord& own,
                                        const std::vector<NodeRecord>& siblings,
                                        const std::vector<NodeView>& views) {
    std::vector<NodeRecord> voters{own};
    for (std::size_t i = 0; i < siblings.size() && i < views.size(); ++i)
        if (views[i].visible)
            voters.push_back(siblings[i]);
    std::sort(voters.begin(), voters.end(),
              [](const auto& a, const auto& b) { return a.node_id < b.node_id; });
    return voters;
}

std::vector<NodeRecord> nodes_to_notify(const std::vector<NodeRecord>& nodes, int self_id) {
    std::vector<NodeRecord> others;
    for (const auto& node : nodes)
        if (node.active && node.node_id != self_id && node.type != NodeType::primary)
            others.push_back(node);
    return others;
}

std::vector<NodeRecord> new_primary_candidates(const std::vector<NodeRecord>& nodes, int self_id,
                                               int failed_upstream_id, bool newly_promoted_only) {
    std::vector<NodeRecord> candidates;
    for (const auto& node : nodes)
        if (node.active && node.node_id != self_id && node.node_id != failed_upstream_id &&
            node.type != NodeType::witness &&
            !(newly_promoted_only && node.type == NodeType::primary))
            candidates.push_back(node);
    return candidates;
}

std::vector<NodeRecord> standing_voters(const std::vector<NodeRecord>& nodes, int self_id) {
    return siblings_of(nodes, 0, self_id);
}

Children children_of(const std::vector<NodeRecord>& nodes, int self_id,
                     const std::set<std::string>& streaming_names,
                     const std::set<std::string>& client_names) {
    Children children;
    for (const auto& node : nodes) {
        if (!node.active || node.upstream_node_id != self_id)
            continue;
        const bool witness = node.type == NodeType::witness;
        children.registered.push_back({node.node_id, node.node_name, witness});
        const auto& seen = witness ? client_names : streaming_names;
        if (seen.count(node.node_name) != 0)
            children.attached.insert(node.node_id);
    }
    return children;
}

}  // namespace pgwarden::failover
