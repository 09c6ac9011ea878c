// `pgwarden witness register|unregister`: a witness is its own PostgreSQL server holding a copy
// of the primary's metadata, so that a two-data-node cluster can tell "the primary is down" from
// "I am cut off". repmgr 5.3's checks, messages, events and exit codes.
#include "../command_registry.hpp"
#include "../register_support.hpp"
#include "../repmgr_schema.hpp"
#include "../source_conninfo.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/events.hpp"
#include "cluster/node_write.hpp"
#include "log/log.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

namespace pgwarden::cli {
namespace {

using cluster::Role;

// The primary as -h/-p/-U/-d name it, the user and database defaulting to the witness's own
// conninfo's, as repmgr's param_set_ine.
std::string primary_conninfo_from_options(const CliOptions& options,
                                          const config::RepmgrConfig& config) {
    auto params = standby::source_params(options);
    const auto own = standby::parse_conninfo(config.conninfo);
    for (const char* key : {"user", "dbname"}) {
        if (!standby::get_param(params, key)) {
            if (const auto value = standby::get_param(own, key))
                standby::set_param(params, key, *value);
        }
    }
    return standby::format_conninfo(params);
}

std::optional<pg::Connection> connect_witness(const config::RepmgrConfig& config,
                                              std::string& error) {
    try {
        return pg::Connection::open(config.conninfo);
    } catch (const pg::PgError& e) {
        error = e.what();
        return std::nullopt;
    }
}

std::optional<int> primary_node_id(pg::Connection& primary) {
    for (const auto& node : cluster::load_nodes(primary)) {
        if (node.type == model::NodeType::primary && node.active)
            return node.node_id;
    }
    return std::nullopt;
}

// The witness's own copy: the metadata as the primary has it (repmgr's
// witness_copy_node_records).
bool copy_node_records(pg::Connection& primary, pg::Connection& witness) {
    try {
        cluster::replace_all_nodes(witness, cluster::load_nodes(primary));
        return true;
    } catch (const pg::PgError& e) {
        log::error("unable to copy repmgr node records from primary");
        reg::detail(log::Level::error, e.what());
        return false;
    }
}

// Nodes in the witness's own copy; none where its schema is not there yet.
std::size_t witness_node_count(pg::Connection& witness) {
    try {
        return cluster::load_nodes(witness).size();
    } catch (const pg::PgError&) {
        return 0;
    }
}

int witness_register(const CliOptions& options) {
    const auto config = reg::load_config(options);
    if (!reg::node_name_acceptable(config))
        return model::kErrBadConfig;
    log::info("connecting to witness node \"{}\" (ID: {})", config.node_name, config.node_id);
    std::string error;
    auto witness = connect_witness(config, error);
    if (!witness) {
        log::error("unable to connect to witness node \"{}\" (ID: {})", config.node_name,
                   config.node_id);
        reg::detail(log::Level::error, error);
        reg::hint(log::Level::error,
                  "the witness node must be running before it can be registered");
        return model::kErrBadConfig;
    }
    if (cluster::query_role(*witness) == Role::standby) {
        log::error("provided node is a standby");
        reg::hint(log::Level::error, "a witness node must run on an independent primary server");
        return model::kErrBadConfig;
    }

    log::info("connecting to primary node");
    auto primary = cluster::try_connect(primary_conninfo_from_options(options, config));
    if (!primary) {
        log::error("unable to connect to the primary node");
        reg::hint(log::Level::error,
                  "a primary node must be configured before registering a witness node");
        return model::kErrBadConfig;
    }
    if (cluster::query_role(*primary) == Role::standby) {
        log::error("provided primary node is a standby");
        reg::hint(log::Level::error,
                  "provide the connection details of the cluster's primary server");
        return model::kErrBadConfig;
    }
    if (!options.dry_run && ensure_repmgr_schema(*witness, false) == SchemaOutcome::failed)
        return model::kErrBadConfig;

    const auto existing = cluster::load_node(*primary, config.node_id);
    if (existing) {
        if (existing->type != model::NodeType::witness) {
            log::error("node \"{}\" (ID: {}) is already registered as a {} node", config.node_name,
                       config.node_id, existing->type);
            reg::hint(log::Level::error,
                      fmt::format("use \"repmgr {} unregister\" to remove a non-witness node "
                                  "record",
                                  existing->type));
            return model::kErrBadConfig;
        }
        if (!options.force) {
            log::error("witness node is already registered");
            reg::hint(log::Level::error, "use option -F/--force to reregister the node");
            return model::kErrBadConfig;
        }
    }
    if (const auto same_name = cluster::load_node_by_name(*primary, config.node_name);
        same_name && same_name->active && same_name->node_id != config.node_id) {
        log::error("node {} exists already with node_name \"{}\"", same_name->node_id,
                   config.node_name);
        return model::kErrBadConfig;
    }
    const std::size_t copied = witness_node_count(*witness);
    log::debug("{} node records found", copied);
    if (copied > 0 && !options.force) {
        log::error("witness node is already initialised and contains node records");
        reg::hint(log::Level::error, "use option -F/--force to reinitialise the node");
        return model::kErrBadConfig;
    }
    if (options.dry_run) {
        log::info("prerequisites for registering the witness node are met");
        return model::kSuccess;
    }

    // A witness never becomes primary: priority 0, upstream the current primary.
    auto node = reg::node_record_from_config(config, model::NodeType::witness,
                                             primary_node_id(*primary), PQuser(witness->get()));
    node.priority = 0;
    try {
        cluster::write_node(*primary, node, existing.has_value());
    } catch (const pg::PgError& e) {
        log::error("unable to create or update node record on primary");
        reg::detail(log::Level::error, e.what());
        return model::kErrBadConfig;
    }
    if (!copy_node_records(*primary, *witness))
        return model::kErrBadConfig;
    cluster::record_event(
        &*primary, config,
        {config.node_id,
         "witness_register",
         true,
         node.upstream_node_id
             ? fmt::format("witness registration succeeded; upstream node ID is {}",
                           *node.upstream_node_id)
             : "witness registration succeeded",
         {},
         {},
         {}});
    log::info("witness registration complete");
    log::notice("witness node \"{}\" (ID: {}) successfully registered", config.node_name,
                config.node_id);
    return model::kSuccess;
}

int witness_unregister(const CliOptions& options) {
    const auto config = reg::load_config(options);
    const int node_id = options.node_id.value_or(config.node_id);
    log::info("connecting to node \"{}\" (ID: {})", config.node_name, config.node_id);
    std::string error;
    auto witness = connect_witness(config, error);
    if (!witness) {
        if (!options.force) {
            log::error("unable to connect to node \"{}\" (ID: {})", config.node_name,
                       config.node_id);
            reg::detail(log::Level::error, error);
            reg::hint(log::Level::error,
                      "provide -F/--force to remove the witness record if the server is not "
                      "running");
            return model::kErrBadConfig;
        }
        log::notice(
            "unable to connect to witness node \"{}\" (ID: {}), removing node record on cluster "
            "primary only",
            config.node_name, config.node_id);
    }
    std::optional<pg::Connection> primary;
    if (witness) {
        if (auto found = cluster::connect_primary(*witness))
            primary = std::move(found->conn);
    } else {
        primary = cluster::try_connect(primary_conninfo_from_options(options, config));
    }
    if (!primary) {
        log::error("unable to connect to primary");
        if (!witness)
            reg::hint(log::Level::error, "provide connection details to primary server");
        return model::kErrBadConfig;
    }
    // repmgr 5.3 looks up --node-id's record but names this node in its refusals.
    const auto record = cluster::load_node(*primary, node_id);
    if (!record) {
        log::error("no record found for node {}", config.node_id);
        return model::kErrBadConfig;
    }
    if (record->type != model::NodeType::witness) {
        log::error("node {} is not a witness node", config.node_id);
        reg::detail(log::Level::error,
                    fmt::format("node {} is a {} node", config.node_id, record->type));
        return model::kErrBadConfig;
    }
    if (options.dry_run) {
        log::info("prerequisites for unregistering the witness node are met");
        return model::kSuccess;
    }
    log::info("unregistering witness node {}", node_id);
    try {
        cluster::delete_node(*primary, node_id);
    } catch (const pg::PgError& e) {
        log::error("unable to delete node record for node {}", node_id);
        reg::detail(log::Level::error, e.what());
        return model::kErrBadConfig;
    }
    // As repmgr 5.3, the witness's copy is left as it was (with its own record): pgwardend on
    // the witness, if it runs on, refreshes it every witness_sync_interval.
    cluster::record_event(&*primary, config,
                          {config.node_id,
                           "witness_unregister",
                           true,
                           "witness unregistration succeeded",
                           {},
                           {},
                           {}});
    log::info("witness unregistration complete");
    reg::detail(log::Level::info,
                fmt::format("witness node with ID {} successfully unregistered", node_id));
    return model::kSuccess;
}

const CommandRegistration reg_witness_register{
    {{"witness", "register"},
     "register this node, its own PostgreSQL server, as the cluster's witness",
     "pgwarden witness register: register a witness node\n\n"
     "Usage: pgwarden [-f repmgr.conf] witness register -h HOST [-p PORT] [-U USER] [-d DBNAME]\n"
     "       [--dry-run] [-F|--force]\n\n"
     "-h/-p/-U/-d name the cluster's primary (user and database default to this node's\n"
     "conninfo's). The witness's server gets the repmgr schema and a copy of the primary's\n"
     "repmgr.nodes, kept current by pgwardend (witness_sync_interval); event witness_register.\n\n"
     "Options:\n"
     "  --dry-run            check the prerequisites, change nothing\n"
     "  -F, --force          overwrite an existing witness record and copy\n",
     &witness_register}};

const CommandRegistration reg_witness_unregister{
    {{"witness", "unregister"},
     "unregister a witness node",
     "pgwarden witness unregister: unregister a witness node\n\n"
     "Usage: pgwarden [-f repmgr.conf] witness unregister [--node-id N] [--dry-run] [-F]\n\n"
     "The primary is found through the witness's copy of the metadata; with -F and the witness\n"
     "server down, through -h/-p/-U/-d. Event witness_unregister.\n\n"
     "Options:\n"
     "  --node-id=N          the witness to unregister (default: this node)\n"
     "  --dry-run            check the prerequisites, change nothing\n"
     "  -F, --force          unregister even when the witness server is not running\n",
     &witness_unregister}};

}  // namespace
}  // namespace pgwarden::cli
