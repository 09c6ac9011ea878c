// repmgr's global options that change what repmgr.conf says once it is read: -b/--pg_bindir,
// -D/--pgdata and --log-to-file.
#pragma once

#include "cli_options.hpp"

#include "config/repmgr_config.hpp"

namespace pgwarden::cli {

// The repmgr.conf values the command line overrides, replaced in `config`: -b's pg_bindir, as
// repmgr's runtime options win over the file. -D/--pgdata gets repmgr's warnings: repmgr 5.3
// reads it only for a standby clone without a repmgr.conf, which pgwarden always has.
void apply_config_overrides(const CliOptions& options, config::RepmgrConfig& config);

// --log-to-file: from now on log lines go where repmgr.conf sends repmgrd's (log_facility's
// syslog, else log_file, else stderr), with repmgrd's timestamped prefix, as repmgr does when
// repmgrd runs it as a promote or follow command. Throws config::ConfigError on a bad
// log_facility or a log_file that cannot be opened.
void log_to_config_file(const config::RepmgrConfig& config);

}  // namespace pgwarden::cli
