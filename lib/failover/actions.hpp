// What the failover machines ask the daemon to do: one small vocabulary for the standby's and the
// primary's state machines, performed by daemon/ and reported back as observations.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace pgwarden::failover {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

enum class Act {
    check_upstream,    // one check with connection_check_type; report alive or lost
    look_for_primary,  // poll get_new_primary() and the registered nodes; report new_primary
    run_election,      // gather views, decide_election, take the election lock; report result
    promote,           // run promote_command; report promote_succeeded or promote_failed
    follow,            // node_id: run follow_command with %n; report follow_succeeded/failed
    notify_siblings,   // after a promotion: notify_follow_primary(self) on every sibling
    record_event,      // event, successful, detail: repmgr.events and the notification
    give_up,           // detail: why the daemon must exit
    // the primary's machine
    check_local,                   // is the local PostgreSQL up, and still a primary?
    check_children,                // which registered standbys stream from this node?
    run_child_disconnect_command,  // child_nodes_disconnect_command, once per episode
    become_standby,                // the local node came back as a standby: monitor as one
    set_local_active,              // successful: this node's record active or not (on the primary)
};

struct Action {
    Act act = Act::check_upstream;
    int node_id = 0;
    std::string event;  // record_event: repmgr's event name
    bool successful = true;
    std::string detail;
};

std::string_view act_name(Act what);  // "check_upstream", ... for the debug log

inline Action act(Act what, int node_id = 0) {
    return Action{what, node_id, {}, true, {}};
}

inline Action record(std::string event, bool successful, std::string detail) {
    return Action{Act::record_event, 0, std::move(event), successful, std::move(detail)};
}

}  // namespace pgwarden::failover
