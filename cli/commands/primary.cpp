// `pgwarden primary register|unregister`: repmgr 5.3's checks, messages, events and exit codes;
// the metadata is created (extension, or plain SQL where the extension is not installed) and the
// node written in one transaction.
#include "../command_registry.hpp"
#include "../register_support.hpp"
#include "../repmgr_schema.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_queries.hpp"
#include "cluster/events.hpp"
#include "cluster/node_write.hpp"
#include "cluster/transaction.hpp"
#include "log/log.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

namespace pgwarden::cli {
namespace {

using cluster::Role;

// An active primary record other than `node_id`: refuse while it runs as a primary, else mark it
// inactive (inside the caller's transaction). False when registration must stop.
bool settle_other_primary(pg::Connection& conn, int node_id) {
    const auto other = cluster::other_active_primary_id(conn, node_id);
    if (!other)
        return true;
    const int other_id = *other;
    log::debug("current active primary node ID is {}", other_id);
    if (auto primary = cluster::connect_primary(conn);
        primary && primary->record.node_id == other_id) {
        log::error("there is already an active registered primary (ID: {}) in this cluster",
                   other_id);
        reg::detail(log::Level::error,
                    "a streaming replication cluster can have only one primary node");
        reg::hint(log::Level::error,
                  "ensure this node is shut down before registering a new primary");
        return false;
    }
    log::notice("setting node {}'s node record to inactive", other_id);
    cluster::set_node_active(conn, other_id, false);
    return true;
}

int primary_register(const CliOptions& options) {
    const auto config = reg::load_config(options);
    if (!reg::node_name_acceptable(config))
        return model::kErrBadConfig;
    log::info("connecting to primary database...");
    auto conn = cluster::connect_local(config);
    log::debug("connected to server, checking its state");

    switch (cluster::query_role(conn)) {
        case Role::standby:
            log::error("server is in standby mode and cannot be registered as a primary");
            return model::kErrBadConfig;
        case Role::unknown:
            log::error("unable to determine server's recovery type");
            return model::kErrDbConn;
        case Role::primary:
            break;
    }
    log::debug("server is not in recovery");

    const SchemaOutcome schema = ensure_repmgr_schema(conn, options.dry_run);
    if (schema == SchemaOutcome::failed)
        return model::kErrBadConfig;
    if (schema == SchemaOutcome::created && !options.dry_run)
        cluster::record_event(&conn, config,
                              {config.node_id, "cluster_created", true, "", {}, {}, {}});
    if (options.dry_run)
        return model::kSuccess;

    cluster::initialize_voting_term(conn);
    cluster::begin_transaction(conn);
    if (!settle_other_primary(conn, config.node_id)) {
        cluster::rollback_transaction(conn);
        return model::kErrBadConfig;
    }
    const auto existing = cluster::load_node(conn, config.node_id);
    if (existing && !options.force) {
        log::error("this node is already registered");
        reg::hint(log::Level::error, "use -F/--force to overwrite the existing node record");
        cluster::rollback_transaction(conn);
        return model::kErrBadConfig;
    }
    if (const auto same_name = cluster::load_node_by_name(conn, config.node_name);
        same_name && same_name->node_id != config.node_id && same_name->active) {
        log::error("node {} exists already with node_name \"{}\"", same_name->node_id,
                   config.node_name);
        cluster::rollback_transaction(conn);
        return model::kErrBadConfig;
    }

    const auto node = reg::node_record_from_config(config, model::NodeType::primary, std::nullopt,
                                                   PQuser(conn.get()));
    std::string details;
    bool written = true;
    try {
        cluster::write_node(conn, node, existing.has_value());
        cluster::commit_transaction(conn);
        if (existing)
            details = "existing primary record updated";
    } catch (const pg::PgError& e) {
        written = false;
        cluster::rollback_transaction(conn);
        details = fmt::format("error encountered while {} primary record:\n{}",
                              existing ? "updating" : "creating", e.what());
        log::error("{}", details);
    }
    cluster::record_event(&conn, config,
                          {config.node_id, "primary_register", written, details, {}, {}, {}});
    if (!written) {
        log::notice("unable to register primary node - see preceding messages");
        return model::kErrDbQuery;
    }
    log::notice("primary node record (ID: {}) {}", config.node_id,
                existing ? "updated" : "registered");
    return model::kSuccess;
}

std::optional<cluster::NodeRecord> primary_record(pg::Connection& conn) {
    for (auto& node : cluster::load_nodes(conn)) {
        if (node.type == model::NodeType::primary && node.active)
            return node;
    }
    return std::nullopt;
}

int primary_unregister(const CliOptions& options) {
    const auto config = reg::load_config(options);
    auto local = cluster::connect_local(config);
    const auto local_record = cluster::load_node(local, config.node_id);
    auto primary = cluster::connect_primary(local);
    if (!primary) {
        log::error("unable to connect to primary server");
        if (const auto record = primary_record(local)) {
            reg::detail(log::Level::error,
                        fmt::format("current primary registered as node \"{}\" (ID: {}, "
                                    "conninfo: \"{}\")",
                                    record->node_name, record->node_id, record->conninfo));
        }
        reg::hint(log::Level::error,
                  "you may need to promote this standby or ask it to look for "
                  "a new primary to follow");
        return model::kErrDbConn;
    }
    auto& conn = primary->conn;
    const auto primary_node = primary_record(conn);
    if (!primary_node) {
        log::error("unable to retrieve record for primary node");
        return model::kErrBadConfig;
    }

    std::optional<cluster::NodeRecord> target;
    if (!options.node_id) {
        target = primary_node;
    } else if (*options.node_id == config.node_id && local_record) {
        target = local_record;
    } else {
        target = cluster::load_node(conn, *options.node_id);
        if (!target) {
            log::error("node {} (specified with --node-id) not found", *options.node_id);
            return model::kErrBadConfig;
        }
    }

    if (target->type == model::NodeType::witness) {
        log::error("node {} is a witness server, unable to unregister", describe(*target));
        return model::kErrBadConfig;
    }
    const auto downstream = cluster::load_downstream(conn, target->node_id);
    if (!downstream.empty()) {
        if (downstream.size() == 1)
            log::error("1 other node still has this node as its upstream node");
        else
            log::error("{} other nodes still have this node as their upstream node",
                       downstream.size());
        reg::hint(log::Level::error,
                  "ensure these nodes are following the current primary with "
                  "\"repmgr standby follow\"");
        std::string list;
        for (const auto& node : downstream)
            list += fmt::format("  {} (ID: {})\n", node.node_name, node.node_id);
        reg::detail(log::Level::error, "the affected node(s) are:\n" + list);
        return model::kErrBadConfig;
    }

    if (auto target_conn = cluster::try_connect(target->conninfo); !target_conn) {
        if (target->type != model::NodeType::primary) {
            log::error("node {} is not a primary, unable to unregister", describe(*target));
            if (target->type == model::NodeType::standby)
                reg::hint(log::Level::error,
                          "the node can be unregistered with \"repmgr standby unregister\"");
            return model::kErrBadConfig;
        }
    } else {
        const auto recovery = cluster::query_role(*target_conn);
        if (recovery == Role::standby) {
            if (target->type != model::NodeType::primary) {
                log::error("node {} is a {}, unable to unregister", describe(*target),
                           target->type);
                return model::kErrBadConfig;
            }
            if (!options.force) {
                log::error("node {} is running as a standby, unable to unregister",
                           describe(*target));
                reg::hint(log::Level::error,
                          "the node can be registered as a standby with "
                          "\"repmgr standby register --force\"");
                reg::hint(log::Level::error,
                          "use \"repmgr primary unregister --force\" to remove "
                          "this node's metadata entirely");
                return model::kErrBadConfig;
            }
        } else if (recovery == Role::primary && primary_node->node_id == target->node_id &&
                   !options.force) {
            log::error("node {} is the current primary node, unable to unregister",
                       describe(*target));
            return model::kErrBadConfig;
        }
    }
    if (target->active && !options.force) {
        log::error("node {} is marked as active, unable to unregister", describe(*target));
        reg::hint(log::Level::error,
                  "run \"repmgr primary unregister --force\" to unregister this node");
        return model::kErrBadConfig;
    }
    if (options.dry_run) {
        log::notice("node {} would now be unregistered", describe(*target));
        reg::hint(log::Level::notice,
                  "run the same command without the --dry-run option to unregister this node");
        return model::kSuccess;
    }
    try {
        cluster::delete_node(conn, target->node_id);
    } catch (const pg::PgError& e) {
        log::error("unable to unregister node {}", describe(*target));
        reg::detail(log::Level::error, e.what());
        return model::kErrDbQuery;
    }
    std::string details = fmt::format("node {} unregistered", describe(*target));
    if (target->node_id != config.node_id)
        details += fmt::format(" from node \"{}\" (ID: {})", config.node_name, config.node_id);
    cluster::record_event(&conn, config,
                          {config.node_id, "primary_unregister", true, details, {}, {}, {}});
    log::info("node {} was successfully unregistered", describe(*target));
    return model::kSuccess;
}

constexpr const char* kRegisterHelp =
    "pgwarden primary register: initialise the cluster metadata and register the primary node\n\n"
    "Usage: pgwarden [-f repmgr.conf] primary register [--dry-run] [-F|--force]\n"
    "       pgwarden [-f repmgr.conf] master register   (repmgr's older name, an alias)\n\n"
    "Creates the \"repmgr\" extension (or, where it is not installed on the server, the same\n"
    "schema in plain SQL) and writes this node's record; events cluster_created and\n"
    "primary_register.\n\n"
    "Options:\n"
    "  --dry-run            check the prerequisites, change nothing\n"
    "  -F, --force          overwrite an existing node record\n";

constexpr const char* kUnregisterHelp =
    "pgwarden primary unregister: unregister an inactive primary node\n\n"
    "Usage: pgwarden [-f repmgr.conf] primary unregister [--node-id N] [--dry-run] "
    "[-F|--force]\n"
    "       pgwarden [-f repmgr.conf] master unregister ...   (repmgr's older name, an alias)\n\n"
    "Options:\n"
    "  --node-id=N          the node to unregister (default: the primary's record)\n"
    "  --dry-run            check what would happen, change nothing\n"
    "  -F, --force          unregister even an active or running primary\n";

const CommandRegistration reg_primary_register{
    {{"primary", "register"},
     "initialise the repmgr metadata and register this node as the primary",
     kRegisterHelp,
     &primary_register}};
const CommandRegistration reg_master_register{
    {{"master", "register"}, "alias of \"primary register\"", kRegisterHelp, &primary_register}};

const CommandRegistration reg_primary_unregister{{{"primary", "unregister"},
                                                  "unregister an inactive primary node",
                                                  kUnregisterHelp,
                                                  &primary_unregister}};
const CommandRegistration reg_master_unregister{{{"master", "unregister"},
                                                 "alias of \"primary unregister\"",
                                                 kUnregisterHelp,
                                                 &primary_unregister}};

}  // namespace
}  // namespace pgwarden::cli
