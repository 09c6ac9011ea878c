// Reading repmgr.events back, as `cluster event` lists them: newest first, optionally for one
// node or one kind of event. Throws pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

struct EventFilter {
    std::optional<int> node_id;
    std::optional<std::string> event;
    std::optional<int> limit;  // nothing: every event
};

struct EventEntry {
    int node_id = 0;
    std::string node_name;  // empty when the node has no record any more
    std::string event;
    bool successful = true;
    std::string timestamp;  // YYYY-MM-DD HH24:MI:SS
    std::string details;    // empty when there are none
};

std::vector<EventEntry> list_events(pg::Connection& conn, const EventFilter& filter);

}  // namespace pgwarden::cluster
