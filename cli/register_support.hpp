// What primary/standby register and cluster event share: the node record repmgr builds from
// repmgr.conf (init_node_record), and repmgr's DETAIL/HINT lines.
#pragma once

#include "cli_options.hpp"

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "log/log.hpp"

#include <optional>
#include <string>

namespace pgwarden::cli::reg {

// -f, or repmgr's search order, with -b/-D applied and --log-to-file's logging set up; throws
// config::ConfigError.
config::RepmgrConfig load_config(const CliOptions& options);

// "DETAIL: ..." / "HINT: ..." after the message they explain, at its level, as repmgr prints them.
void detail(log::Level level, const std::string& text);
void hint(log::Level level, const std::string& text);

// `conninfo` (key=value or URI) with `keyword` set to `value`, as key=value pairs; nothing when
// libpq cannot parse it. Used for -S/--superuser, as repmgr's
// establish_db_connection_with_replacement_param.
std::optional<std::string> conninfo_with(const std::string& conninfo, const char* keyword,
                                         const std::string& value);

// The local node's conninfo as -S/--superuser's user when given, as repmgr's
// establish_db_connection_with_replacement_param builds it (also setting its search_path option
// and fallback_application_name); config.conninfo itself without -S. Nothing, after repmgr's
// error, when the conninfo cannot be parsed.
std::optional<std::string> local_conninfo(const config::RepmgrConfig& config,
                                          const std::optional<std::string>& superuser);

// False, after an error saying why, when config.node_name may not be registered
// (config::node_name_problem).
bool node_name_acceptable(const config::RepmgrConfig& config);

// "repmgr_slot_<node_id>", repmgr's slot name for a node.
std::string slot_name_for(int node_id);

// The row repmgr writes for this node: id, name, conninfo, location, priority and config file
// from repmgr.conf; repluser from replication_user, else the conninfo's user, else
// `connected_user`; slot_name only when use_replication_slots.
cluster::NodeRecord node_record_from_config(const config::RepmgrConfig& config,
                                            model::NodeType type,
                                            std::optional<int> upstream_node_id,
                                            const std::string& connected_user);

}  // namespace pgwarden::cli::reg
