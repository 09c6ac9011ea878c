#include "startup.hpp"

#include "cluster_io.hpp"
#include "failover_jobs.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_state_store.hpp"
#include "cluster/node_write.hpp"
#include "failover/mode.hpp"
#include "log/log.hpp"
#include "model/exit_codes.hpp"

#include <array>

namespace pgwarden::daemon {
namespace {

// Read from repmgr.conf, not acted on yet. Each is named when the file sets it.
constexpr std::array kNotImplemented{
    "reconnect_loop_sync",
    "failover_delay",
    "promote_delay",
};

// A standby whose record names no upstream (stale metadata) watches the cluster's primary, as
// repmgrd does: the active primary record in the local copy of repmgr.nodes.
cluster::NodeRecord primary_to_monitor(pg::Connection& local, const cluster::NodeRecord& self) {
    std::optional<cluster::NodeRecord> primary;
    try {
        for (const auto& node : cluster::load_nodes(local))
            if (node.active && node.type == model::NodeType::primary)
                primary = node;
    } catch (const pg::PgError& e) {
        throw StartupError(model::kErrBadConfig,
                           fmt::format("unable to read the node records: {}", e.what()));
    }
    if (!primary)
        throw StartupError(model::kErrBadConfig,
                           fmt::format("this node is a {} but its record (ID: {}) has no "
                                       "upstream node, and no active primary is recorded in "
                                       "repmgr.nodes to monitor instead\n"
                                       "HINT: re-register it with \"standby register --force\"",
                                       self.type, self.node_id));
    log::warning(
        "this node's record (ID: {}) has no upstream node (stale metadata?): monitoring the "
        "primary \"{}\" (ID: {}) instead\n"
        "HINT: re-register it with \"standby register --force\"; it promotes only with "
        "\"always_promote=true\"",
        self.node_id, primary->node_name, primary->node_id);
    return *primary;
}

// The local node's store; a table's writes go to the primary, opened into `primary`.
std::unique_ptr<cluster::DaemonStateStore> open_store(pg::Connection& local,
                                                      const config::RepmgrConfig& config,
                                                      std::optional<pg::Connection>& primary) {
    return cluster::open_state_store(
        local, cluster::open_into(primary, [&config] { return open_primary(config); }));
}

}  // namespace

config::RepmgrConfig load_daemon_config(const ConfigOverrides& overrides) {
    const auto path = config::locate_repmgr_conf(overrides.config_file);
    auto config = config::load_repmgr_conf(path);
    config::check_repmgrd_requirements(config);
    if (overrides.log_level) {
        const auto level = log::parse_level(*overrides.log_level);
        if (!level)
            throw StartupError(
                model::kErrBadConfig,
                fmt::format("invalid log level \"{}\" provided", *overrides.log_level));
        config.log_level = level;
    }
    if (overrides.verbose && !overrides.log_level)
        config.log_level = log::Level::info;
    if (overrides.monitoring_history)
        config.monitoring_history = true;
    return config;
}

void log_unimplemented_settings(const config::RepmgrConfig& config) {
    for (const char* key : kNotImplemented)
        if (const auto entry = config.raw.find(key); entry != config.raw.end())
            log::warning("{}: \"{}\" is read but not acted on by pgwardend yet",
                         source_of(config, key), key);

    for (const auto& warning : config.warnings)
        log::warning("{}", warning);
}

PreparedNode prepare_node(const config::RepmgrConfig& config) {
    std::string error;
    auto local = open(config.conninfo, config, &error);
    if (!local)
        throw StartupError(model::kErrDbConn, fmt::format("unable to connect to local node\n"
                                                          "DETAIL: {}",
                                                          error));
    if (!cluster::has_metadata(*local))
        throw StartupError(model::kErrBadConfig,
                           "repmgr metadata not found on the local node\n"
                           "HINT: register this node with \"pgwarden primary register\" or "
                           "\"repmgr primary register\" first");
    std::optional<cluster::NodeRecord> self;
    try {
        self = cluster::load_node(*local, config.node_id);
    } catch (const pg::PgError& e) {
        throw StartupError(model::kErrBadConfig,
                           fmt::format("unable to read this node's record: {}", e.what()));
    }
    if (!self)
        throw StartupError(model::kErrBadConfig,
                           fmt::format("no metadata record found for this node (ID: {}) - "
                                       "terminating\n"
                                       "HINT: check that \"repmgr (primary|standby) register\" "
                                       "was executed for this node",
                                       config.node_id));

    const auto recovery = cluster::query_role(*local);
    if (recovery == cluster::Role::unknown)
        throw StartupError(model::kErrDbConn,
                           "unable to determine the local node's recovery state");
    PreparedNode prepared{
        *self, failover::mode_for(self->type, recovery != cluster::Role::primary), {}};
    const bool runs_as_primary = prepared.mode == failover::DaemonMode::primary;

    if (!self->active) {
        if (config.repmgrd_exit_on_inactive_node)
            throw StartupError(model::kErrBadConfig,
                               "this node is marked as inactive and "
                               "\"repmgrd_exit_on_inactive_node\" is set - terminating\n"
                               "HINT: re-register the node with \"standby register --force\"");
        log::warning("this node is marked as inactive; setting it to active");
        if (runs_as_primary) {
            cluster::set_node_active(*local, self->node_id, true);
        } else if (auto primary = cluster::connect_primary(*local)) {
            cluster::set_node_active(primary->conn, self->node_id, true);
        } else {
            log::warning("no primary reachable: the record stays inactive for now");
        }
        prepared.self.active = true;
    }
    if (runs_as_primary && self->type != model::NodeType::primary)
        log::warning(
            "this node is registered as a {} but is running as a primary; "
            "monitoring it as the primary",
            self->type);
    if (!runs_as_primary)
        prepared.monitored_upstream_id = self->upstream_node_id
                                             ? *self->upstream_node_id
                                             : primary_to_monitor(*local, *self).node_id;
    return prepared;
}

void publish_daemon(cluster::DaemonStateStore& store, int node_id, int pid,
                    const std::string& pid_file, std::optional<int> upstream_node_id) {
    if (store.kept_on_primary()) {
        log::notice(
            "the repmgr extension's functions are not available here: pgwardend "
            "keeps its state in repmgr.daemon_status (\"repmgr service status\" "
            "will not see it; \"pgwarden service status\" does)");
        if (!store.writable()) {
            log::warning("no primary reachable: the daemon's PID is published later");
            return;
        }
    }
    store.publish_local_node_id(node_id);
    store.publish_pid(node_id, pid, pid_file);
    if (upstream_node_id)
        store.publish_upstream_node_id(*upstream_node_id);
}

void publish_daemon(const config::RepmgrConfig& config, int pid, const std::string& pid_file,
                    std::optional<int> upstream_node_id) {
    auto local = open(config.conninfo, config);
    if (!local)
        return;
    std::optional<pg::Connection> primary;
    try {
        publish_daemon(*open_store(*local, config, primary), config.node_id, pid, pid_file,
                       upstream_node_id);
    } catch (const pg::PgError& e) {
        log::warning("unable to publish the daemon's PID: {}", e.what());
    }
}

void unpublish_daemon(const config::RepmgrConfig& config) {
    auto local = open(config.conninfo, config);
    if (!local)
        return;
    std::optional<pg::Connection> primary;
    try {
        open_store(*local, config, primary)->publish_pid(config.node_id, std::nullopt, {});
    } catch (const pg::PgError& e) {
        log::debug("unable to clear the daemon's PID: {}", e.what());
    }
}

}  // namespace pgwarden::daemon
