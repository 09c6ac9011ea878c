// repmgr's global options that change what repmgr.conf says once it is read: -b/--pg_bindir,
// -D/--pgdata, --log-to-file and --dump-config; and its warnings about the ones it ignores.
#pragma once

#include "cli_options.hpp"
#include "option_applicability.hpp"

#include "config/repmgr_config.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace pgwarden::cli {

// repmgr's "following problems with command line parameters detected" lines for `options`
// (without their "  " indent): the getopt options repmgr 5.3 still takes but no longer uses
// (-C, --check-upstream-config), then check_cli_parameters()'s warnings (option_applicability).
std::vector<std::string> command_line_warnings(const CliOptions& options);

// The errors and warnings repmgr 5.3 gives for `options` once repmgr.conf is read;
// `barman_host_set`: repmgr.conf names a barman_host (standby clone's Barman mode);
// `config_directory_set`: it names a config_directory (standby clone warns).
CommandLineProblems command_line_problems(const CliOptions& options, bool barman_host_set,
                                          bool config_directory_set = false);

// repmgr's "The following command line errors were encountered:" report, whole, for main to
// print as it is (exit 1): thrown once repmgr.conf is read, as repmgr checks after reading it.
struct CommandLineErrors : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// That report's text for `errors`, ending in repmgr's hint at `pgwarden --help` and at the
// command group's (`group`, e.g. "node") --help.
std::string command_line_errors_text(const std::vector<std::string>& errors,
                                     const std::string& group);

// The repmgr.conf values the command line overrides, replaced in `config`: -b's pg_bindir, as
// repmgr's runtime options win over the file. -D/--pgdata gets repmgr's warnings: repmgr 5.3
// reads it only for a standby clone without a repmgr.conf, which pgwarden always has.
// Throws CommandLineErrors when repmgr refuses the command line (command_line_problems' errors),
// else prints its warnings (unless -t).
void apply_config_overrides(const CliOptions& options, config::RepmgrConfig& config);

// --log-to-file: from now on log lines go where repmgr.conf sends repmgrd's (log_facility's
// syslog, else log_file, else stderr), with repmgrd's timestamped prefix, as repmgr does when
// repmgrd runs it as a promote or follow command. Throws config::ConfigError on a bad
// log_facility or a log_file that cannot be opened.
void log_to_config_file(const config::RepmgrConfig& config);

// --dump-config: repmgr.conf's values as `repmgr --dump-config` prints them, "key|value" lines
// (repmgr's defaults when there is no -f and no repmgr.conf anywhere, as repmgr's). As repmgr,
// it takes no command: with one it refuses, exit 1. Throws config::ConfigError on a bad file.
int dump_config(const CliOptions& options);

}  // namespace pgwarden::cli
