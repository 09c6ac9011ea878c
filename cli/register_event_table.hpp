// `cluster event` output in repmgr 5.3's shapes: the table, --compact (no Details) and --csv.
#pragma once

#include <string>
#include <vector>

namespace pgwarden::cli::reg {

struct EventRow {
    std::string node_id;
    std::string node_name;  // empty when the node has no record any more
    std::string event;
    std::string successful;  // "t" / "f", as repmgr prints the boolean
    std::string timestamp;   // YYYY-MM-DD HH24:MI:SS
    std::string details;
};

// Header, dashed rule, one line per row, then an empty line; "no matching events found" when
// there are no rows (also for --csv), as repmgr prints it.
std::string format_event_table(const std::vector<EventRow>& rows, bool compact);
// "node_id,name,event,t|f,timestamp" per row, unquoted, as repmgr.
std::string format_event_csv(const std::vector<EventRow>& rows);

}  // namespace pgwarden::cli::reg
