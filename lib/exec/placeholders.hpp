// repmgr's placeholder expansion for event_notification_command, follow_command,
// failover_validation_command and child_nodes_disconnect_command: pure string functions, so
// every case is unit-tested. Values come from repmgr.nodes and event details, which whoever may
// write the repmgr schema controls: each is quoted for the spot it is pasted into (see
// shell_quote.hpp) and also handed to the command as an environment variable.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgwarden::exec {

// Variables set for a command on top of the daemon's own environment: (name, value).
using Environment = std::vector<std::pair<std::string, std::string>>;

// One "%x" of a command: its letter, the variable that carries its value too, and the value;
// an absent value (nullopt) expands to nothing and leaves the variable unset.
struct Placeholder {
    char key;
    const char* env_name;
    std::optional<std::string> value;
};

// A command line ready for /bin/sh -c and the variables to run it with.
struct ExpandedCommand {
    std::string command;
    Environment environment;
};

// Each "%x" whose x is a placeholder's key becomes its value, quoted for where it stands; "%%"
// a '%'; anything else stays as written, as in repmgr 5.3.
ExpandedCommand expand_placeholders(std::string_view command,
                                    const std::vector<Placeholder>& placeholders);

// What an event_notification_command may refer to.
struct EventPlaceholders {
    int node_id = 0;                             // %n  PGWARDEN_NODE_ID
    std::string event;                           // %e  PGWARDEN_EVENT
    bool successful = true;                      // %s  PGWARDEN_SUCCESSFUL: "1" or "0"
    std::string timestamp;                       // %t  PGWARDEN_TIMESTAMP
    std::string details;                         // %d  PGWARDEN_DETAILS
    std::optional<int> other_node_id;            // %p  PGWARDEN_OTHER_NODE_ID
    std::optional<std::string> other_conninfo;   // %c  PGWARDEN_OTHER_CONNINFO
    std::optional<std::string> other_node_name;  // %a  PGWARDEN_OTHER_NODE_NAME
};
ExpandedCommand expand_event_command(std::string_view command, const EventPlaceholders& values);

// follow_command: %n (PGWARDEN_UPSTREAM_NODE_ID) is the new upstream's node_id.
ExpandedCommand expand_follow_command(std::string_view command, int upstream_node_id);

// failover_validation_command: %n node_id, %a node_name, %v visible nodes, %u nodes sharing the
// failed upstream, %t total nodes (PGWARDEN_NODE_ID, PGWARDEN_NODE_NAME,
// PGWARDEN_VISIBLE_NODES, PGWARDEN_SHARING_UPSTREAM, PGWARDEN_TOTAL_NODES).
struct ValidationPlaceholders {
    int node_id = 0;
    std::string node_name;
    int visible_nodes = 0;
    int sharing_upstream = 0;
    int total_nodes = 0;
};
ExpandedCommand expand_validation_command(std::string_view command,
                                          const ValidationPlaceholders& values);

// child_nodes_disconnect_command: %p (PGWARDEN_NODE_ID) is this node's node_id.
ExpandedCommand expand_child_disconnect_command(std::string_view command, int node_id);

}  // namespace pgwarden::exec
