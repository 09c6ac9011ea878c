// Where this node's PostgreSQL programs (pg_ctl, pg_rewind, pg_controldata, ...) are: pg_bindir
// from repmgr.conf, else Debian's PostgreSQL 15 directory when it has the program, else the bare
// name for PATH. The CLI and the daemon both run them.
#pragma once

#include "config/repmgr_config.hpp"

#include <string>

namespace pgwarden::config {

std::string pg_program(const RepmgrConfig& config, const std::string& name);

}  // namespace pgwarden::config

namespace pgwarden::config {

// What repmgr's get_server_action runs for a service action: service_<action>_command when set,
// else pg_ctl with pg_ctl_options on data_directory (stop: fast and waited for up to
// shutdown_check_timeout; start and restart waited for).
enum class ServiceAction { start, stop, restart, reload, promote };
std::string service_command(const RepmgrConfig& config, ServiceAction action);

}  // namespace pgwarden::config
