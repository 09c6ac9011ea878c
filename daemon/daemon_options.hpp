// pgwardend's command line: repmgrd 5.3's own options and exit codes, so units and scripts
// written for repmgrd (the PGDG unit runs `repmgrd -f FILE -p FILE -d --verbose`) work unchanged.
#pragma once

#include "log/log.hpp"
#include "model/exit_codes.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::daemon {

struct DaemonOptions {
    std::optional<std::string> config_file;  // -f/--config-file; none: repmgr's search order
    bool daemonize = true;                   // -d, --daemonize[=bool]; repmgrd 5.x default: true
    std::optional<std::string> pid_file;     // -p/--pid-file
    bool no_pid_file = false;                // --no-pid-file (wins over -p and the config)
    bool show_pid_file = false;              // -s/--show-pid-file: print the path, exit 0
    std::optional<log::Level> log_level;     // -L/--log-level, overrides the config's log_level
    bool verbose = false;                    // -v/--verbose
    bool monitoring_history = false;  // -m/--monitoring-history: forces monitoring_history=on
    // --ini: pgwarden.ini for the [daemon] section (fencing); none: the default path if present.
    std::optional<std::string> ini_file;
};

// "Stop here": what to print and the exit code (--help, --version, a bad command line).
struct ExitNow {
    int code = model::kSuccess;
    std::string out;  // for stdout
    std::string err;  // for stderr
};

// Exactly one of the two is set.
struct ParseResult {
    std::optional<DaemonOptions> options;
    std::optional<ExitNow> exit;
};

// Parses argv as repmgrd 5.3 does (GNU getopt_long rules: options in any order, the last of a
// repeated option wins, unambiguous prefixes of long names, "-vm" groups). --help, -? and
// --version stop at once when reached, as in repmgrd; an unknown option stops with exit 1 and
// repmgrd's "Try --help" lines; a bad value (-L, --daemonize=) is collected with the others and
// reported together, exit 1. Unlike repmgrd, stray arguments and empty -f/-p values are errors
// rather than silently ignored. Never exits and never prints.
ParseResult parse_daemon_options(int argc, const char* const argv[]);

// Where the PID file goes, as repmgrd decides: nowhere with --no-pid-file, else -p, else the
// config's repmgrd_pid_file, else "$TMPDIR/repmgrd.pid" (TMPDIR unset or empty: /tmp).
struct PidFileChoice {
    std::optional<std::string> path;     // none: no PID file
    std::optional<std::string> warning;  // set when -p overrides repmgrd_pid_file, as repmgrd warns
};
PidFileChoice choose_pid_file(const DaemonOptions& options, std::string_view config_pid_file,
                              const char* tmpdir);

// What -s/--show-pid-file prints: the path and a newline, or just a newline with --no-pid-file.
std::string show_pid_file_text(const PidFileChoice& choice);

}  // namespace pgwarden::daemon
