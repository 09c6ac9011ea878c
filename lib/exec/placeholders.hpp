// repmgr's placeholder expansion for event_notification_command, follow_command and
// failover_validation_command: pure string functions, so every case is unit-tested.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::exec {

// What an event_notification_command may refer to.
struct EventPlaceholders {
    int node_id = 0;                             // %n
    std::string event;                           // %e
    bool successful = true;                      // %s: "1" or "0"
    std::string timestamp;                       // %t
    std::string details;                         // %d, double quotes escaped as repmgr does
    std::optional<int> other_node_id;            // %p
    std::optional<std::string> other_conninfo;   // %c
    std::optional<std::string> other_node_name;  // %a
};

// A backslash before every '"' not already preceded by one (repmgr's escape_double_quotes), so
// "%d" can sit inside double quotes in a shell command.
std::string escape_double_quotes(std::string_view text);

// %n %e %s %t %d %p %c %a and %%; an absent %p/%c/%a expands to nothing; any other "%x" stays
// as written, as in repmgr 5.3.
std::string expand_event_command(std::string_view command, const EventPlaceholders& values);

// Each "%x" whose x is a key of `values` becomes its value, "%%" a '%'; anything else stays as
// written. The building block of the specific expansions below.
std::string expand_placeholders(std::string_view command,
                                const std::map<char, std::string>& values);

// follow_command: %n is the new upstream's node_id, %% a '%'; anything else stays as written.
std::string expand_follow_command(std::string_view command, int upstream_node_id);

// failover_validation_command: %n node_id, %a node_name, %v visible nodes, %u nodes sharing the
// failed upstream, %t total nodes, %% a '%'; anything else stays as written.
struct ValidationPlaceholders {
    int node_id = 0;
    std::string node_name;
    int visible_nodes = 0;
    int sharing_upstream = 0;
    int total_nodes = 0;
};
std::string expand_validation_command(std::string_view command,
                                      const ValidationPlaceholders& values);

}  // namespace pgwarden::exec
