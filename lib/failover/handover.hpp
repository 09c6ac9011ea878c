// A planned switchover as the old primary's pgwardend carries it out, without SSH: `pgwarden
// standby switchover` on the candidate asks through a row on the primary (lib/cluster
// switchover_queries), and this daemon drains, stops and later rejoins or restarts its node. The
// candidate is read-only until promoted, so the switchover command answers through a session of
// its own on the candidate, named by application_name (the marker). Pure: the decisions and the
// marker's text; the daemon's handover_io does the work.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::failover {

// What the switchover command asks of the old primary's daemon (one row, by id).
struct HandoverRequest {
    long id = 0;
    int candidate_node_id = 0;
    std::chrono::seconds drain{3};  // how long HAProxy needs to see 503 and mark the node down
    // node rejoin's --force-rewind[=PATH] when the candidate may lack WAL (--always-promote).
    std::optional<std::string> force_rewind;
    std::string config_files;  // node rejoin --config-files
};

// The request row's states, in order; `done`/`failed` are written on the new primary.
inline constexpr std::string_view kRequested = "requested";
inline constexpr std::string_view kDraining = "draining";
inline constexpr std::string_view kStopping = "stopping";

// The marker: the switchover command's session on the candidate is named
// "pgwarden-switchover <id> waiting" while it decides and "... abort" once it gave up.
enum class MarkerSeen { none, waiting, abort };
std::string marker_name(long request_id, bool abort);
// The marker among the candidate's application_names (one of them); none when absent.
MarkerSeen read_marker(std::string_view application_name, long request_id);

// The drain is over once `drain` has passed, or once the client sessions that were there are
// gone after HAProxy's first check interval: shutdown-sessions closes them when it marks the
// node down.
struct DrainView {
    std::chrono::milliseconds elapsed{0};
    std::chrono::seconds drain{3};
    int client_sessions = 0;    // now
    bool had_sessions = false;  // at any point since the drain began
};
bool drain_finished(const DrainView& view);

// After its PostgreSQL stopped: what the old primary's daemon does next, from what it sees of
// the candidate and the marker.
enum class AfterStop {
    keep_waiting,        // the switchover command is still deciding
    rejoin,              // the candidate is a primary now: node rejoin to it
    restart_as_primary,  // the command gave up, or vanished without promoting: start again
    stay_down,           // nothing can be known safely: leave it stopped and say so
};
struct AfterStopView {
    bool candidate_reachable = false;
    bool candidate_in_recovery = true;
    // The candidate's repmgr.nodes names it the primary: the command recorded the promotion, so
    // node rejoin finds the metadata it checks.
    bool candidate_recorded_primary = false;
    MarkerSeen marker = MarkerSeen::none;
    // How long the marker has been absent while the candidate was seen in recovery (0: present).
    std::chrono::milliseconds marker_absent_for{0};
    std::chrono::milliseconds waited{0};  // since the stop
};
// A promotion the command started just before its session ended has this long to show.
inline constexpr std::chrono::seconds kMarkerGrace{10};
// The longest the daemon waits in all; the switchover command's own steps are bounded below it.
inline constexpr std::chrono::seconds kAfterStopLimit{600};
AfterStop after_stop(const AfterStopView& view);
std::string_view after_stop_name(AfterStop verdict);

}  // namespace pgwarden::failover
