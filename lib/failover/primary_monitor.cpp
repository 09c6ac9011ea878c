#include "failover/primary_monitor.hpp"

#include "failover/primary_rows.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pgwarden::failover {

std::string_view state_name(PrimaryState state) {
    switch (state) {
        case PrimaryState::running:
            return "monitoring the primary";
        case PrimaryState::isolated:
            return "isolated";
        case PrimaryState::fenced:
            return "fenced";
        case PrimaryState::local_down:
            return "local node unreachable";
        case PrimaryState::handing_over:
            return "handing over";
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
        case PrimaryObserved::peers_seen:
            return "peers_seen";
        case PrimaryObserved::promoted:
            return "promoted";
        case PrimaryObserved::switchover_requested:
            return "switchover_requested";
        case PrimaryObserved::handover_done:
            return "handover_done";
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
        {S::running, O::tick, "the lease ran out unrenewed", R::lease_ran_out, R::fence_isolated,
         "fenced", "no confirmation for fence_timeout (checks did not finish): fenced"},
        {S::running, O::tick, "a peers check is due", R::peers_check_due, R::start_peers_check, "=",
         "ask every other node, over this daemon's own connections, who the primary is"},
        {S::running, O::peers_seen, "fence-action is off", R::fencing_off, R::renew_unfenced, "=",
         "fencing is off: the lease follows the local role alone (repmgrd's behaviour)"},
        {S::running, O::peers_seen, "standing confirmed", R::confirmed, R::renew, "=",
         "a majority is seen and nobody was promoted after this node: the lease is renewed"},
        {S::running, O::peers_seen, "no majority", R::isolated, R::lose_majority, "isolated",
         "no majority is seen: the lease is not renewed and runs out after fence_timeout"},
        {S::running, O::peers_seen, "another node promoted", R::superseded, R::fence_superseded,
         "fenced", "another node was promoted after this one: fenced at once"},
        {S::running, O::promoted, nullptr, nullptr, R::promoted, "=",
         "the election lock on a majority confirms this new primary: the first lease"},
        {S::running, O::switchover_requested, nullptr, nullptr, R::begin_hand_over, "handing over",
         "standby switchover: the lease says fenced at once, then drain, stop, rejoin"},

        // --- handing_over: a planned switchover, the daemon's hand-over job runs ---
        {S::handing_over, O::handover_done, "the request was claimed", R::claimed,
         R::hand_over_ended, "local node unreachable",
         "the hand-over is over: the local checks say what the node is now"},
        {S::handing_over, O::handover_done, nullptr, nullptr, R::hand_over_withdrawn,
         "monitoring the primary", "the switchover command withdrew its request first"},
        {S::handing_over, O::local_primary, nullptr, nullptr, R::end_any_check, "=",
         "a check from before the hand-over: no lease is renewed while handing over"},
        {S::handing_over, O::local_standby, nullptr, nullptr, R::end_any_check, "=",
         "a check from before the hand-over"},
        {S::handing_over, O::local_unreachable, nullptr, nullptr, R::end_any_check, "=",
         "the hand-over stops the server on purpose"},
        {S::handing_over, O::children_seen, nullptr, nullptr, R::end_any_check, "=",
         "children are not watched while handing over"},
        {S::handing_over, O::children_unknown, nullptr, nullptr, R::end_any_check, "=",
         "children are not watched while handing over"},
        {S::handing_over, O::peers_seen, nullptr, nullptr, R::end_any_check, "=",
         "no lease is renewed while handing over"},

        // --- isolated: no majority seen, the lease runs out ---
        {S::isolated, O::tick, "fence_timeout since the last confirmation", R::fence_timeout_passed,
         R::fence_isolated, "fenced",
         "the lease has run out: the probe answers 503 and the fence action is applied"},
        {S::isolated, O::tick, "a local check is due", R::local_check_due, R::start_local_check,
         "=", "check the local node every monitor_interval_secs"},
        {S::isolated, O::tick, "a peers check is due", R::peers_check_due, R::start_peers_check,
         "=", "look for a majority again"},
        {S::isolated, O::peers_seen, "fence-action is off", R::fencing_off, R::renew_unfenced,
         "monitoring the primary", "fencing is off: the lease follows the local role alone"},
        {S::isolated, O::peers_seen, "standing confirmed", R::confirmed, R::regain_majority,
         "monitoring the primary", "a majority is seen again before the lease ran out"},
        {S::isolated, O::peers_seen, "no majority", R::isolated, R::end_peers_check, "=",
         "still no majority"},
        {S::isolated, O::peers_seen, "another node promoted", R::superseded, R::fence_superseded,
         "fenced", "another node was promoted after this one: fenced at once"},
        {S::isolated, O::local_primary, nullptr, nullptr, R::end_local_check, "=",
         "the local node answers and is still a primary"},
        {S::isolated, O::local_standby, nullptr, nullptr, R::hand_over, "restarted as a standby",
         "the local node was restarted as a standby: monitor it as one"},
        {S::isolated, O::local_unreachable, nullptr, nullptr, R::lose_local,
         "local node unreachable", "the local node does not answer either"},
        {S::isolated, O::children_seen, nullptr, nullptr, R::count_children, "=",
         "child_node_* events for each change"},
        {S::isolated, O::children_unknown, nullptr, nullptr, R::end_children_check, "=",
         "the children could not be counted: nothing is concluded"},
        {S::isolated, O::switchover_requested, nullptr, nullptr, R::ignore_request, "=",
         "no switchover without a majority: the request runs out unclaimed"},

        // --- fenced: the lease says fenced; lifted only if nobody was promoted meanwhile ---
        {S::fenced, O::tick, "a local check is due", R::local_check_due, R::start_local_check, "=",
         "check the local node every monitor_interval_secs"},
        {S::fenced, O::tick, "a peers check is due", R::peers_check_due, R::start_peers_check, "=",
         "look for a majority again"},
        {S::fenced, O::peers_seen, "confirmed, never superseded", R::confirmed_and_liftable,
         R::lift_fence, "monitoring the primary",
         "a majority is seen again and nobody was promoted: the fence is lifted"},
        {S::fenced, O::peers_seen, "confirmed after a promotion", R::confirmed_but_superseded,
         R::end_peers_check, "=",
         "another node was promoted after this one: it stays fenced until rejoined"},
        {S::fenced, O::peers_seen, "another node promoted", R::superseded, R::note_superseded, "=",
         "another node was promoted after this one: it stays fenced until rejoined"},
        {S::fenced, O::peers_seen, "no majority", R::isolated, R::end_peers_check, "=",
         "still no majority"},
        {S::fenced, O::peers_seen, "fence-action is off", R::fencing_off, R::end_peers_check, "=",
         "fencing was turned off by a reload: the fence stays until the daemon restarts"},
        {S::fenced, O::local_primary, nullptr, nullptr, R::end_local_check, "=",
         "the local node still runs as a primary, fenced"},
        {S::fenced, O::local_standby, nullptr, nullptr, R::hand_over, "restarted as a standby",
         "the node was rejoined as a standby: monitor it as one"},
        {S::fenced, O::local_unreachable, nullptr, nullptr, R::end_local_check, "=",
         "the local node does not answer (fence-action stop stops it)"},
        {S::fenced, O::children_seen, nullptr, nullptr, R::end_children_check, "=",
         "children are not watched while fenced"},
        {S::fenced, O::children_unknown, nullptr, nullptr, R::end_children_check, "=",
         "children are not watched while fenced"},
        {S::fenced, O::switchover_requested, nullptr, nullptr, R::ignore_request, "=",
         "a fenced node hands nothing over: the request runs out unclaimed"},

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
        {S::local_down, O::peers_seen, nullptr, nullptr, R::end_peers_check, "=",
         "no lease is renewed while the local node is down"},
    };
    return table;
}

