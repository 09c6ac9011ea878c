// The standby machine's rows: one step's working context, and the guards and actions the
// transition table names, so the table reads as the policy.
// Included only by standby_monitor.cpp; the table there lists these functions by name.
#pragma once

#include "failover/promotion.hpp"
#include "failover/standby_monitor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace pgwarden::failover {

// One step's working context: the machine, what was seen, the time, and what the rows decide.
struct StandbyMonitor::Step {
    StandbyMonitor& m;
    const Observation& seen;
    TimePoint now;
    std::vector<StandbyAction>& actions;
    std::vector<std::string>& notes;

    StandbyState state() const { return m.state_; }
};

// The rows' guards and actions, named so the table reads as the policy.
struct StandbyRows {
    using Step = StandbyMonitor::Step;
    using S = StandbyState;

    // --- guards ---
    static bool check_due(const Step& s) {
        return !s.m.check_in_flight_ && s.now >= s.m.next_check_;
    }
    static bool poll_due(const Step& s) { return s.now >= s.m.next_poll_; }
    static bool attempt_due(const Step& s) {
        return !s.m.check_in_flight_ && s.now >= s.m.next_attempt_;
    }
    static bool no_attempts(const Step& s) { return s.m.timing_.reconnect_attempts <= 0; }
    static bool attempts_configured(const Step& s) { return !no_attempts(s); }
    static bool last_attempt(const Step& s) {
        return s.m.attempts_done_ + 1 >= s.m.timing_.reconnect_attempts;
    }
    static bool attempts_left(const Step& s) { return !last_attempt(s); }
    static PromotionDecision promotion(const Step& s) {
        return may_promote(
            {s.m.policy_.node_id, s.m.record_has_upstream_, s.m.policy_.always_promote});
    }
    static bool promotion_allowed(const Step& s) { return promotion(s).allowed; }
    static bool promotion_refused(const Step& s) { return !promotion_allowed(s); }
    static bool notification_overdue(const Step& s) { return s.now >= s.m.deadline_; }
    static bool give_up_due(const Step& s) { return s.m.give_up_at_ && s.now >= *s.m.give_up_at_; }
    static bool lease_run_out(const Step& s) {
        return !s.m.upstream_is_primary_ || s.now >= s.m.lost_at_ + s.m.timing_.promotion_guard;
    }
    // A witness is never in recovery: its server being a primary says nothing.
    static bool not_witness(const Step& s) { return !s.m.policy_.witness; }
    static bool election_due(const Step& s) {
        return s.m.policy_.automatic && !s.m.policy_.witness && !s.m.paused_ &&
               !s.m.check_in_flight_ && s.now >= s.m.rerun_at_ && lease_run_out(s);
    }

