// repmgr.events rows and the event_notification_command that follows each, as repmgr does.
#pragma once

#include "config/repmgr_config.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cluster {

struct Event {
    int node_id = 0;
    std::string event;  // repmgr's names: primary_register, standby_promote, ...
    bool successful = true;
    std::string details;
    // Only for the events where repmgr fills them: %p, %c, %a.
    std::optional<int> other_node_id;
    std::optional<std::string> other_conninfo;
    std::optional<std::string> other_node_name;
};

// Inserts the event into repmgr.events through `conn` (when given and writable) and then runs
// config.event_notification_command if config.event_notifications lets this event through.
// Never throws: a failure to record or notify is logged as a warning, as repmgr does.
// Returns the timestamp used (from the database, or local time when nothing was written).
std::string record_event(pg::Connection* conn, const config::RepmgrConfig& config,
                         const Event& event);

// record_event's two halves, for a caller that must act between them: a fenced primary writes
// its row before its server turns read-only or stops, and runs the notification command (which
// may take a minute) only after the fence is applied. Neither throws.
// The row through `conn` (when given and writable); the timestamp used, as record_event's.
std::string insert_event_row(pg::Connection* conn, const Event& event);
// config.event_notification_command for the event recorded at `timestamp`, if wanted.
void notify_event(const config::RepmgrConfig& config, const Event& event,
                  const std::string& timestamp);

}  // namespace pgwarden::cluster
