// pgwarden standby follow: repoint this standby at the primary (or --upstream-node-id) as repmgr
// 5.3 does: find and check the target, create the slot, primary_conninfo through ALTER SYSTEM and
// a reload (a restart only before PostgreSQL 13 or with standby_follow_restart), update
// upstream_node_id, wait for streaming, record standby_follow.
#include "command_registry.hpp"
#include "model/exit_codes.hpp"
#include "standby_actions.hpp"
#include "standby_decisions.hpp"

#include "cluster/attach_facts.hpp"
#include "cluster/events.hpp"
#include "cluster/node_write.hpp"
#include "cluster/server_settings.hpp"
#include "exec/shell.hpp"

#include <fmt/format.h>

#include <thread>

namespace pgwarden::cli {
namespace {

using log::Level;
using standby::detail;
using standby::hint;

// PostgreSQL 13 re-reads primary_conninfo on reload; before that a restart is needed.
constexpr int kReloadableConninfoVersion = 130000;
constexpr std::chrono::seconds kOneSecond{1};

void sleep_for(std::chrono::milliseconds step) {
    std::this_thread::sleep_for(step);
}

std::optional<cluster::NodeRecord> find_record(const std::vector<cluster::NodeRecord>& nodes,
                                               int node_id) {
    for (const auto& node : nodes) {
        if (node.node_id == node_id)
            return node;
    }
    return std::nullopt;
}

// repmgr's check_node_can_attach: same system, and this node has not gone past where the
// target's timeline begins. Logs the refusal.
bool can_attach(const config::RepmgrConfig& config, pg::Connection& local,
                const cluster::NodeRecord& target) {
    const auto gathered = cluster::gather_attach_facts(local, target);
    if (!gathered.facts) {
        log::error("{}", gathered.error);
        if (!gathered.hint.empty())
            hint(Level::error, gathered.hint);
        return false;
    }
    if (auto refusal = failover::attach_refusal(*gathered.facts)) {
        log::error("this node cannot attach to follow target node {}", target.node_id);
        detail(Level::error, *refusal);
        return false;
    }
    log::info("local node {} can attach to follow target node {}", config.node_id, target.node_id);
    return true;
}

// The restart PostgreSQL before 13 (or standby_follow_restart) needs.
bool restart_local(const config::RepmgrConfig& config) {
    std::string command = config.service_restart_command;
    if (command.empty()) {
        command = fmt::format("{} {} -w -D '{}' restart", standby::pg_program(config, "pg_ctl"),
                              config.pg_ctl_options, config.data_directory);
    }
    log::notice("restarting server using \"{}\"", command);
    const auto outcome =
        exec::run_shell(command, std::chrono::seconds(config.standby_reconnect_timeout));
    if (!outcome.ok()) {
        log::error("unable to restart server");
        detail(Level::error, fmt::format("\"{}\" exited with {}{}", command, outcome.exit_code,
                                         outcome.timed_out ? " (timed out)" : ""));
        return false;
    }
    return true;
}

struct Target {
    cluster::NodeRecord record;
    pg::Connection conn;
};

int follow(const CliOptions& options) {
    const auto config = standby::load_config(options);

    auto local = standby::try_connect(config.conninfo, Level::error);
    if (!local) {
        hint(Level::error,
             "use \"repmgr node rejoin\" to re-add an inactive node to the replication cluster");
        return model::kErrDbConn;
    }
    const auto role = cluster::query_role(*local);
    if (role == cluster::Role::unknown) {
        log::error("connection to node ({}) lost", config.conninfo);
        return model::kErrDbConn;
    }
    if (role == cluster::Role::primary) {
        log::error("this node should be a standby ({})", config.conninfo);
        return model::kErrBadConfig;
    }
    const auto nodes = cluster::load_nodes(*local);
    const auto local_record = find_record(nodes, config.node_id);
    if (!local_record) {
        log::error("unable to retrieve record for local node {}", config.node_id);
        return model::kErrBadConfig;
    }

    std::optional<cluster::NodeRecord> target_record;
    if (options.upstream_node_id) {
        if (*options.upstream_node_id == config.node_id) {
            log::error("provided --upstream-node-id {} is the current node",
                       *options.upstream_node_id);
            return model::kErrFollowFail;
        }
        target_record = find_record(nodes, *options.upstream_node_id);
        if (!target_record) {
            log::error("unable to find record for intended upstream node {}",
                       *options.upstream_node_id);
            return model::kErrFollowFail;
        }
    } else {
        log::notice("attempting to find and follow current primary");
    }

    // With -W, wait up to primary_follow_timeout for the target (or any primary) to answer.
    std::optional<pg::Connection> target_conn;
    std::optional<int> target_id;
    if (target_record)
        target_id = target_record->node_id;
    auto reach_target = [&] {
        if (target_record) {
            target_conn = standby::try_connect(target_record->conninfo);
        } else if (auto primary = standby::find_reachable_primary(nodes, config.node_id)) {
            target_id = primary->node_id;
            target_conn = std::move(primary->conn);
        }
        return target_conn.has_value();
    };
    if (options.wait) {
        standby::poll_until(std::chrono::seconds(config.primary_follow_timeout), kOneSecond,
                            reach_target, sleep_for);
    } else {
        reach_target();
    }
    if (!target_conn) {
        if (!target_id)
            log::error("unable to find a primary node");
        else
            log::error("unable to connect to target node {}", *target_id);
        if (options.wait) {
            detail(Level::error,
                   !target_id ? fmt::format("no primary appeared after {} seconds",
                                            config.primary_follow_timeout)
                              : fmt::format("unable to connect to target node {} after {} seconds",
                                            *target_id, config.primary_follow_timeout));
            hint(Level::error,
                 "alter \"primary_follow_timeout\" in \"repmgr.conf\" to change this value");
        }
        return model::kErrFollowFail;
    }
    if (!target_record) {
        log::info("connected to node {}, checking for current primary", *target_id);
        target_record = cluster::load_node(*target_conn, *target_id);
        if (!target_record) {
            log::error("unable to find record for follow target node {}", *target_id);
            return model::kErrFollowFail;
        }
    }
    Target target{*target_record, std::move(*target_conn)};

    const auto target_role = cluster::query_role(target.conn);
    if (target_role == cluster::Role::unknown) {
        log::error("unable to determine recovery type of follow target");
        return model::kErrFollowFail;
    }
    const bool target_is_primary = target_role == cluster::Role::primary;
    log::info("follow target is {} node {}", target_is_primary ? "primary" : "standby",
              describe(target.record));

    if (!can_attach(config, *local, target.record))
        return model::kErrFollowFail;

    // The metadata is written on the primary; a standby target needs one to exist.
    std::optional<pg::Connection> other_primary;
    if (!target_is_primary) {
        auto primary =
            standby::find_reachable_primary(cluster::load_nodes(target.conn), config.node_id);
        if (!primary) {
            log::error("unable to determine the cluster primary");
            detail(Level::error,
                   "an active primary node is required for \"repmgr standby follow\"");
            return model::kErrFollowFail;
        }
        other_primary = std::move(primary->conn);
    }
    pg::Connection& primary_conn = target_is_primary ? target.conn : *other_primary;

    if (options.dry_run) {
        log::info("prerequisites for executing STANDBY FOLLOW are met");
        return model::kSuccess;
    }

    const auto own_record =
        cluster::load_node(primary_conn, config.node_id).value_or(*local_record);
    cluster::Event event{
        config.node_id,         "standby_follow",       false, "", target.record.node_id,
        target.record.conninfo, target.record.node_name};
    auto fail = [&](const std::string& details, int code) {
        event.details = details;
        log::notice("STANDBY FOLLOW failed");
        detail(Level::notice, details);
        cluster::record_event(&primary_conn, config, event);
        return code;
    };

    std::optional<std::string> slot;
    if (config.use_replication_slots) {
        slot = standby::slot_name_for(config.node_id);
        const auto where = fmt::format("node {}", describe(target.record));
        if (!standby::ensure_slot(target.conn, *slot, where))
            return fail(fmt::format("unable to create replication slot \"{}\" on {}", *slot, where),
                        model::kErrFollowFail);
    }

    log::notice("setting node {}'s upstream to node {}", config.node_id, target.record.node_id);
    const auto primary_conninfo = standby::build_primary_conninfo(
        target.record.conninfo,
        {config.node_name,
         config.replication_user.empty() ? own_record.repluser : config.replication_user,
         config.use_primary_conninfo_password, config.passfile});
    try {
        cluster::alter_system(*local, "primary_conninfo", primary_conninfo);
        cluster::alter_system(*local, "primary_slot_name", slot);
        cluster::reload_configuration(*local);
    } catch (const pg::PgError& e) {
        log::error("unable to write the replication configuration of the local node");
        detail(Level::error, e.what());
        return fail("unable to write the replication configuration", model::kErrFollowFail);
    }
    if (config.standby_follow_restart ||
        PQserverVersion(local->get()) < kReloadableConninfoVersion) {
        if (!restart_local(config))
            return fail("unable to restart server", model::kErrNoRestart);
    }

    // The slot this node used on its former upstream would otherwise keep WAL there forever.
    if (slot && own_record.upstream_node_id &&
        *own_record.upstream_node_id != target.record.node_id) {
        if (auto old = find_record(nodes, *own_record.upstream_node_id)) {
            if (auto old_conn = standby::try_connect(old->conninfo)) {
                standby::drop_inactive_slot(*old_conn, *slot);
            } else {
                log::warning("unable to connect to old upstream node {} to remove replication slot",
                             old->node_id);
                hint(Level::warning,
                     "if reusing this node, you should manually remove any "
                     "inactive replication slots");
            }
        }
    }

    try {
        cluster::set_upstream(primary_conn, config.node_id, target.record.node_id);
    } catch (const pg::PgError& e) {
        log::error("unable to update upstream node");
        detail(Level::error, e.what());
        return fail("unable to update upstream node", model::kErrFollowFail);
    }

    const bool attached = standby::poll_until(
        std::chrono::seconds(config.standby_follow_timeout), standby::kQuickPoll,
        [&] { return standby::is_attached(target.conn, config.node_name); }, sleep_for);
    if (!attached) {
        log::error("STANDBY FOLLOW failed");
        event.details = fmt::format("standby did not attach to upstream node {} after {} seconds",
                                    describe(target.record), config.standby_follow_timeout);
        detail(Level::error, event.details);
        cluster::record_event(&primary_conn, config, event);
        return model::kErrFollowFail;
    }
    event.successful = true;
    event.details = fmt::format("standby attached to upstream node {}", describe(target.record));
    log::notice("STANDBY FOLLOW successful");
    detail(Level::notice, event.details);
    cluster::record_event(&primary_conn, config, event);
    return model::kSuccess;
}

const CommandRegistration reg_standby_follow{
    {{"standby", "follow"},
     "attach this standby to the primary (or another node)",
     "pgwarden standby follow: repoint this standby, as \"repmgr standby follow\".\n"
     "\n"
     "Usage: pgwarden [-f repmgr.conf] standby follow [--upstream-node-id N] [-W|--wait] "
     "[--dry-run]\n"
     "\n"
     "Follows the node given with --upstream-node-id, else the reachable primary. Checks the\n"
     "target belongs to the same system and this node has not gone past the target's timeline\n"
     "fork, creates the replication slot on the target when use_replication_slots is on, sets\n"
     "primary_conninfo (ALTER SYSTEM and a reload; a restart through service_restart_command or\n"
     "pg_ctl only before PostgreSQL 13 or with standby_follow_restart), updates\n"
     "upstream_node_id on the primary and waits standby_follow_timeout seconds for streaming.\n"
     "\n"
     "  --upstream-node-id N   the node to follow (a standby: cascading; a primary must exist)\n"
     "  -W, --wait             wait up to primary_follow_timeout seconds for a primary\n"
     "  --dry-run              check the prerequisites only\n"
     "\n"
     "Exit codes: 0 success, 1 bad configuration (e.g. this node is not a standby), 4 restart\n"
     "failed, 6 no connection to the local node, 23 follow refused or failed.\n",
     &follow}};

}  // namespace
}  // namespace pgwarden::cli