    // --- actions ---
    static void start_upstream_check(Step& s) {
        s.m.check_in_flight_ = true;
        s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
        s.actions.push_back(CheckUpstream{});
    }
    static void end_check(Step& s) { s.m.check_in_flight_ = false; }
    static void start_attempt(Step& s) {
        s.m.check_in_flight_ = true;
        s.m.next_attempt_ = s.now + s.m.timing_.reconnect_interval;
        s.actions.push_back(CheckUpstream{});
    }
    static void begin_reconnecting(Step& s) {
        s.m.check_in_flight_ = false;
        s.actions.push_back(RecordEvent{"repmgrd_upstream_disconnect", true, s.seen.detail});
        s.m.attempts_done_ = 0;
        s.m.lost_at_ = s.now;
        s.m.enter(S::reconnecting, s.seen.detail, s.now);
        s.m.next_poll_ = s.now;
    }
    static void lost_without_attempts(Step& s) {
        begin_reconnecting(s);
        decide_failover(s);
    }
    static void lost_start_attempts(Step& s) {
        begin_reconnecting(s);
        // The first attempt at once: a dropped connection is not yet a dead server.
        start_attempt(s);
    }
    static void count_attempt(Step& s) {
        s.m.check_in_flight_ = false;
        ++s.m.attempts_done_;
    }
    static void attempts_exhausted(Step& s) {
        count_attempt(s);
        decide_failover(s);
    }
    static void poll_soon(Step& s) {
        s.m.next_poll_ = s.now + s.m.timing_.new_primary_poll;
        s.actions.push_back(LookForPrimary{});
    }
    static void poll_slowly(Step& s) {
        s.m.next_poll_ = s.now + s.m.timing_.monitor_interval;
        s.actions.push_back(LookForPrimary{});
    }
    static void follow_announced(Step& s) {
        s.m.enter(S::following, "node " + std::to_string(s.seen.node_id) + " is the new primary",
                  s.now);
        s.actions.push_back(Follow{s.seen.node_id});
    }
    static void upstream_back(Step& s) {
        const std::string detail = s.m.state_ == S::reconnecting
                                       ? "reconnected to upstream node after " +
                                             std::to_string(s.m.attempts_done_ + 1) + " attempts"
                                       : std::string("reconnected to upstream node");
        s.m.check_in_flight_ = false;
        s.actions.push_back(RecordEvent{"repmgrd_upstream_reconnect", true, detail});
        s.m.enter(S::monitoring, "upstream answers again", s.now);
        s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
    }
    // The upstream is gone for good: elect, or say why this node does not.
    static void decide_failover(Step& s) {
        if (s.m.policy_.witness) {
            s.m.enter(S::degraded, "primary lost: waiting for a new primary to follow", s.now);
            s.m.next_poll_ = s.now;
            return;
        }
        if (s.m.paused_) {
            s.m.degrade("upstream lost while paused: no failover", s.now);
            return;
        }
        if (!s.m.policy_.automatic) {
            s.actions.push_back(RecordEvent{"standby_disconnect_manual", true,
                                            "upstream lost and failover is manual: no action"});
            s.m.enter(S::degraded, "upstream lost and failover is manual", s.now);
            return;
        }
        if (!lease_run_out(s)) {
            s.m.enter(S::lease_wait,
                      "every reconnect attempt failed: no election before the old primary's "
                      "lease has run out",
                      s.now);
            s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
            s.m.next_poll_ = s.now;
            return;
        }
        s.m.enter(
            S::electing,
            "upstream lost after " + std::to_string(s.m.timing_.reconnect_attempts) + " attempts",
            s.now);
        s.actions.push_back(RunElection{});
    }
    static void promote(Step& s) {
        const auto decision = promotion(s);
        if (!decision.reason.empty())
            s.actions.push_back(Explain{Severity::warning, decision.reason, {}});
        s.m.enter(S::promoting, "this node won the election", s.now);
        s.actions.push_back(Promote{});
    }
    static void refuse_promotion(Step& s) {
        const auto decision = promotion(s);
        s.actions.push_back(
            Explain{Severity::error, "promotion failed: " + decision.reason, decision.hint});
        s.actions.push_back(RecordEvent{"repmgrd_promote_error", false, decision.reason});
        s.m.degrade("promotion failed: " + decision.reason, s.now);
    }
    static void wait_for_winner(Step& s) {
        s.m.enter(S::waiting_for_primary,
                  s.seen.node_id > 0
                      ? "node " + std::to_string(s.seen.node_id) + " should be promoted"
                      : std::string("another node should be promoted"),
                  s.now);
        s.m.deadline_ = s.now + s.m.timing_.primary_notification_timeout;
        poll_soon(s);
    }
    static void follow_existing(Step& s) {
        s.m.enter(S::following, "node " + std::to_string(s.seen.node_id) + " is a primary", s.now);
        s.actions.push_back(Follow{s.seen.node_id});
    }
    static void election_cancelled(Step& s) {
        s.m.degrade("election cancelled: " + s.seen.detail, s.now);
    }
    static void not_candidate(Step& s) {
        s.actions.push_back(RecordEvent{"standby_disconnect_manual", true,
                                        "failover is manual: this node will not act"});
        s.m.enter(S::degraded, "failover is manual", s.now);
    }
    static void promoted(Step& s) {
        s.m.enter(S::promoted, "this node was promoted", s.now);
        s.actions.push_back(BecomePrimary{});
    }
    // A manual `standby promote`, or a promote_command killed at its limit after PostgreSQL had
    // promoted: the daemon monitors what the node is. It holds no lease from an election, so its
    // first primary lease waits for a confirmed standing and for promotion_guard: an old primary
    // that sees this node's later timeline renews no more, its last lease ends within
    // fence_timeout, and the balancer has seen its 503 after the margin.
    // After a planned switchover (`node_id`: the old primary, as this node's copy of the request
    // says) there is no guard: that primary's lease said fenced before its drain began, and its
    // server was stopped before this node was promoted.
    static void promoted_outside(Step& s) {
        const std::string how =
            s.seen.detail.empty() ? std::string("it is out of recovery") : s.seen.detail;
        const bool handed_over = s.seen.node_id != 0;
        s.actions.push_back(RecordEvent{
            "pgwarden_promoted_outside", true,
            fmt::format("node {} was promoted outside pgwardend ({}) while {}: now monitored as "
                        "the primary, with no primary lease before its standing is confirmed{}",
                        s.m.policy_.node_id, how, state_name(s.m.state_),
                        handed_over ? fmt::format(" (node {} handed over to it: no guard time)",
                                                  s.seen.node_id)
                                    : std::string())});
        s.m.enter(S::promoted, "promoted outside pgwardend: " + how, s.now);
        s.actions.push_back(
            BecomePrimary{how, handed_over ? s.now : s.now + s.m.timing_.promotion_guard});
    }
    static void promote_failed(Step& s) {
        s.actions.push_back(RecordEvent{"repmgrd_promote_error", false, s.seen.detail});
        s.m.degrade("promotion failed: " + s.seen.detail, s.now);
    }
    // repmgrd's FAILOVER_STATE_PRIMARY_REAPPEARED: the old primary answers as the primary again,
    // so it is monitored as before; the event says no failover happened.
    static void promote_aborted(Step& s) {
        s.actions.push_back(RecordEvent{"repmgrd_failover_abort", true, s.seen.detail});
        primary_reappeared(s);
    }
    static void follow_aborted(Step& s) {
        s.actions.push_back(RecordEvent{"repmgrd_failover_aborted", true, s.seen.detail});
        primary_reappeared(s);
    }
    static void primary_reappeared(Step& s) {
        s.m.enter(S::monitoring, "the original primary reappeared: no action taken", s.now);
        s.m.next_check_ = s.now;
    }
    static void no_notification(Step& s) {
        s.m.degrade("no new primary within primary_notification_timeout", s.now);
    }
    static void followed(Step& s) {
        s.m.enter(S::monitoring, "following node " + std::to_string(s.seen.node_id), s.now);
        s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
    }
    static void follow_failed(Step& s) {
        s.actions.push_back(RecordEvent{"repmgrd_failover_follow", false, s.seen.detail});
        s.m.degrade("follow failed: " + s.seen.detail, s.now);
    }
    static void give_up(Step& s) {
        s.m.enter(S::giving_up, "degraded_monitoring_timeout reached", s.now);
        s.actions.push_back(GiveUp{"degraded monitoring timeout reached"});
    }
    static void rerun_election(Step& s) {
        s.m.enter(S::electing, "rerunning the election", s.now);
        s.actions.push_back(RunElection{});
    }
    static void lose_local(Step& s) {
        s.actions.push_back(SetLocalActive{false});
        s.actions.push_back(RecordEvent{"standby_failure", false,
                                        "unable to connect to local node: " + s.seen.detail});
        s.m.enter(S::local_down, "local node unreachable: " + s.seen.detail, s.now);
        s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
    }
    static void start_local_check(Step& s) {
        s.m.check_in_flight_ = true;
        s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
        s.actions.push_back(CheckLocal{});
    }
    static void local_back(Step& s) {
        s.actions.push_back(SetLocalActive{true});
        s.actions.push_back(RecordEvent{"standby_recovery", true,
                                        "local node has recovered and is monitoring again"});
        s.m.enter(S::monitoring, "local node is back", s.now);
        s.m.next_check_ = s.now;
    }
};

}  // namespace pgwarden::failover
