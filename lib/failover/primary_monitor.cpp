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

std::string_view observed_name(PrimaryObserved what) {
    switch (what) {
        case PrimaryObserved::tick:
            return "tick";
        case PrimaryObserved::local_primary:
            return "local_primary";
        case PrimaryObserved::local_standby:
            return "local_standby";
        case PrimaryObserved::local_unreachable:
            return "local_unreachable";
        case PrimaryObserved::children_seen:
            return "children_seen";
        case PrimaryObserved::children_unknown:
            return "children_unknown";
    }
    return "unknown";
}

namespace {

std::string describe(const ChildNode& node) {
    return fmt::format("node \"{}\" (ID: {})", node.node_name, node.node_id);
}

std::string_view name_of_state(PrimaryState state) {
    return state_name(state);
}

}  // namespace

struct PrimaryMonitor::Step {
    PrimaryMonitor& m;
    const PrimaryObservation& seen;
    TimePoint now;
    std::vector<PrimaryAction>& actions;
    std::vector<std::string>& notes;

    PrimaryState state() const { return m.state_; }
};

// The rows' guards and actions, named so the table reads as the policy.
struct PrimaryRows {
    using Step = PrimaryMonitor::Step;
    using S = PrimaryState;

    static bool local_check_due(const Step& s) {
        return !s.m.local_check_in_flight_ && s.now >= s.m.next_local_check_;
    }
    static bool children_check_due(const Step& s) {
        return !s.m.children_check_in_flight_ && s.now >= s.m.next_children_check_;
    }
    static bool give_up_due(const Step& s) {
        return s.m.timing_.degraded_monitoring_timeout && s.m.down_since_ &&
               s.now >= *s.m.down_since_ + *s.m.timing_.degraded_monitoring_timeout;
    }

    static void start_local_check(Step& s) {
        s.m.local_check_in_flight_ = true;
        s.m.next_local_check_ = s.now + s.m.timing_.monitor_interval;
        s.actions.push_back(CheckLocal{});
    }
    static void start_children_check(Step& s) {
        s.m.children_check_in_flight_ = true;
        s.m.next_children_check_ = s.now + s.m.timing_.child_nodes_check_interval;
        s.actions.push_back(CheckChildren{});
    }
    static void give_up(Step& s) {
        s.m.state_ = S::giving_up;
        s.actions.push_back(GiveUp{"degraded monitoring timeout reached"});
    }
    static void end_local_check(Step& s) { s.m.local_check_in_flight_ = false; }
    static void local_back(Step& s) {
        end_local_check(s);
        s.m.state_ = S::running;
        s.m.down_since_.reset();
        s.actions.push_back(RecordEvent{"repmgrd_local_reconnect", true,
                                        "reconnected to local node, which is still a primary"});
    }
    static void hand_over(Step& s) {
        end_local_check(s);
        s.m.state_ = S::handed_over;
        s.m.down_since_.reset();
        s.actions.push_back(RecordEvent{"repmgrd_standby_reconnect", true,
                                        "local node was restarted as a standby"});
        s.actions.push_back(BecomeStandby{});
    }
    static void lose_local(Step& s) {
        end_local_check(s);
        s.m.state_ = S::local_down;
        s.m.down_since_ = s.now;
        // Checked again soon: a restart inside the window is ridden out.
        s.m.next_local_check_ = s.now + std::chrono::seconds(1);
        s.actions.push_back(RecordEvent{"repmgrd_local_disconnect", false,
                                        "unable to connect to local node: " + s.seen.detail});
    }
    static void end_children_check(Step& s) { s.m.children_check_in_flight_ = false; }
    static void count_children(Step& s) {
        end_children_check(s);
        s.m.count_children(s.seen.registered, s.seen.attached, s.now, s.actions);
    }
};

