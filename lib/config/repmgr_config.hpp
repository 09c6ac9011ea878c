// repmgr.conf as typed settings: every key repmgr 5.3 knows, with repmgr's defaults, minimums
// and checks, plus where each value came from.
#pragma once

#include "config/config_error.hpp"
#include "config/pg_conf_parser.hpp"
#include "config/repmgr_conf_locate.hpp"
#include "config/repmgr_values.hpp"
#include "log/log.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::config {

enum class FailoverMode { manual, automatic };
enum class ConnectionCheckType { ping, connection, query };

inline constexpr int kUnknownNodeId = -1;
// node_name becomes application_name in primary_conninfo, which PostgreSQL cuts at 63 bytes.
inline constexpr std::size_t kMaxNodeNameLength = 63;
// repmgr's MAXLEN / MAXPGPATH buffers are 1024 bytes including the terminating NUL.
inline constexpr std::size_t kMaxStringLength = 1023;

// Field names are repmgr.conf's key names; defaults are repmgr 5.3.3's (`repmgr --dump-config`).
struct RepmgrConfig {
    // node information
    int node_id = kUnknownNodeId;
    std::string node_name;
    std::string conninfo;
    std::string replication_user;
    std::string data_directory;
    std::string config_directory;
    std::string pg_bindir;
    std::string repmgr_bindir;
    std::string replication_type = "physical";  // the only value repmgr 5 accepts

    // logging; log_level empty: the program's own default (repmgr INFO, repmgr CLI NOTICE)
    std::optional<log::Level> log_level;
    std::string log_facility;  // STDERR, or a syslog facility (LOCAL0..7, USER); empty: STDERR
    std::string log_file;
    int log_status_interval = 300;

    // standby clone
    bool use_replication_slots = false;
    std::string pg_basebackup_options;
    std::string restore_command;
    std::vector<TablespaceMapping> tablespace_mapping;  // every occurrence adds one
    std::string recovery_min_apply_delay;               // integer with ms/s/min/h/d, or empty
    std::string archive_cleanup_command;
    bool use_primary_conninfo_password = false;
    std::string passfile;

    // standby promote / follow / switchover, node rejoin, node check
    int promote_check_timeout = 60;
    int promote_check_interval = 1;
    int primary_follow_timeout = 60;
    int standby_follow_timeout = 30;
    bool standby_follow_restart = false;
    int shutdown_check_timeout = 60;
    int standby_reconnect_timeout = 60;
    int wal_receive_check_timeout = 30;
    int node_rejoin_timeout = 60;
    int archive_ready_warning = 16;
    int archive_ready_critical = 128;
    int replication_lag_warning = 300;
    int replication_lag_critical = 600;

    // witness
    int witness_sync_interval = 15;

    // repmgrd
    FailoverMode failover = FailoverMode::manual;
    std::string location = "default";
    int priority = 100;
    std::string promote_command;
    std::string follow_command;
    int monitor_interval_secs = 2;
    int reconnect_attempts = 6;
    int reconnect_interval = 10;
    bool monitoring_history = false;
    int degraded_monitoring_timeout = -1;
    int async_query_timeout = 60;
    int primary_notification_timeout = 60;
    int repmgrd_standby_startup_timeout = -1;  // after loading: standby_reconnect_timeout if unset
    std::string repmgrd_pid_file;
    bool repmgrd_exit_on_inactive_node = false;
    bool standby_disconnect_on_failover = false;
    int sibling_nodes_disconnect_timeout = 30;
    ConnectionCheckType connection_check_type = ConnectionCheckType::ping;
    bool primary_visibility_consensus = false;
    bool always_promote = false;
    std::string failover_validation_command;
    int election_rerun_interval = 15;
    int child_nodes_check_interval = 5;
    int child_nodes_disconnect_min_count = -1;
    int child_nodes_connected_min_count = -1;
    bool child_nodes_connected_include_witness = false;
    int child_nodes_disconnect_timeout = 30;
    std::string child_nodes_disconnect_command;

    // service commands
    std::string pg_ctl_options;
    std::string service_start_command;
    std::string service_stop_command;
    std::string service_restart_command;
    std::string service_reload_command;
    std::string service_promote_command;
    std::string repmgrd_service_start_command;
    std::string repmgrd_service_stop_command;

    // event notifications; an empty list means every event
    std::string event_notification_command;
    std::vector<std::string> event_notifications;  // every occurrence of the key appends

    // barman, rsync/ssh
    std::string barman_host;
    std::string barman_server;
    std::string barman_config;
    std::string rsync_options;
    std::string ssh_options = "-q -o ConnectTimeout=10";

    // undocumented (repmgr's configdata.c tail)
    bool reconnect_loop_sync = false;
    int promote_delay = 0;
    int failover_delay = 0;
    std::string connection_check_query = "SELECT 1";

    // Not settings: the file read, what was not fatal, and every raw key as last set.
    std::string config_file;
    std::vector<std::string> warnings;       // "file:line: ..." lines
    std::map<std::string, ConfigEntry> raw;  // key -> its last value, file and line
};

// "file:line" where `key` was last set, or "default".
std::string source_of(const RepmgrConfig& config, const std::string& key);

// Reads and checks `path` (and its includes). Throws ConfigError listing every problem found,
// one per line, each "file:line: ..." (or "file: ..." for a missing required key).
RepmgrConfig load_repmgr_conf(const std::string& path);

// Same, from entries already parsed (for tests and for callers that parse first).
RepmgrConfig build_repmgr_config(const ParsedConfig& parsed, const std::string& config_file);

// What repmgrd checks on top of load_repmgr_conf: with failover=automatic, promote_command and
// follow_command are required. Throws ConfigError.
void check_repmgrd_requirements(const RepmgrConfig& config);

// The settings as `repmgr -f FILE --dump-config` prints them ("key|value" lines, repmgr's order
// and spelling), for comparing with the real repmgr.
std::string dump_repmgr_config(const RepmgrConfig& config);

}  // namespace pgwarden::config
