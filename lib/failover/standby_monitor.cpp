#include "failover/standby_monitor.hpp"

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

// One row of the table: in state `from`, on `on`, when `when` holds, do `then`.
struct StandbyMonitor::Step {
    StandbyMonitor& m;
    const Observation& seen;
    TimePoint now;
    std::vector<Action>& actions;
};

struct StandbyMonitor::Transition {
    StandbyState from;
    Observed on;
    bool (*when)(const StandbyMonitor&, TimePoint);
    void (*then)(Step&);
};

namespace {
bool always(const StandbyMonitor& /*m*/, TimePoint /*now*/) {
    return true;
}
}  // namespace

const std::vector<StandbyMonitor::Transition>& StandbyMonitor::transitions() {
    using S = StandbyState;
    using O = Observed;
    static const std::vector<Transition> table{
        // --- monitoring: one check every monitor_interval_secs ---
        {S::monitoring, O::tick, &StandbyMonitor::check_due, &StandbyMonitor::start_upstream_check},
        {S::monitoring, O::upstream_alive, always, &StandbyMonitor::end_check},
        {S::monitoring, O::upstream_lost, always,
         [](Step& s) {
             s.m.check_in_flight_ = false;
             s.actions.push_back(record("repmgrd_upstream_disconnect", true, s.seen.detail));
             s.m.attempts_done_ = 0;
             s.m.enter(S::reconnecting, s.seen.detail, s.now);
             s.m.next_poll_ = s.now;
             if (s.m.timing_.reconnect_attempts <= 0) {
                 s.m.decide_failover(s.actions, s.now);
                 return;
             }
             // The first attempt at once: a dropped connection is not yet a dead server.
             s.m.check_in_flight_ = true;
             s.m.next_attempt_ = s.now + s.m.timing_.reconnect_interval;
             s.actions.push_back(act(Act::check_upstream));
         }},

        // --- reconnecting: reconnect_attempts checks, reconnect_interval apart ---
        {S::reconnecting, O::tick,
         [](const StandbyMonitor& m, TimePoint now) {
             return !m.check_in_flight_ && now >= m.next_attempt_;
         },
         [](Step& s) {
             s.m.check_in_flight_ = true;
             s.m.next_attempt_ = s.now + s.m.timing_.reconnect_interval;
             s.actions.push_back(act(Act::check_upstream));
         }},
        {S::reconnecting, O::tick, &StandbyMonitor::poll_due,
         [](Step& s) {
             s.m.next_poll_ = s.now + s.m.timing_.new_primary_poll;
             s.actions.push_back(act(Act::look_for_primary));
         }},
        {S::reconnecting, O::upstream_alive, always, &StandbyMonitor::upstream_back},
        {S::reconnecting, O::upstream_lost, always,
         [](Step& s) {
             s.m.check_in_flight_ = false;
             ++s.m.attempts_done_;
             if (s.m.attempts_done_ >= s.m.timing_.reconnect_attempts)
                 s.m.decide_failover(s.actions, s.now);
         }},
        {S::reconnecting, O::new_primary, always, &StandbyMonitor::follow_announced},

        // --- electing ---
        {S::electing, O::election_won, always,
         [](Step& s) {
             s.m.enter(S::promoting, "this node won the election", s.now);
             s.actions.push_back(act(Act::promote));
         }},
        {S::electing, O::election_lost, always,
         [](Step& s) {
             s.m.enter(S::waiting_for_primary,
                       s.seen.node_id > 0
                           ? "node " + std::to_string(s.seen.node_id) + " should be promoted"
                           : std::string("another node should be promoted"),
                       s.now);
             s.m.deadline_ = s.now + s.m.timing_.primary_notification_timeout;
             s.m.next_poll_ = s.now + s.m.timing_.new_primary_poll;
             s.actions.push_back(act(Act::look_for_primary));
         }},
        {S::electing, O::election_follow, always,
         [](Step& s) {
             s.m.enter(S::following, "node " + std::to_string(s.seen.node_id) + " is a primary",
                       s.now);
             s.actions.push_back(act(Act::follow, s.seen.node_id));
         }},
        {S::electing, O::election_cancelled, always,
         [](Step& s) { s.m.degrade("election cancelled: " + s.seen.detail, s.now); }},
        {S::electing, O::election_not_candidate, always,
         [](Step& s) {
             s.actions.push_back(record("standby_disconnect_manual", true,
                                        "failover is manual: this node will not act"));
             s.m.enter(S::degraded, "failover is manual", s.now);
         }},

        // --- promoting ---
        {S::promoting, O::promote_succeeded, always,
         [](Step& s) {
             s.m.enter(S::promoted, "this node was promoted", s.now);
             s.actions.push_back(act(Act::notify_siblings));
         }},
        {S::promoting, O::promote_failed, always,
         [](Step& s) {
             s.actions.push_back(record("repmgrd_promote_error", false, s.seen.detail));
             s.m.degrade("promotion failed: " + s.seen.detail, s.now);
         }},

        // --- waiting for the winner to announce itself ---
        {S::waiting_for_primary, O::tick,
         [](const StandbyMonitor& m, TimePoint now) { return now >= m.deadline_; },
         [](Step& s) { s.m.degrade("no new primary within primary_notification_timeout", s.now); }},
        {S::waiting_for_primary, O::tick, &StandbyMonitor::poll_due,
         [](Step& s) {
             s.m.next_poll_ = s.now + s.m.timing_.new_primary_poll;
             s.actions.push_back(act(Act::look_for_primary));
         }},
        {S::waiting_for_primary, O::new_primary, always, &StandbyMonitor::follow_announced},

        // --- following ---
        {S::following, O::follow_succeeded, always,
         [](Step& s) {
             s.m.enter(S::monitoring, "following node " + std::to_string(s.seen.node_id), s.now);
             s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
         }},
        {S::following, O::follow_failed, always,
         [](Step& s) {
             s.actions.push_back(record("repmgrd_failover_follow", false, s.seen.detail));
             s.m.degrade("follow failed: " + s.seen.detail, s.now);
         }},

        // --- degraded: keep watching; the upstream may return or a primary appear ---
        {S::degraded, O::tick,
         [](const StandbyMonitor& m, TimePoint now) {
             return m.give_up_at_ && now >= *m.give_up_at_;
         },
         [](Step& s) {
             s.m.enter(S::giving_up, "degraded_monitoring_timeout reached", s.now);
             Action give_up = act(Act::give_up);
             give_up.detail = "degraded monitoring timeout reached";
             s.actions.push_back(give_up);
         }},
        {S::degraded, O::tick, &StandbyMonitor::check_due, &StandbyMonitor::start_upstream_check},
        {S::degraded, O::tick, &StandbyMonitor::poll_due,
         [](Step& s) {
             s.m.next_poll_ = s.now + s.m.timing_.monitor_interval;
             s.actions.push_back(act(Act::look_for_primary));
         }},
        {S::degraded, O::tick,
         [](const StandbyMonitor& m, TimePoint now) {
             return m.automatic_ && !m.witness_ && !m.paused_ && !m.check_in_flight_ &&
                    now >= m.rerun_at_;
         },
         [](Step& s) {
             s.m.enter(S::electing, "rerunning the election", s.now);
             s.actions.push_back(act(Act::run_election));
         }},
        {S::degraded, O::upstream_alive, always, &StandbyMonitor::upstream_back},
        {S::degraded, O::upstream_lost, always, &StandbyMonitor::end_check},
        // --- this node's own PostgreSQL: repmgrd's standby_failure / standby_recovery ---
        {S::monitoring, O::local_lost, always, &StandbyMonitor::lose_local},
        {S::reconnecting, O::local_lost, always, &StandbyMonitor::lose_local},
        {S::degraded, O::local_lost, always, &StandbyMonitor::lose_local},
        {S::local_down, O::tick, &StandbyMonitor::check_due,
         [](Step& s) {
             s.m.check_in_flight_ = true;
             s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
             s.actions.push_back(act(Act::check_local));
         }},
        {S::local_down, O::local_lost, always, &StandbyMonitor::end_check},
        {S::local_down, O::local_back, always,
         [](Step& s) {
             Action active = act(Act::set_local_active);
             active.successful = true;
             s.actions.push_back(active);
             s.actions.push_back(record("standby_recovery", true,
                                        "local node has recovered and is monitoring again"));
             s.m.enter(S::monitoring, "local node is back", s.now);
             s.m.next_check_ = s.now;
         }},
        {S::degraded, O::new_primary, always, &StandbyMonitor::follow_announced},
    };
    return table;
}

