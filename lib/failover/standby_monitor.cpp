#include "failover/standby_monitor.hpp"

#include "failover/promotion.hpp"

#include <algorithm>

namespace pgwarden::failover {

std::string_view observed_name(Observed what) {
    switch (what) {
        case Observed::tick:
            return "tick";
        case Observed::upstream_alive:
            return "upstream_alive";
        case Observed::upstream_lost:
            return "upstream_lost";
        case Observed::new_primary:
            return "new_primary";
        case Observed::election_won:
            return "election_won";
        case Observed::election_lost:
            return "election_lost";
        case Observed::election_follow:
            return "election_follow";
        case Observed::election_cancelled:
            return "election_cancelled";
        case Observed::election_not_candidate:
            return "election_not_candidate";
        case Observed::promote_succeeded:
            return "promote_succeeded";
        case Observed::promote_failed:
            return "promote_failed";
        case Observed::follow_succeeded:
            return "follow_succeeded";
        case Observed::follow_failed:
            return "follow_failed";
        case Observed::local_lost:
            return "local_lost";
        case Observed::local_back:
            return "local_back";
    }
    return "unknown";
}

std::string_view state_name(StandbyState state) {
    switch (state) {
        case StandbyState::monitoring:
            return "monitoring";
        case StandbyState::reconnecting:
            return "reconnecting";
        case StandbyState::lease_wait:
            return "waiting out the old primary's lease";
        case StandbyState::electing:
            return "electing";
        case StandbyState::promoting:
            return "promoting";
        case StandbyState::waiting_for_primary:
            return "waiting for the new primary";
        case StandbyState::following:
            return "following";
        case StandbyState::degraded:
            return "degraded";
        case StandbyState::promoted:
            return "promoted";
        case StandbyState::giving_up:
            return "giving up";
        case StandbyState::local_down:
            return "local node down";
    }
    return "unknown";
}

namespace {
// state_name is overloaded for both machines: the tables need this one by name.
std::string_view name_of_state(StandbyState state) {
    return state_name(state);
}
}  // namespace

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
    static void promote_failed(Step& s) {
        s.actions.push_back(RecordEvent{"repmgrd_promote_error", false, s.seen.detail});
        s.m.degrade("promotion failed: " + s.seen.detail, s.now);
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

const std::vector<StandbyMonitor::Transition>& StandbyMonitor::transitions() {
    using S = StandbyState;
    using O = Observed;
    using R = StandbyRows;
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

        // --- promoting ---
        {S::promoting, O::promote_succeeded, nullptr, nullptr, R::promoted, "promoted",
         "promote_command worked: the daemon now monitors this node as the primary"},
        {S::promoting, O::promote_failed, nullptr, nullptr, R::promote_failed, "degraded",
         "promote_command failed: recorded, the election reruns after election_rerun_interval"},

        // --- waiting for the winner to announce itself ---
        {S::waiting_for_primary, O::tick, "notification timeout passed", R::notification_overdue,
         R::no_notification, "degraded",
         "no new primary announced itself within primary_notification_timeout"},
        {S::waiting_for_primary, O::tick, "a poll is due", R::poll_due, R::poll_soon, "=",
         "look for the winner"},
        {S::waiting_for_primary, O::new_primary, nullptr, nullptr, R::follow_announced, "following",
         "the winner announced itself: follow it"},

        // --- following ---
        {S::following, O::follow_succeeded, nullptr, nullptr, R::followed, "monitoring",
         "follow_command worked: the new primary is the upstream now"},
        {S::following, O::follow_failed, nullptr, nullptr, R::follow_failed, "degraded",
         "follow_command failed: recorded, watching for a primary to follow"},

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

        // --- this node's own PostgreSQL is down: repmgrd's standby_failure / standby_recovery ---
        {S::local_down, O::tick, "a check is due", R::check_due, R::start_local_check, "=",
         "check the local node every monitor_interval_secs"},
        {S::local_down, O::local_lost, nullptr, nullptr, R::end_check, "=",
         "the local node is still down"},
        {S::local_down, O::local_back, nullptr, nullptr, R::local_back, "monitoring",
         "the local node is back: standby_recovery, monitoring the upstream again"},
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
