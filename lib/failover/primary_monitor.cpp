#include "failover/primary_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgwarden::failover {

std::string_view state_name(PrimaryState state) {
    switch (state) {
        case PrimaryState::running:
            return "monitoring the primary";
        case PrimaryState::local_down:
            return "local node unreachable";
        case PrimaryState::handed_over:
            return "restarted as a standby";
        case PrimaryState::giving_up:
            return "giving up";
    }
    return "unknown";
}

namespace {
std::string describe(const ChildNode& node) {
    return fmt::format("node \"{}\" (ID: {})", node.node_name, node.node_id);
}
}  // namespace

PrimaryMonitor::PrimaryMonitor(PrimaryTiming timing, TimePoint now)
    : timing_(timing), next_local_check_(now), next_children_check_(now) {}

TimePoint PrimaryMonitor::next_wake() const {
    TimePoint wake = next_local_check_;
    if (state_ == PrimaryState::running)
        wake = std::min(wake, next_children_check_);
    if (down_since_ && timing_.degraded_monitoring_timeout)
        wake = std::min(wake, *down_since_ + *timing_.degraded_monitoring_timeout);
    return wake;
}

std::vector<Action> PrimaryMonitor::tick(TimePoint now) {
    std::vector<Action> actions;
    if (state_ == PrimaryState::handed_over || state_ == PrimaryState::giving_up)
        return actions;
    if (state_ == PrimaryState::local_down && timing_.degraded_monitoring_timeout &&
        now >= *down_since_ + *timing_.degraded_monitoring_timeout) {
        state_ = PrimaryState::giving_up;
        Action give_up = act(Act::give_up);
        give_up.detail = "degraded monitoring timeout reached";
        actions.push_back(give_up);
        return actions;
    }
    if (!local_check_in_flight_ && now >= next_local_check_) {
        local_check_in_flight_ = true;
        next_local_check_ = now + timing_.monitor_interval;
        actions.push_back(act(Act::check_local));
    }
    if (state_ == PrimaryState::running && !children_check_in_flight_ &&
        now >= next_children_check_) {
        children_check_in_flight_ = true;
        next_children_check_ = now + timing_.child_nodes_check_interval;
        actions.push_back(act(Act::check_children));
    }
    return actions;
}

std::vector<Action> PrimaryMonitor::local(LocalSeen seen, const std::string& detail,
                                          TimePoint now) {
    local_check_in_flight_ = false;
    std::vector<Action> actions;
    switch (seen) {
        case LocalSeen::primary:
            if (state_ == PrimaryState::local_down) {
                state_ = PrimaryState::running;
                down_since_.reset();
                actions.push_back(record("repmgrd_local_reconnect", true,
                                         "reconnected to local node, which is still a primary"));
            }
            break;
        case LocalSeen::standby:
            state_ = PrimaryState::handed_over;
            down_since_.reset();
            actions.push_back(
                record("repmgrd_standby_reconnect", true, "local node was restarted as a standby"));
            actions.push_back(act(Act::become_standby));
            break;
        case LocalSeen::unreachable:
            if (state_ == PrimaryState::running) {
                state_ = PrimaryState::local_down;
                down_since_ = now;
                // Checked again soon: a restart inside the window is ridden out.
                next_local_check_ = now + std::chrono::seconds(1);
                actions.push_back(record("repmgrd_local_disconnect", false,
                                         "unable to connect to local node: " + detail));
            }
            break;
    }
    return actions;
}

bool PrimaryMonitor::threshold_crossed(int connected, int disconnected) const {
    if (timing_.child_nodes_connected_min_count >= 0)
        return connected < timing_.child_nodes_connected_min_count;
    if (timing_.child_nodes_disconnect_min_count >= 0)
        return disconnected > timing_.child_nodes_disconnect_min_count;
    return false;
}

std::vector<Action> PrimaryMonitor::children(const std::vector<ChildNode>& registered,
                                             const std::set<int>& attached, TimePoint now) {
    children_check_in_flight_ = false;
    std::vector<Action> actions;
    int connected = 0;
    int disconnected = 0;
    for (const ChildNode& child : registered) {
        const bool is_attached = attached.count(child.node_id) != 0;
        const auto known = known_attached_.find(child.node_id);
        if (known == known_attached_.end()) {
            if (is_attached) {
                known_attached_[child.node_id] = true;
                if (baseline_taken_)
                    actions.push_back(
                        record("child_node_new_connect", true, describe(child) + " has connected"));
            }
        } else if (known->second != is_attached) {
            known->second = is_attached;
            actions.push_back(
                is_attached
                    ? record("child_node_reconnect", true, describe(child) + " has reconnected")
                    : record("child_node_disconnect", true, describe(child) + " has disconnected"));
        }
        if (child.witness && !timing_.child_nodes_connected_include_witness)
            continue;
        if (is_attached)
            ++connected;
        else if (known_attached_.count(child.node_id) != 0)
            ++disconnected;
    }
    baseline_taken_ = true;

    if (!threshold_crossed(connected, disconnected)) {
        threshold_since_.reset();
        command_ran_this_episode_ = false;
        return actions;
    }
    if (!threshold_since_)
        threshold_since_ = now;
    if (timing_.has_disconnect_command && !paused_ && !command_ran_this_episode_ &&
        now - *threshold_since_ >= timing_.child_nodes_disconnect_timeout) {
        command_ran_this_episode_ = true;
        Action command = act(Act::run_child_disconnect_command);
        command.detail =
            fmt::format("{} child nodes connected, {} disconnected", connected, disconnected);
        actions.push_back(command);
    }
    return actions;
}

}  // namespace pgwarden::failover
