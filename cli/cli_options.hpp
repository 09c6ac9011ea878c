// Everything the pgwarden command line can say. Like repmgr, one option table serves every
// command; each command reads the options it understands.
#pragma once

#include "log/log.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pgwarden::cli {

struct CliOptions {
    std::vector<std::string> words;  // the command, e.g. {"cluster", "show"}
    bool help = false;
    bool version = false;  // -V, as "repmgr --version"

    // general
    std::optional<std::string> config_file;  // -f
    bool force = false;                      // -F
    bool verbose = false;                    // -v
    bool terse = false;                      // -t
    bool dry_run = false;
    std::optional<log::Level> log_level;  // -L / --log-level
    std::optional<std::string> ini;       // --ini: pgwarden.ini (default: its path if present)

    // the node to connect to or act on
    std::optional<std::string> host;  // -h
    std::optional<std::string> port;  // -p
    std::optional<std::string> user;  // -U
    // -S: the user for the checks and actions that need a superuser (repmgr's --superuser)
    std::optional<std::string> superuser;
    std::optional<std::string> dbname;  // -d (a conninfo for some commands, as repmgr)
    std::optional<int> node_id;
    std::optional<std::string> node_name;
    // given, but dropped where repmgr drops them (discard_ignored_options); still warned about
    bool node_id_discarded = false;
    bool node_name_discarded = false;
    std::optional<int> upstream_node_id;

    // output
    bool csv = false;
    bool compact = false;
    bool detail = false;  // service status --detail
    bool json = false;
    bool nagios = false;
    bool optformat = false;  // repmgr's internal "--name=VALUE" form (replication-config-owner)

    // cluster event
    std::optional<int> limit;
    bool all = false;
    std::optional<std::string> event;

    // standby clone / register / follow
    bool fast_checkpoint = false;
    bool wait = false;        // -w, -W or --wait[=SECS]: standby follow's "wait for a primary"
    bool wait_given = false;  // -w/--wait itself: repmgr's "wait provided" (-W is its --no-wait)
    // -W alone: standby follow's --wait in repmgr's help, but --no-wait to repmgr's getopt, and
    // so for node rejoin and daemon start|stop.
    bool capital_w = false;
    std::optional<int> wait_seconds;  // --wait=SECS (daemon start|stop)
    bool siblings_follow = false;     // promote / switchover --siblings-follow
    // standby switchover
    bool always_promote = false;
    bool repmgrd_no_pause = false;
    bool repmgrd_force_unpause = false;
    std::optional<int> drain_timeout;        // seconds HAProxy is given to drain the old primary
    std::optional<std::string> remote_user;  // -R: the ssh user on other nodes
    std::optional<int> wait_start;           // --wait-start=SECS (register)
    std::optional<int> wait_sync;            // --wait-sync[=SECS]; -1: no value given
    bool copy_external_config_files = false;
    std::optional<std::string> copy_external_config_files_to;  // "samepath" or "pgdata"
    // standby clone's replication settings and modes
    std::optional<std::string> upstream_conninfo;         // primary_conninfo to write as given
    std::optional<std::string> replication_user;          // the user in primary_conninfo
    std::optional<std::string> recovery_min_apply_delay;  // overrides repmgr.conf's
    bool replication_conf_only = false;   // write the settings into an existing clone only
    bool verify_backup = false;           // pg_verifybackup after the copy
    bool without_barman = false;          // pgwarden never clones from Barman anyway
    bool no_upstream_connection = false;  // Barman mode only

    // node rejoin
    std::optional<std::string>
        force_rewind;  // --force-rewind[=PATH]: "" = pg_rewind from pg_bindir
    std::optional<std::string> config_files;        // --config-files=a,b: kept across pg_rewind
    std::optional<std::string> config_archive_dir;  // --config-archive-dir (default /tmp)
    bool no_wait = false;                           // --no-wait (repmgr's -W for node rejoin)

    // node check: the checks asked for (e.g. "replication-lag", "role"); empty = all
    std::set<std::string> checks;
    std::optional<int> remote_node_id;  // node check --replication-connection (switchover's)

    // node status --is-shutdown-cleanly (switchover's, on the demotion candidate)
    bool is_shutdown_cleanly = false;
    // node check --has-passfile (switchover's): exit 0 when libpq knows "passfile"
    bool has_passfile = false;

    // node service
    std::optional<std::string> action;  // --action=start|stop|restart|reload|promote
    bool list_actions = false;
    bool checkpoint = false;  // CHECKPOINT before stop / restart

    // repmgr's remaining global options, and cluster cleanup's
    bool quiet = false;                    // -q: errors only
    bool version_number = false;           // --version-number
    bool log_to_file = false;              // --log-to-file: log_file / log_facility of repmgr.conf
    std::optional<std::string> pg_bindir;  // -b: overrides repmgr.conf's pg_bindir
    std::optional<std::string> pgdata;     // -D: overrides repmgr.conf's data_directory
    std::optional<int> keep_history;       // -k: days of monitoring history cleanup keeps
    bool dump_config = false;              // --dump-config: repmgr.conf's values, then exit

    // repmgr 5.3's getopt options outside its --help, each only warned about (as repmgr does)
    bool check_upstream_config = false;             // deprecated for --dry-run
    std::optional<std::string> remote_config_file;  // -C: "no longer required"
    bool disable_wal_receiver = false;              // node control's (repmgr's testing command)
    bool enable_wal_receiver = false;
};

// Parses argv; throws std::runtime_error with a message for the user on bad input.
CliOptions parse_cli_options(int argc, const char* const argv[]);

}  // namespace pgwarden::cli