StandbyMonitor::StandbyMonitor(MonitorTiming timing, bool automatic, TimePoint now)
    : timing_(timing),
      automatic_(automatic),
      next_check_(now),
      next_attempt_(now),
      next_poll_(now),
      deadline_(now),
      rerun_at_(now),
      next_wake_(now) {}

void StandbyMonitor::reconfigure(MonitorTiming timing, bool automatic) {
    timing_ = timing;
    automatic_ = automatic;
}

std::vector<Action> StandbyMonitor::handle(const Observation& observation, TimePoint now) {
    std::vector<Action> actions;
    const StandbyState from = state_;
    for (const Transition& row : transitions()) {
        if (row.from != from || row.on != observation.what || !row.when(*this, now))
            continue;
        Step step{*this, observation, now, actions};
        row.then(step);
        // A row that changed the state ends the step: later rows were written for the old one.
        if (state_ != from)
            break;
    }
    schedule(now);
    return actions;
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

bool StandbyMonitor::check_due(const StandbyMonitor& m, TimePoint now) {
    return !m.check_in_flight_ && now >= m.next_check_;
}

bool StandbyMonitor::poll_due(const StandbyMonitor& m, TimePoint now) {
    return now >= m.next_poll_;
}

void StandbyMonitor::start_upstream_check(Step& s) {
    s.m.check_in_flight_ = true;
    s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
    s.actions.push_back(act(Act::check_upstream));
}

void StandbyMonitor::end_check(Step& s) {
    s.m.check_in_flight_ = false;
}

void StandbyMonitor::follow_announced(Step& s) {
    s.m.enter(StandbyState::following,
              "node " + std::to_string(s.seen.node_id) + " is the new primary", s.now);
    s.actions.push_back(act(Act::follow, s.seen.node_id));
}

void StandbyMonitor::upstream_back(Step& s) {
    const std::string detail = s.m.state_ == StandbyState::reconnecting
                                   ? "reconnected to upstream node after " +
                                         std::to_string(s.m.attempts_done_ + 1) + " attempts"
                                   : std::string("reconnected to upstream node");
    s.m.check_in_flight_ = false;
    s.actions.push_back(record("repmgrd_upstream_reconnect", true, detail));
    s.m.enter(StandbyState::monitoring, "upstream answers again", s.now);
    s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
}

void StandbyMonitor::degrade(std::string reason, TimePoint now) {
    enter(StandbyState::degraded, std::move(reason), now);
    rerun_at_ = now + timing_.election_rerun_interval;
}

void StandbyMonitor::lose_local(Step& s) {
    Action inactive = act(Act::set_local_active);
    inactive.successful = false;
    s.actions.push_back(inactive);
    s.actions.push_back(
        record("standby_failure", false, "unable to connect to local node: " + s.seen.detail));
    s.m.enter(StandbyState::local_down, "local node unreachable: " + s.seen.detail, s.now);
    s.m.next_check_ = s.now + s.m.timing_.monitor_interval;
}

void StandbyMonitor::decide_failover(std::vector<Action>& actions, TimePoint now) {
    if (witness_) {
        enter(StandbyState::degraded, "primary lost: waiting for a new primary to follow", now);
        next_poll_ = now;
        return;
    }
    if (paused_) {
        enter(StandbyState::degraded, "upstream lost while paused: no failover", now);
        rerun_at_ = now + timing_.election_rerun_interval;
        return;
    }
    if (!automatic_) {
        actions.push_back(record("standby_disconnect_manual", true,
                                 "upstream lost and failover is manual: no action"));
        enter(StandbyState::degraded, "upstream lost and failover is manual", now);
        return;
    }
    enter(StandbyState::electing,
          "upstream lost after " + std::to_string(timing_.reconnect_attempts) + " attempts", now);
    actions.push_back(act(Act::run_election));
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
        case StandbyState::local_down:
            if (!check_in_flight_)
                consider(next_check_);
            break;
        case StandbyState::degraded:
            if (!check_in_flight_)
                consider(next_check_);
            consider(next_poll_);
            if (automatic_ && !witness_ && !paused_)
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
