// The primary's failover daemon as a state machine: watch the local PostgreSQL (ride out a
// restart; notice a restart as a standby) and the standbys attached to it (child_nodes_* events
// and child_nodes_disconnect_command). Pure, like the standby's machine.
#pragma once

#include "failover/actions.hpp"

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
};

enum class PrimaryState {
    running,      // the local primary answers
    local_down,   // the local PostgreSQL does not answer: waiting for it
    handed_over,  // it came back as a standby: the daemon monitors it as a standby now
    giving_up,    // degraded_monitoring_timeout ran out
};
std::string_view state_name(PrimaryState state);

enum class LocalSeen { primary, standby, unreachable };

struct ChildNode {
    int node_id = 0;
    std::string node_name;
    bool witness = false;
};

class PrimaryMonitor {
  public:
    PrimaryMonitor(PrimaryTiming timing, TimePoint now);

    std::vector<Action> tick(TimePoint now);
    // The answer to check_local.
    std::vector<Action> local(LocalSeen seen, const std::string& detail, TimePoint now);
    // The answer to check_children: the registered children and the node_ids streaming now.
    std::vector<Action> children(const std::vector<ChildNode>& registered,
                                 const std::set<int>& attached, TimePoint now);

    // check_children could not ask the local node: nothing is concluded, the next check is due.
    void children_unknown() { children_check_in_flight_ = false; }

    TimePoint next_wake() const;
    PrimaryState state() const { return state_; }
    void set_paused(bool paused) { paused_ = paused; }
    void reconfigure(PrimaryTiming timing) { timing_ = timing; }

  private:
    bool threshold_crossed(int connected, int disconnected) const;

    PrimaryTiming timing_;
    PrimaryState state_ = PrimaryState::running;
    bool paused_ = false;
    bool local_check_in_flight_ = false;
    bool children_check_in_flight_ = false;
    TimePoint next_local_check_;
    TimePoint next_children_check_;
    std::optional<TimePoint> down_since_;
    // Children seen attached at least once; those never seen since start are not counted.
    std::map<int, bool> known_attached_;
    bool baseline_taken_ = false;
    std::optional<TimePoint> threshold_since_;
    bool command_ran_this_episode_ = false;
};

}  // namespace pgwarden::failover
