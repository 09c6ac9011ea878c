#include "failover/standby_monitor.hpp"

#include "failover/standby_rows.hpp"

#include <algorithm>

namespace pgwarden::failover {

namespace {
// state_name is overloaded for both machines: the tables need this one by name.
std::string_view name_of_state(StandbyState state) {
    return state_name(state);
}
}  // namespace

const std::vector<StandbyMonitor::Transition>& StandbyMonitor::transitions() {
    using S = StandbyState;
    using O = Observed;
    using R = StandbyRows;
    // Wherever this node can be promoted behind the daemon's back, the same row.
    const auto outside = [](S from, const char* why) {
        return Transition{from,
                          O::local_promoted,
                          "not a witness",
                          R::not_witness,
                          R::promoted_outside,
                          "promoted",
                          why};
    };
    static const std::vector<Transition> table{
        // --- monitoring: one check every monitor_interval_secs ---
        {S::monitoring, O::tick, "a check is due", R::check_due, R::start_upstream_check, "=",
         "one upstream check every monitor_interval_secs"},
        {S::monitoring, O::upstream_alive, nullptr, nullptr, R::end_check, "=",
         "the upstream answered"},
        {S::monitoring, O::upstream_lost, "reconnect_attempts = 0", R::no_attempts,
         R::lost_without_attempts, "electing|degraded",
         "the upstream is lost and no reconnect attempts are configured: decide at once"},
        {S::monitoring, O::upstream_lost, "reconnect_attempts > 0", R::attempts_configured,
         R::lost_start_attempts, "reconnecting",
         "the upstream is lost: the first reconnect attempt at once, a dropped connection is "
         "not yet a dead server"},
        {S::monitoring, O::local_lost, nullptr, nullptr, R::lose_local, "local node down",
         "this node's own PostgreSQL does not answer: standby_failure"},
        outside(S::monitoring,
                "this node left recovery, not by this daemon (a manual promote): monitor it as "
                "the primary, under the fencing rules"),

        // --- reconnecting: reconnect_attempts checks, reconnect_interval apart ---
        {S::reconnecting, O::tick, "an attempt is due", R::attempt_due, R::start_attempt, "=",
         "the next reconnect attempt, reconnect_interval after the last"},
        {S::reconnecting, O::tick, "a poll is due", R::poll_due, R::poll_soon, "=",
         "a sibling may have been promoted meanwhile: look for a new primary"},
        {S::reconnecting, O::upstream_alive, nullptr, nullptr, R::upstream_back, "monitoring",
         "the upstream is back inside the window: no failover"},
        {S::reconnecting, O::upstream_lost, "it was the last attempt", R::last_attempt,
         R::attempts_exhausted, "electing|degraded",
         "every reconnect attempt failed: elect, unless witness, paused or manual"},
        {S::reconnecting, O::upstream_lost, "attempts are left", R::attempts_left, R::count_attempt,
         "=", "one more attempt failed; the next after reconnect_interval"},
        {S::reconnecting, O::new_primary, nullptr, nullptr, R::follow_announced, "following",
         "a new primary announced itself: follow it without an election"},
        {S::reconnecting, O::local_lost, nullptr, nullptr, R::lose_local, "local node down",
         "this node's own PostgreSQL does not answer: standby_failure"},
        outside(S::reconnecting,
                "promoted by hand while the upstream is retried: monitor it as "
                "the primary, under the fencing rules"),

        // --- waiting out the old primary's lease (fencing): the upstream may still come back ---
        {S::lease_wait, O::tick, "the old lease has run out", R::lease_run_out, R::decide_failover,
         "electing|degraded", "fence_timeout + balancer margin since the primary was lost: elect"},
        {S::lease_wait, O::tick, "a check is due", R::check_due, R::start_upstream_check, "=",
         "the upstream may come back meanwhile"},
        {S::lease_wait, O::tick, "a poll is due", R::poll_due, R::poll_soon, "=",
         "a sibling may have been promoted meanwhile"},
        {S::lease_wait, O::upstream_alive, nullptr, nullptr, R::upstream_back, "monitoring",
         "the upstream is back before any election: no failover"},
        {S::lease_wait, O::upstream_lost, nullptr, nullptr, R::end_check, "=",
         "the upstream is still gone"},
        {S::lease_wait, O::new_primary, nullptr, nullptr, R::follow_announced, "following",
         "a new primary announced itself: follow it"},
        {S::lease_wait, O::local_lost, nullptr, nullptr, R::lose_local, "local node down",
         "this node's own PostgreSQL does not answer: standby_failure"},
        outside(S::lease_wait,
                "promoted by hand before the old lease ran out: monitor it as "
                "the primary, its first lease waits for the old one"),

        // --- electing ---
        {S::electing, O::election_won, "promotion allowed", R::promotion_allowed, R::promote,
         "promoting", "this node won the election and holds the lock: promote_command runs"},
        {S::electing, O::election_won, "record has no upstream", R::promotion_refused,
         R::refuse_promotion, "degraded",
         "this node won, but its record names no upstream (stale metadata) and always_promote "
         "is off: it must not promote"},
        {S::electing, O::election_lost, nullptr, nullptr, R::wait_for_winner,
         "waiting for the new primary",
         "another node should promote: wait primary_notification_timeout for it"},
        {S::electing, O::election_follow, nullptr, nullptr, R::follow_existing, "following",
         "a sibling is a primary already: follow it"},
        {S::electing, O::election_cancelled, nullptr, nullptr, R::election_cancelled, "degraded",
         "no safe decision now (no majority, split, consensus, veto): rerun later"},
        {S::electing, O::election_not_candidate, nullptr, nullptr, R::not_candidate, "degraded",
         "failover is manual: this node never acts"},
        outside(S::electing,
                "promoted by hand during the election: monitor it as the primary, "
                "under the fencing rules"),

        // --- promoting ---
        {S::promoting, O::promote_succeeded, nullptr, nullptr, R::promoted, "promoted",
         "promote_command worked: the daemon now monitors this node as the primary"},
        {S::promoting, O::promote_failed, nullptr, nullptr, R::promote_failed, "degraded",
         "promote_command failed: recorded, the election reruns after election_rerun_interval"},
        {S::promoting, O::promote_aborted, nullptr, nullptr, R::promote_aborted, "monitoring",
         "promote_command failed and the original primary is the primary again: no failover, "
         "monitor it as before"},
        outside(S::promoting,
                "promote_command failed or ran out of time, but PostgreSQL left recovery: "
                "monitor it as the primary, under the fencing rules"),

        // --- waiting for the winner to announce itself ---
        {S::waiting_for_primary, O::tick, "notification timeout passed", R::notification_overdue,
         R::no_notification, "degraded",
         "no new primary announced itself within primary_notification_timeout"},
        {S::waiting_for_primary, O::tick, "a poll is due", R::poll_due, R::poll_soon, "=",
         "look for the winner"},
        {S::waiting_for_primary, O::new_primary, nullptr, nullptr, R::follow_announced, "following",
         "the winner announced itself: follow it"},
        outside(S::waiting_for_primary,
                "promoted by hand while waiting for the winner: monitor "
                "it as the primary, under the fencing rules"),

        // --- following ---
        {S::following, O::follow_succeeded, nullptr, nullptr, R::followed, "monitoring",
         "follow_command worked: the new primary is the upstream now"},
        {S::following, O::follow_failed, nullptr, nullptr, R::follow_failed, "degraded",
         "follow_command failed: recorded, watching for a primary to follow"},
        {S::following, O::follow_aborted, nullptr, nullptr, R::follow_aborted, "monitoring",
         "follow_command failed and the original primary is the primary again: monitor it as "
         "before"},
        outside(S::following,
                "promoted by hand instead of following: monitor it as the "
                "primary, under the fencing rules"),

        // --- degraded: keep watching; the upstream may return or a primary appear ---
        {S::degraded, O::tick, "degraded_monitoring_timeout passed", R::give_up_due, R::give_up,
         "giving up", "degraded for degraded_monitoring_timeout: the daemon exits"},
        {S::degraded, O::tick, "a check is due", R::check_due, R::start_upstream_check, "=",
         "the old upstream may come back"},
        {S::degraded, O::tick, "a poll is due", R::poll_due, R::poll_slowly, "=",
         "a new primary may appear"},
        {S::degraded, O::tick, "the election is due", R::election_due, R::rerun_election,
         "electing",
         "election_rerun_interval passed (automatic, not paused, not a witness): elect again"},
        {S::degraded, O::upstream_alive, nullptr, nullptr, R::upstream_back, "monitoring",
         "the old upstream answers again"},
        {S::degraded, O::upstream_lost, nullptr, nullptr, R::end_check, "=",
         "the old upstream is still gone"},
        {S::degraded, O::new_primary, nullptr, nullptr, R::follow_announced, "following",
         "a new primary appeared: follow it"},
        {S::degraded, O::local_lost, nullptr, nullptr, R::lose_local, "local node down",
         "this node's own PostgreSQL does not answer: standby_failure"},
        outside(S::degraded,
                "promoted by hand while degraded (or after a failed promote): "
                "monitor it as the primary, under the fencing rules"),

        // --- this node's own PostgreSQL is down: repmgrd's standby_failure / standby_recovery ---
        {S::local_down, O::tick, "a check is due", R::check_due, R::start_local_check, "=",
         "check the local node every monitor_interval_secs"},
        {S::local_down, O::local_lost, nullptr, nullptr, R::end_check, "=",
         "the local node is still down"},
        {S::local_down, O::local_back, nullptr, nullptr, R::local_back, "monitoring",
         "the local node is back: standby_recovery, monitoring the upstream again"},
        outside(S::local_down,
                "the local node came back as a primary: monitor it as one, "
                "under the fencing rules"),
    };
    return table;
}

std::string StandbyMonitor::describe_table() {
    return print_rows("standby (and witness) machine", transitions(), name_of_state, observed_name);
}

StandbyMonitor::StandbyMonitor(MonitorTiming timing, StandbyPolicy policy, TimePoint now)
    : timing_(timing),
      policy_(policy),
      next_check_(now),
      next_attempt_(now),
      next_poll_(now),
      deadline_(now),
      rerun_at_(now),
      lost_at_(now),
      next_wake_(now) {}

void StandbyMonitor::reconfigure(MonitorTiming timing, StandbyPolicy policy) {
    timing_ = timing;
    policy_ = policy;
}

StandbyStep StandbyMonitor::handle(const Observation& observation, TimePoint now) {
    StandbyStep out;
    Step step{*this, observation, now, out.actions, out.notes};
    run_rows(transitions(), step, observation.what, Observed::tick, name_of_state, observed_name);
    schedule(now);
    return out;
}

void StandbyMonitor::enter(StandbyState next, std::string reason, TimePoint now) {
    if (next == StandbyState::degraded && state_ != StandbyState::degraded) {
        give_up_at_.reset();
        if (timing_.degraded_monitoring_timeout)
            give_up_at_ = now + *timing_.degraded_monitoring_timeout;
        next_check_ = now + timing_.monitor_interval;
        next_poll_ = now + timing_.monitor_interval;
    }
    // A check started in the old state is the daemon's to drop (it tracks the state), so none is
    // in flight for the new one.
    check_in_flight_ = false;
    state_ = next;
    reason_ = std::move(reason);
}

void StandbyMonitor::degrade(std::string reason, TimePoint now) {
    enter(StandbyState::degraded, std::move(reason), now);
    rerun_at_ = now + timing_.election_rerun_interval;
}

void StandbyMonitor::schedule(TimePoint now) {
    constexpr auto kIdle = std::chrono::seconds(1);  // terminal and busy states still tick
    TimePoint wake = now + kIdle;
    auto consider = [&](TimePoint t) { wake = std::min(wake, std::max(t, now)); };
    switch (state_) {
        case StandbyState::monitoring:
            wake = now + timing_.monitor_interval;
            if (!check_in_flight_)
                consider(next_check_);
            break;
        case StandbyState::reconnecting:
            if (!check_in_flight_)
                consider(next_attempt_);
            consider(next_poll_);
            break;
        case StandbyState::waiting_for_primary:
            consider(deadline_);
            consider(next_poll_);
            break;
        case StandbyState::lease_wait:
            if (!check_in_flight_)
                consider(next_check_);
            consider(next_poll_);
            consider(lost_at_ + timing_.promotion_guard);
            break;
        case StandbyState::local_down:
            if (!check_in_flight_)
                consider(next_check_);
            break;
        case StandbyState::degraded:
            if (!check_in_flight_)
                consider(next_check_);
            consider(next_poll_);
            if (policy_.automatic && !policy_.witness && !paused_)
                consider(rerun_at_);
            if (give_up_at_)
                consider(*give_up_at_);
            break;
        default:
            break;
    }
    next_wake_ = wake;
}

}  // namespace pgwarden::failover
