// What pgwardend does before its loop, as repmgrd does it: read and check repmgr.conf, find this
// node's record and its role, and publish itself through the repmgr extension.
#pragma once

#include "cluster/daemon_state_store.hpp"
#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "failover/mode.hpp"

#include <optional>
#include <stdexcept>
#include <string>

namespace pgwarden::daemon {

// A start-up failure: the message (already with its DETAIL/HINT lines) and repmgrd's exit code.
class StartupError : public std::runtime_error {
  public:
    StartupError(int exit_code, const std::string& message)
        : std::runtime_error(message), exit_code_(exit_code) {}
    int exit_code() const { return exit_code_; }

  private:
    int exit_code_;
};

struct ConfigOverrides {
    std::optional<std::string> config_file;  // -f; otherwise repmgr's search order
    std::optional<std::string> log_level;    // -L
    bool verbose = false;                    // -v
    bool monitoring_history = false;         // -m
};

// Locates, reads and checks repmgr.conf with repmgrd's rules (failover=automatic needs the
// promote and follow commands) and applies the command-line overrides. Throws
// config::ConfigError (file:line) or StartupError.
config::RepmgrConfig load_daemon_config(const ConfigOverrides& overrides);

// The repmgrd keys pgwardend reads but does not act on yet, each logged once at start when the
// file sets it: never silently ignored.
void log_unimplemented_settings(const config::RepmgrConfig& config);

struct PreparedNode {
    cluster::NodeRecord self;  // as repmgr.nodes has it
    failover::DaemonMode mode = failover::DaemonMode::standby;
    // A standby's node to monitor: its record's upstream or, when the record has none (stale
    // metadata), the cluster's primary, as repmgrd does.
    std::optional<int> monitored_upstream_id;
};

// Connects to the local node, checks the metadata, loads this node's record (re-activating an
// inactive one unless repmgrd_exit_on_inactive_node), tells a standby from a primary and picks
// the node a standby monitors.
// Throws StartupError with repmgrd's exit codes (ERR_DB_CONN, ERR_BAD_CONFIG).
PreparedNode prepare_node(const config::RepmgrConfig& config);

// set_local_node_id and set_repmgrd_pid on the local node, where the extension is installed;
// else the PID in repmgr.daemon_status on the primary. A standby also publishes its upstream
// (set_upstream_node_id).
void publish_daemon(const config::RepmgrConfig& config, int pid, const std::string& pid_file,
                    std::optional<int> upstream_node_id);
// The same on a store (the PID left for later where the primary is out of reach). Throws
// pg::PgError.
void publish_daemon(cluster::DaemonStateStore& store, int node_id, int pid,
                    const std::string& pid_file, std::optional<int> upstream_node_id);
// Clears the published PID at a clean exit; best effort.
void unpublish_daemon(const config::RepmgrConfig& config);

}  // namespace pgwarden::daemon
