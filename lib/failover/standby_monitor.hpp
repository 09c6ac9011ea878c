// A standby's failover daemon as a transition table (failover/transition_table.hpp): watch the
// upstream, ride out a short outage (reconnect_attempts x reconnect_interval), then elect,
// promote or follow. Pure: the daemon feeds it what it observed and the time, and performs the
// actions it returns. A witness runs the same table and never elects.
#pragma once

#include "failover/actions.hpp"
#include "failover/transition_table.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::failover {

struct MonitorTiming {
    std::chrono::seconds monitor_interval{2};
    int reconnect_attempts = 6;
    std::chrono::seconds reconnect_interval{10};
    std::chrono::seconds primary_notification_timeout{60};
    std::chrono::seconds election_rerun_interval{15};
    std::optional<std::chrono::seconds> degraded_monitoring_timeout;  // nothing: never give up
    // How often a node waiting for a new primary looks for one (repmgrd: once a second).
    std::chrono::milliseconds new_primary_poll{200};
    // Fencing: no election before this long after the primary was lost, so that its lease has
    // run out and HAProxy has seen its 503 (failover::promotion_guard; zero without fencing).
    std::chrono::seconds promotion_guard{0};
};

// Who this node is and what repmgr.conf lets it do.
struct StandbyPolicy {
    int node_id = 0;
    bool automatic = true;        // failover=automatic
    bool witness = false;         // watches the primary only to vote and to follow
    bool always_promote = false;  // promote even when this node's record names no upstream
};

// Named the way an operator would say it.
enum class StandbyState {
    monitoring,           // the upstream answers
    reconnecting,         // the upstream stopped answering: retrying before any failover
    lease_wait,           // attempts exhausted: waiting until the old primary's lease ran out
    electing,             // the election runs
    promoting,            // this node won: promote_command runs
    waiting_for_primary,  // another node should promote: waiting to be told which
    following,            // follow_command runs
    degraded,             // no failover possible now: watching, rerunning the election later
    promoted,             // this node is the primary now (the daemon switches to primary mode)
    giving_up,            // degraded_monitoring_timeout ran out: the daemon exits
    local_down,           // this node's own PostgreSQL does not answer: waiting for it
};
std::string_view state_name(StandbyState state);

// What the daemon observed, or a step it finished.
enum class Observed {
    tick,                    // a wake-up time returned by next_wake() has come
    upstream_alive,          // an upstream check succeeded
    upstream_lost,           // a check failed or the connection dropped; detail: the event text
    new_primary,             // node_id: a new primary announced itself (notification or scan)
    election_won,            //
    election_lost,           // node_id: the expected winner (0: unknown)
    election_follow,         // node_id: a sibling is already primary
    election_cancelled,      // no safe decision (no majority, split, consensus, veto)
    election_not_candidate,  // failover=manual
    promote_succeeded,       //
    promote_failed,          // detail: why
    // promote_command or follow_command failed, and the failed primary is the primary again
    // (node_id: it; detail: the event text): no failover happened.
    promote_aborted,
    follow_succeeded,  // node_id: the new upstream
    follow_failed,     // detail: why
    follow_aborted,    // as promote_aborted, after a failed follow_command
    local_lost,        // this node's PostgreSQL does not answer (detail: why)
    local_back,        // it answers again
    local_promoted,    // it is out of recovery, not by this daemon (detail: how it was seen)
};

std::string_view observed_name(Observed what);  // "upstream_lost", ... for the debug log

struct Observation {
    Observed what = Observed::tick;
    int node_id = 0;
    std::string detail;
};

// What one step decided: the actions to perform, in order, and why (one line per row that ran,
// or "no transition from X on Y"), for the debug log.
struct StandbyStep {
    std::vector<StandbyAction> actions;
    std::vector<std::string> notes;
};

class StandbyMonitor {
  public:
    StandbyMonitor(MonitorTiming timing, StandbyPolicy policy, TimePoint now);

    // One step: what was observed at `now` in, the actions to perform out (in order).
    StandbyStep handle(const Observation& observation, TimePoint now);

    // When the daemon must call handle(tick) next at the latest.
    TimePoint next_wake() const { return next_wake_; }
    StandbyState state() const { return state_; }
    // Why the machine is in its state, for logs and `service status`.
    const std::string& reason() const { return reason_; }

    // repmgr.repmgrd_is_paused(), read by the daemon: no election starts while paused.
    void set_paused(bool paused) { paused_ = paused; }
    bool paused() const { return paused_; }
    // Whether this node's record in repmgr.nodes names an upstream, as last read: without one
    // the metadata is stale and a win promotes only with always_promote (repmgrd's rule).
    void set_record_has_upstream(bool has) { record_has_upstream_ = has; }
    // Whether the upstream is the primary: only a primary holds a lease to wait out; a
    // cascaded standby whose upstream standby fails follows the primary without waiting.
    void set_upstream_is_primary(bool primary) { upstream_is_primary_ = primary; }
    // After SIGHUP: the new failover mode and timing apply from the next step.
    void reconfigure(MonitorTiming timing, StandbyPolicy policy);

    // The whole table as text: state, event, guard, next state, why.
    static std::string describe_table();

  private:
    struct Step;
    using Transition = Row<Step, StandbyState, Observed>;
    static const std::vector<Transition>& transitions();
    friend struct StandbyRows;

    void enter(StandbyState next, std::string reason, TimePoint now);
    void schedule(TimePoint now);
    // Degraded monitoring, with the election due again after election_rerun_interval.
    void degrade(std::string reason, TimePoint now);

    MonitorTiming timing_;
    StandbyPolicy policy_;
    bool paused_ = false;
    bool record_has_upstream_ = true;
    bool upstream_is_primary_ = true;
    StandbyState state_ = StandbyState::monitoring;
    std::string reason_ = "monitoring the upstream node";
    bool check_in_flight_ = false;
    int attempts_done_ = 0;
    TimePoint next_check_;    // monitoring/degraded: the next upstream check
    TimePoint next_attempt_;  // reconnecting: the next attempt
    TimePoint next_poll_;     // reconnecting/waiting/degraded: the next look for a primary
    TimePoint deadline_;      // waiting_for_primary: primary_notification_timeout
    TimePoint rerun_at_;      // degraded: the next election
    TimePoint lost_at_;       // when the upstream was first lost in this episode
    std::optional<TimePoint> give_up_at_;  // degraded: degraded_monitoring_timeout
    TimePoint next_wake_;
};

}  // namespace pgwarden::failover