std::string PrimaryMonitor::describe_table() {
    return print_rows("primary machine", transitions(), name_of_state, observed_name);
}

PrimaryMonitor::PrimaryMonitor(PrimaryTiming timing, TimePoint now)
    : timing_(timing),
      next_local_check_(now),
      next_children_check_(now),
      next_peers_check_(now),
      started_at_(now),
      last_step_(now) {}

TimePoint PrimaryMonitor::lease_end() const {
    return confirmed_at_.value_or(started_at_) + timing_.fence.timeout;
}

TimePoint PrimaryMonitor::next_wake() const {
    // A check in flight is not due again until it has answered; with all in flight the machine
    // still ticks once a second, so a wake-up never lies in the past (no busy loop).
    constexpr auto kIdle = std::chrono::seconds(1);
    TimePoint wake = last_step_ + kIdle;
    const bool watching = state_ == PrimaryState::running || state_ == PrimaryState::isolated;
    if (state_ != PrimaryState::handed_over && state_ != PrimaryState::giving_up &&
        state_ != PrimaryState::handing_over && !local_check_in_flight_)
        wake = std::min(wake, next_local_check_);
    if (watching && !children_check_in_flight_)
        wake = std::min(wake, next_children_check_);
    if ((watching || state_ == PrimaryState::fenced) && !peers_check_in_flight_)
        wake = std::min(wake, next_peers_check_);
    if (state_ == PrimaryState::isolated ||
        (state_ == PrimaryState::running && timing_.fence.action != FenceAction::off))
        wake = std::min(wake, lease_end());
    if (down_since_ && timing_.degraded_monitoring_timeout)
        wake = std::min(wake, *down_since_ + *timing_.degraded_monitoring_timeout);
    return wake;
}

PrimaryStep PrimaryMonitor::handle(const PrimaryObservation& observation, TimePoint now) {
    last_step_ = now;
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

PrimaryStep PrimaryMonitor::peers(const StandingVerdict& standing, TimePoint checked_at,
                                  TimePoint now) {
    PrimaryObservation observation;
    observation.what = PrimaryObserved::peers_seen;
    observation.standing = standing;
    observation.checked_at = checked_at;
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
