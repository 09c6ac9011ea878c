#include "failover/handover.hpp"

#include <fmt/format.h>

namespace pgwarden::failover {

namespace {
constexpr std::string_view kMarkerPrefix = "pgwarden-switchover ";
constexpr std::chrono::seconds kHaproxyInter{1};  // the shipped haproxy.cfg's check interval
}  // namespace

std::string marker_name(long request_id, bool abort) {
    return fmt::format("{}{} {}", kMarkerPrefix, request_id, abort ? "abort" : "waiting");
}

MarkerSeen read_marker(std::string_view application_name, long request_id) {
    if (application_name == marker_name(request_id, true))
        return MarkerSeen::abort;
    if (application_name == marker_name(request_id, false))
        return MarkerSeen::waiting;
    return MarkerSeen::none;
}

bool drain_finished(const DrainView& view) {
    if (view.elapsed >= view.drain)
        return true;
    return view.had_sessions && view.client_sessions == 0 && view.elapsed >= kHaproxyInter;
}

AfterStop after_stop(const AfterStopView& view) {
    // A primary now: whatever the marker says, the old primary must follow it, once the command
    // recorded it (or is gone and never will).
    if (view.candidate_reachable && !view.candidate_in_recovery)
        return view.candidate_recorded_primary || view.marker == MarkerSeen::none
                   ? AfterStop::rejoin
                   : AfterStop::keep_waiting;
    if (view.marker == MarkerSeen::abort)
        return AfterStop::restart_as_primary;
    // The command is gone and the candidate still replays: it never promoted, and no one else
    // will while the daemons are paused.
    if (view.candidate_reachable && view.marker == MarkerSeen::none &&
        view.marker_absent_for >= kMarkerGrace)
        return AfterStop::restart_as_primary;
    // An unreachable candidate may have been promoted: restarting could make two primaries.
    if (view.waited >= kAfterStopLimit)
        return AfterStop::stay_down;
    return AfterStop::keep_waiting;
}

std::string_view after_stop_name(AfterStop verdict) {
    switch (verdict) {
        case AfterStop::keep_waiting:
            return "keep waiting";
        case AfterStop::rejoin:
            return "rejoin the new primary";
        case AfterStop::restart_as_primary:
            return "start again as the primary";
        case AfterStop::stay_down:
            return "stay stopped";
    }
    return "unknown";
}

}  // namespace pgwarden::failover
