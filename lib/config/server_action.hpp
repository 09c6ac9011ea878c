// Pure: the shell command that starts, stops, restarts, reloads or promotes the local server, as
// repmgr 5.3's get_server_action builds it (service_*_command, else pg_ctl), and the
// `node service --list-actions` text.
#pragma once

#include "config/repmgr_config.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::config {

// stop_wait is pg_ctl stop -w (switchover waits for the shutdown); stop is -W, as repmgr's.
enum class ServerAction { none, start, stop, stop_wait, restart, reload, promote };

// --action's value, case-insensitive; "" is none; nullopt for anything else.
std::optional<ServerAction> parse_server_action(std::string_view name);

// Whether the command is pg_ctl's, which needs the data directory (no service_*_command set).
bool data_dir_required(ServerAction action, const RepmgrConfig& config);

// The directory pg_ctl gets with -D: config_directory when set, else data_directory (repmgr's
// get_node_config_directory).
std::string pg_ctl_directory(const RepmgrConfig& config);

// The command for `action` ("" for none); `data_dir` is what -D names ("(none provided)" when
// empty, as repmgr writes it).
std::string server_action_command(ServerAction action, const RepmgrConfig& config,
                                  const std::string& data_dir);

// `node service --list-actions` output: the one command for `action`, or every action's.
std::string list_server_actions(ServerAction action, const RepmgrConfig& config);

}  // namespace pgwarden::config
