// The primary's failover daemon as a transition table, the same shape as the standby's: watch
// the local PostgreSQL (ride out a restart; notice a restart as a standby), the standbys
// attached to it (child_nodes_* events and child_nodes_disconnect_command), and its standing
// among the other nodes: the lease the probe trusts is renewed only while a majority is seen and
// nobody was promoted after this node; otherwise it runs out and the node fences itself. Pure.
#pragma once

#include "failover/actions.hpp"
#include "failover/transition_table.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgwarden::failover {

struct PrimaryTiming {
    std::chrono::seconds monitor_interval{2};
    std::optional<std::chrono::seconds> degraded_monitoring_timeout;  // nothing: never give up
    std::chrono::seconds child_nodes_check_interval{5};
    std::chrono::seconds child_nodes_disconnect_timeout{30};
    int child_nodes_connected_min_count = -1;   // -1: not used
    int child_nodes_disconnect_min_count = -1;  // -1: not used
    bool child_nodes_connected_include_witness = false;
    bool has_disconnect_command = false;  // child_nodes_disconnect_command is set
    FenceSettings fence;
};

enum class PrimaryState {
    running,       // the local primary answers and holds its standing
    isolated,      // no majority seen: the lease is not renewed, the fence timeout runs
    fenced,        // the node lost its standing: lease fenced, fence action applied
    local_down,    // the local PostgreSQL does not answer: waiting for it
    handing_over,  // a planned switchover: the lease says fenced, the daemon drains and stops it
    handed_over,   // it came back as a standby: the daemon monitors it as a standby now
    giving_up,     // degraded_monitoring_timeout ran out
};
std::string_view state_name(PrimaryState state);

enum class LocalSeen { primary, standby, unreachable };

struct ChildNode {
    int node_id = 0;
    std::string node_name;
    bool witness = false;
};

enum class PrimaryObserved {
    tick,                  // a wake-up time returned by next_wake() has come
    local_primary,         // check_local: the local node answers and is not in recovery
    local_standby,         // check_local: it answers and is in recovery (restarted as a standby)
    local_unreachable,     // check_local: it does not answer (detail: why)
    children_seen,         // check_children: the registered children and those streaming now
    children_unknown,      // check_children could not ask the local node
    peers_seen,            // check_peers: the standing judged from what was seen (`standing`)
    promoted,              // this node was just promoted holding the election lock on a majority
    switchover_requested,  // check_local found a switchover request addressed to this node
    handover_done,         // the hand-over ended (`claimed`: it was carried out; detail: how)
};
std::string_view observed_name(PrimaryObserved what);

struct PrimaryObservation {
    PrimaryObserved what = PrimaryObserved::tick;
    std::string detail;
    std::vector<ChildNode> registered;       // children_seen
    std::set<int> attached;                  // children_seen: node_ids streaming (or connected)
    StandingVerdict standing;                // peers_seen
    TimePoint checked_at{};                  // peers_seen, promoted: when the evidence was gathered
    std::optional<HandoverRequest> request;  // switchover_requested
    bool claimed = false;                    // handover_done
};

struct PrimaryStep {
    std::vector<PrimaryAction> actions;
    std::vector<std::string> notes;  // why, one line per row that ran, for the debug log
};

class PrimaryMonitor {
  public:
    PrimaryMonitor(PrimaryTiming timing, TimePoint now);

    PrimaryStep handle(const PrimaryObservation& observation, TimePoint now);
    // Shorthands for handle().
    PrimaryStep tick(TimePoint now) { return handle({}, now); }
    PrimaryStep local(LocalSeen seen, const std::string& detail, TimePoint now);
    PrimaryStep children(const std::vector<ChildNode>& registered, const std::set<int>& attached,
                         TimePoint now);
    PrimaryStep peers(const StandingVerdict& standing, TimePoint checked_at, TimePoint now);

    TimePoint next_wake() const;
    PrimaryState state() const { return state_; }
    void set_paused(bool paused) { paused_ = paused; }
    void reconfigure(PrimaryTiming timing) { timing_ = timing; }

    // The whole table as text: state, event, guard, next state, why.
    static std::string describe_table();

  private:
    struct Step;
    using Transition = Row<Step, PrimaryState, PrimaryObserved>;
    static const std::vector<Transition>& transitions();
    friend struct PrimaryRows;

    bool threshold_crossed(int connected, int disconnected) const;
    // When the lease last renewed runs out (from the start when never confirmed).
    TimePoint lease_end() const;
    void count_children(const std::vector<ChildNode>& registered, const std::set<int>& attached,
                        TimePoint now, std::vector<PrimaryAction>& actions);

    PrimaryTiming timing_;
    PrimaryState state_ = PrimaryState::running;
    bool paused_ = false;
    bool local_check_in_flight_ = false;
    bool children_check_in_flight_ = false;
    bool peers_check_in_flight_ = false;
    TimePoint next_local_check_;
    TimePoint next_children_check_;
    TimePoint next_peers_check_;
    TimePoint started_at_;
    TimePoint last_step_;
    // The last time a majority confirmed this node (nothing: not since start); the lease it
    // renewed lasts until then + fence.timeout.
    std::optional<TimePoint> confirmed_at_;
    bool superseded_ = false;  // fenced because another node was promoted: never lifted
    std::string fence_reason_;
    std::optional<TimePoint> down_since_;
    // Children seen attached at least once; those never seen since start are not counted.
    std::map<int, bool> known_attached_;
    bool baseline_taken_ = false;
    std::optional<TimePoint> threshold_since_;
    bool command_ran_this_episode_ = false;
};

}  // namespace pgwarden::failover
