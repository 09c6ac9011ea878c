#include "replication_conf_only.hpp"

#include "data_directory_state.hpp"
#include "model/exit_codes.hpp"
#include "replication_files.hpp"
#include "source_conninfo.hpp"
#include "standby_actions.hpp"
#include "standby_decisions.hpp"

#include "cluster/attach_facts.hpp"
#include "cluster/node_record.hpp"

#include <fmt/format.h>

namespace pgwarden::cli {
namespace {

using log::Level;
using standby::detail;
using standby::hint;

// repmgr's checks of the directory: a PostgreSQL instance, not running unless -F. `running`
// tells the caller a server uses it.
bool instance_usable(const std::string& data_dir, const CliOptions& options, bool& running) {
    switch (dir_state(data_dir)) {
        case DirState::missing:
            log::error("specified data directory \"{}\" does not exist", data_dir);
            return false;
        case DirState::empty:
            log::error("specified data directory \"{}\" is empty", data_dir);
            return false;
        case DirState::other:
            log::error("specified data directory \"{}\" does not contain a PostgreSQL instance",
                       data_dir);
            return false;
        case DirState::data_directory:
            break;
    }
    running = server_running(data_dir);
    if (!running)
        return true;
    if (!options.force) {
        log::error(
            "specified data directory \"{}\" appears to contain a running PostgreSQL "
            "instance",
            data_dir);
        hint(Level::error, "use -F/--force to create replication configuration anyway");
        return false;
    }
    log::warning("{}", options.dry_run
                           ? "replication configuration would be created in an active data "
                             "directory"
                           : "creating replication configuration in an active data directory");
    return true;
}

std::optional<cluster::NodeRecord> record_of(const std::vector<cluster::NodeRecord>& nodes,
                                             int node_id) {
    for (const auto& node : nodes)
        if (node.node_id == node_id)
            return node;
    return std::nullopt;
}

}  // namespace

int create_replication_conf(const CliOptions& options) {
    const auto config = standby::load_config(options);
    const std::string& data_dir = config.data_directory;
    if (data_dir.empty()) {
        log::error("no data directory provided");
        hint(Level::error,
             "provide the node's \"repmgr.conf\" file with -f/--config-file or the data "
             "directory with -D/--pgdata");
        return model::kErrBadConfig;
    }
    auto source_conn = standby::try_connect(
        standby::format_conninfo(standby::source_params(options)), Level::error);
    if (!source_conn)
        return model::kErrDbConn;
    bool running = false;
    if (!instance_usable(data_dir, options, running))
        return model::kErrBadConfig;

    const auto nodes = cluster::has_metadata(*source_conn) ? cluster::load_nodes(*source_conn)
                                                           : std::vector<cluster::NodeRecord>{};
    std::optional<int> upstream_id = options.upstream_node_id;
    if (!upstream_id) {
        if (const auto primary = standby::primary_record(nodes))
            upstream_id = primary->node_id;
        if (!upstream_id) {
            log::error("unable to determine primary node for this replication cluster");
            return model::kErrBadConfig;
        }
    }
    const auto upstream = record_of(nodes, *upstream_id);
    if (!upstream) {
        log::error("unable to retrieve node record for upstream node {}", *upstream_id);
        return model::kErrBadConfig;
    }
    const auto local = record_of(nodes, config.node_id);
    if (!local) {
        log::error("unable to retrieve node record for local node {}", config.node_id);
        hint(Level::error, "standby must be registered before replication can be configured");
        return model::kErrBadConfig;
    }
    auto upstream_conn = standby::try_connect(upstream->conninfo, Level::error);
    if (!upstream_conn) {
        log::error("unable to connect to upstream node \"{}\" (ID: {})", upstream->node_name,
                   upstream->node_id);
        return model::kErrBadConfig;
    }

    // As repmgr: the upstream record's conninfo and repluser, application_name = node_name,
    // and the two parameters repmgr's own replication check adds to the same list before it
    // writes it out (harmless to the walreceiver: application_name wins over the fallback).
    standby::ReplicationSettings settings;
    auto conninfo = standby::parse_conninfo(standby::build_primary_conninfo(
        upstream->conninfo, {config.node_name, upstream->repluser,
                             config.use_primary_conninfo_password, config.passfile}));
    standby::set_param(conninfo, "fallback_application_name", "repmgr");
    standby::set_param(conninfo, "options", "-csearch_path=");
    settings.primary_conninfo = standby::format_conninfo(conninfo);
    settings.restore_command = config.restore_command;
    settings.archive_cleanup_command = config.archive_cleanup_command;
    settings.recovery_min_apply_delay =
        options.recovery_min_apply_delay.value_or(config.recovery_min_apply_delay);
    if (!cluster::identify_system(settings.primary_conninfo) && !options.force) {
        log::error("unable to initiate replication connection to upstream node \"{}\" (ID: {})",
                   upstream->node_name, upstream->node_id);
        return model::kErrBadConfig;
    }
    const bool with_slot =
        config.use_replication_slots && local->slot_name && !local->slot_name->empty();
    if (with_slot)
        settings.primary_slot_name = *local->slot_name;

    if (options.dry_run) {
        std::string lines;
        for (const auto& [key, value] : standby::replication_settings_lines(settings))
            lines += fmt::format("{} = {}\n", key, standby::quote_conf_value(value));
        log::info("following items would be added to \"postgresql.auto.conf\" in \"{}\"", data_dir);
        detail(Level::info, "\n" + lines);
        log::info("would write \"standby.signal\" file");
        if (with_slot)
            log::info("would create replication slot \"{}\" on upstream node \"{}\" (ID: {})",
                      *local->slot_name, upstream->node_name, upstream->node_id);
        return model::kSuccess;
    }
    standby::write_replication_config(config, settings);
    log::notice("replication configuration written to \"postgresql.auto.conf\"");
    if (running)
        hint(Level::notice, "node must be restarted for the new file to take effect");
    if (with_slot && !standby::ensure_slot(*upstream_conn, *local->slot_name,
                                           fmt::format("upstream node \"{}\" (ID: {})",
                                                       upstream->node_name, upstream->node_id)))
        return model::kErrBadConfig;
    return model::kSuccess;
}

}  // namespace pgwarden::cli