const std::vector<PrimaryMonitor::Transition>& PrimaryMonitor::transitions() {
    using S = PrimaryState;
    using O = PrimaryObserved;
    using R = PrimaryRows;
    static const std::vector<Transition> table{
        // --- running: the local primary answers ---
        {S::running, O::tick, "a local check is due", R::local_check_due, R::start_local_check, "=",
         "check the local node every monitor_interval_secs"},
        {S::running, O::tick, "a children check is due", R::children_check_due,
         R::start_children_check, "=",
         "count the standbys attached every child_nodes_check_interval"},
        {S::running, O::local_primary, nullptr, nullptr, R::end_local_check, "=",
         "the local node answers and is still a primary"},
        {S::running, O::local_standby, nullptr, nullptr, R::hand_over, "restarted as a standby",
         "the local node was restarted as a standby: monitor it as one"},
        {S::running, O::local_unreachable, nullptr, nullptr, R::lose_local,
         "local node unreachable",
         "the local node does not answer: checked again in a second, a restart is ridden out"},
        {S::running, O::children_seen, nullptr, nullptr, R::count_children, "=",
         "child_node_* events for each change; child_nodes_disconnect_command past its "
         "threshold and timeout"},
        {S::running, O::children_unknown, nullptr, nullptr, R::end_children_check, "=",
         "the children could not be counted: nothing is concluded"},

        // --- local_down: waiting for the local node ---
        {S::local_down, O::tick, "degraded_monitoring_timeout passed", R::give_up_due, R::give_up,
         "giving up", "down for degraded_monitoring_timeout: the daemon exits"},
        {S::local_down, O::tick, "a local check is due", R::local_check_due, R::start_local_check,
         "=", "is the local node back?"},
        {S::local_down, O::local_primary, nullptr, nullptr, R::local_back, "monitoring the primary",
         "the local node is back and still a primary"},
        {S::local_down, O::local_standby, nullptr, nullptr, R::hand_over, "restarted as a standby",
         "the local node came back as a standby: monitor it as one"},
        {S::local_down, O::local_unreachable, nullptr, nullptr, R::end_local_check, "=",
         "the local node is still down"},
        {S::local_down, O::children_seen, nullptr, nullptr, R::count_children, "=",
         "a children check started before the node went down"},
        {S::local_down, O::children_unknown, nullptr, nullptr, R::end_children_check, "=",
         "the children could not be counted: nothing is concluded"},
    };
    return table;
}

std::string PrimaryMonitor::describe_table() {
    return print_rows("primary machine", transitions(), name_of_state, observed_name);
}

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

PrimaryStep PrimaryMonitor::handle(const PrimaryObservation& observation, TimePoint now) {
    PrimaryStep out;
    Step step{*this, observation, now, out.actions, out.notes};
    run_rows(transitions(), step, observation.what, PrimaryObserved::tick, name_of_state,
             observed_name);
    return out;
}

PrimaryStep PrimaryMonitor::local(LocalSeen seen, const std::string& detail, TimePoint now) {
    PrimaryObservation observation;
    observation.what = seen == LocalSeen::primary   ? PrimaryObserved::local_primary
                       : seen == LocalSeen::standby ? PrimaryObserved::local_standby
                                                    : PrimaryObserved::local_unreachable;
    observation.detail = detail;
    return handle(observation, now);
}

PrimaryStep PrimaryMonitor::children(const std::vector<ChildNode>& registered,
                                     const std::set<int>& attached, TimePoint now) {
    PrimaryObservation observation;
    observation.what = PrimaryObserved::children_seen;
    observation.registered = registered;
    observation.attached = attached;
    return handle(observation, now);
}

bool PrimaryMonitor::threshold_crossed(int connected, int disconnected) const {
    if (timing_.child_nodes_connected_min_count >= 0)
        return connected < timing_.child_nodes_connected_min_count;
    if (timing_.child_nodes_disconnect_min_count >= 0)
        return disconnected > timing_.child_nodes_disconnect_min_count;
    return false;
}

void PrimaryMonitor::count_children(const std::vector<ChildNode>& registered,
                                    const std::set<int>& attached, TimePoint now,
                                    std::vector<PrimaryAction>& actions) {
    int connected = 0;
    int disconnected = 0;
    for (const ChildNode& child : registered) {
        const bool is_attached = attached.count(child.node_id) != 0;
        const auto known = known_attached_.find(child.node_id);
        if (known == known_attached_.end()) {
            if (is_attached) {
                known_attached_[child.node_id] = true;
                if (baseline_taken_)
                    actions.push_back(RecordEvent{"child_node_new_connect", true,
                                                  describe(child) + " has connected"});
            }
        } else if (known->second != is_attached) {
            known->second = is_attached;
            actions.push_back(is_attached ? RecordEvent{"child_node_reconnect", true,
                                                        describe(child) + " has reconnected"}
                                          : RecordEvent{"child_node_disconnect", true,
                                                        describe(child) + " has disconnected"});
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
        return;
    }
    if (!threshold_since_)
        threshold_since_ = now;
    if (timing_.has_disconnect_command && !paused_ && !command_ran_this_episode_ &&
        now - *threshold_since_ >= timing_.child_nodes_disconnect_timeout) {
        command_ran_this_episode_ = true;
        actions.push_back(RunChildDisconnectCommand{
            fmt::format("{} child nodes connected, {} disconnected", connected, disconnected)});
    }
}

}  // namespace pgwarden::failover
