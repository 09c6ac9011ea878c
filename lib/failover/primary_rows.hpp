// The primary machine's rows: one step's working context, and the guards and actions the
// transition table names, so the table reads as the policy.
// Included only by primary_monitor.cpp; the table there lists these functions by name.
#pragma once

#include "failover/primary_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace pgwarden::failover {

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
    static bool peers_check_due(const Step& s) {
        return !s.m.peers_check_in_flight_ && s.now >= s.m.next_peers_check_;
    }
    static bool fencing_off(const Step& s) { return s.m.timing_.fence.action == FenceAction::off; }
    static bool standing_is(const Step& s, Standing standing) {
        return !fencing_off(s) && s.seen.standing.standing == standing;
    }
    static bool confirmed(const Step& s) { return standing_is(s, Standing::confirmed); }
    static bool isolated(const Step& s) { return standing_is(s, Standing::isolated); }
    static bool superseded(const Step& s) { return standing_is(s, Standing::superseded); }
    static bool confirmed_and_liftable(const Step& s) { return confirmed(s) && !s.m.superseded_; }
    static bool confirmed_but_superseded(const Step& s) { return confirmed(s) && s.m.superseded_; }
    static bool fence_timeout_passed(const Step& s) { return s.now >= s.m.lease_end(); }
    static bool lease_ran_out(const Step& s) { return !fencing_off(s) && fence_timeout_passed(s); }
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
    static void start_peers_check(Step& s) {
        s.m.peers_check_in_flight_ = true;
        s.m.next_peers_check_ = s.now + s.m.timing_.monitor_interval;
        s.actions.push_back(CheckPeers{});
    }
    static void end_peers_check(Step& s) { s.m.peers_check_in_flight_ = false; }
    static void renew(Step& s) {
        end_peers_check(s);
        s.m.confirmed_at_ = s.seen.checked_at;
        s.actions.push_back(
            RenewLease{s.seen.checked_at + s.m.timing_.fence.timeout, s.seen.standing.reason});
    }
    static void renew_unfenced(Step& s) {
        end_peers_check(s);
        s.m.confirmed_at_ = s.seen.checked_at;
        s.actions.push_back(RenewLease{s.seen.checked_at + s.m.timing_.fence.timeout,
                                       "fence-action is off: the lease follows the local role"});
    }
    static void lose_majority(Step& s) {
        end_peers_check(s);
        s.m.state_ = S::isolated;
        s.actions.push_back(RecordEvent{"pgwarden_isolated", false, s.seen.standing.reason});
    }
    static void regain_majority(Step& s) {
        renew(s);
        s.m.state_ = S::running;
        s.actions.push_back(RecordEvent{"pgwarden_reconnected", true, s.seen.standing.reason});
    }
    static void fence(Step& s, const std::string& reason) {
        s.m.state_ = S::fenced;
        s.m.fence_reason_ = reason;
        s.actions.push_back(Fence{s.m.timing_.fence.action, reason});
        s.actions.push_back(RecordEvent{
            "pgwarden_fence", true,
            fmt::format("fenced ({}): {}", fence_action_name(s.m.timing_.fence.action), reason)});
    }
    static void fence_superseded(Step& s) {
        end_peers_check(s);
        s.m.superseded_ = true;
        fence(s, s.seen.standing.reason);
    }
    static void fence_isolated(Step& s) {
        fence(s, fmt::format("no majority seen for fence_timeout ({} s)",
                             s.m.timing_.fence.timeout.count()));
    }
    static void note_superseded(Step& s) {
        end_peers_check(s);
        // Said once: from now on the fence is never lifted (the node needs a rejoin).
        if (!s.m.superseded_)
            s.actions.push_back(RecordEvent{"pgwarden_superseded", true, s.seen.standing.reason});
        s.m.superseded_ = true;
    }
    static void lift_fence(Step& s) {
        renew(s);
        s.m.state_ = S::running;
        s.actions.push_back(LiftFence{s.m.timing_.fence.action, s.seen.standing.reason});
        s.actions.push_back(RecordEvent{
            "pgwarden_fence_lifted", true,
            "a majority is seen again and nobody was promoted: " + s.seen.standing.reason});
    }
    static void promoted(Step& s) {
        s.m.confirmed_at_ = s.seen.checked_at;
        s.actions.push_back(RenewLease{s.seen.checked_at + s.m.timing_.fence.timeout,
                                       "promoted holding the election lock on a majority"});
    }
    static bool claimed(const Step& s) { return s.seen.claimed; }
    static void begin_hand_over(Step& s) {
        s.m.state_ = S::handing_over;
        s.actions.push_back(HandOver{*s.seen.request});
    }
    static void ignore_request(Step& s) {
        s.notes.push_back("a switchover is only carried out by a primary holding its standing");
    }
    static void end_any_check(Step& s) {
        end_local_check(s);
        end_children_check(s);
        end_peers_check(s);
    }
    // Whatever the node is now, the next local check says; the time to regain a majority's
    // confirmation starts now (the lease itself stays fenced until a peers check confirms).
    static void hand_over_ended(Step& s) {
        s.m.state_ = S::local_down;
        s.m.down_since_ = s.now;
        s.m.confirmed_at_ = s.now;
        s.m.next_local_check_ = s.now;
    }
    static void hand_over_withdrawn(Step& s) { s.m.state_ = S::running; }
    static void count_children(Step& s) {
        end_children_check(s);
        s.m.count_children(s.seen.registered, s.seen.attached, s.now, s.actions);
    }
};

}  // namespace pgwarden::failover
