// pgwarden standby promote: repmgr 5.3's checks, pg_promote() (or service_promote_command), the
// wait in promote_check_interval steps, then one metadata transaction and the standby_promote
// event.
#include "command_registry.hpp"
#include "model/exit_codes.hpp"
#include "standby_actions.hpp"
#include "standby_decisions.hpp"
#include "standby_promotion.hpp"
#include "standby_siblings.hpp"

#include "cluster/events.hpp"
#include "cluster/node_write.hpp"
#include "cluster/replication_queries.hpp"
#include "cluster/session_settings.hpp"
#include "exec/shell.hpp"

#include <fmt/format.h>

#include <thread>

namespace pgwarden::cli {
namespace {

using log::Level;
using standby::detail;
using standby::hint;

int promote(const CliOptions& options) {
    const auto config = standby::load_config(options);

    auto local = standby::try_connect(config.conninfo, Level::error);
    if (!local) {
        log::error("unable to connect to local node \"{}\" (ID: {})", config.node_name,
                   config.node_id);
        return model::kErrDbConn;
    }
    const auto role = cluster::query_role(*local);
    if (role == cluster::Role::unknown) {
        log::error("unable to determine the recovery state of the local node");
        return model::kErrDbConn;
    }
    if (role == cluster::Role::primary) {
        log::error("STANDBY PROMOTE can only be executed on a standby node");
        return model::kErrPromotionFail;
    }
    if (options.dry_run)
        log::info("node is a standby");
    // Promoting with WAL received but not replayed would throw those transactions away.
    const auto replay = cluster::replay_state(*local);
    if (replay.paused && replay.wal_pending) {
        log::error("WAL replay is paused on this node but not all WAL has been replayed");
        detail(Level::error,
               fmt::format("replay paused at {}; last WAL received is {}",
                           replay.replay_lsn.value_or(""), replay.receive_lsn.value_or("")));
        hint(Level::error, "execute \"pg_wal_replay_resume()\" to unpause WAL replay");
        return model::kErrPromotionFail;
    }

    const auto nodes = cluster::load_nodes(*local);
    std::optional<cluster::NodeRecord> local_record;
    for (const auto& node : nodes) {
        if (node.node_id == config.node_id)
            local_record = node;
    }
    if (!local_record) {
        log::error("unable to retrieve node record for node {}", config.node_id);
        hint(Level::error, "register this node with \"standby register\" first");
        return model::kErrDbQuery;
    }

    if (auto primary = standby::find_reachable_primary(nodes, config.node_id)) {
        log::error("this replication cluster already has an active primary server");
        for (const auto& node : nodes) {
            if (node.node_id == primary->node_id)
                detail(Level::error, "current primary is " + describe(node));
        }
        return model::kErrPromotionFail;
    }
    if (options.dry_run)
        log::info("no active primary server found in this replication cluster");

    // The siblings that should follow this node, and room for them here.
    const standby::SiblingOptions sibling_options{
        options.siblings_follow, options.force, options.dry_run, options.remote_user.value_or("")};
    standby::SiblingPlan siblings{standby::active_siblings(nodes, *local_record), {}, 0, 0, 0};
    if (!standby::check_siblings(siblings, config, sibling_options))
        return model::kErrBadConfig;
    const auto capacity = cluster::replication_capacity(*local);
    bool dry_run_ok = true;
    if (!standby::enough_wal_senders(siblings, capacity.free_wal_senders, sibling_options,
                                     dry_run_ok))
        return model::kErrBadConfig;
    if (!standby::enough_free_slots(siblings, capacity.free_slots, sibling_options, dry_run_ok))
        return model::kErrBadConfig;
    if (options.dry_run) {
        if (!dry_run_ok) {
            log::error("prerequisites for executing STANDBY PROMOTE are *not* met");
            hint(Level::error, "see preceding error messages");
            return model::kErrBadConfig;
        }
        if (config.service_promote_command.empty()) {
            log::info("node will be promoted using the \"pg_promote()\" function");
        } else {
            log::info("node will be promoted using command defined in \"service_promote_command\"");
            detail(Level::info, fmt::format("\"service_promote_command\" is \"{}\"",
                                            config.service_promote_command));
        }
        log::info("prerequisites for executing STANDBY PROMOTE are met");
        return model::kSuccess;
    }

    if (const int code = standby::promote_local_node(*local, config, *local_record, nodes);
        code != model::kSuccess)
        return code;
    if (options.siblings_follow && !siblings.siblings.empty())
        standby::follow_siblings(siblings, *local_record, config, sibling_options);
    return model::kSuccess;
}

const CommandRegistration reg_standby_promote{
    {{"standby", "promote"},
     "promote a standby to primary",
     "pgwarden standby promote: promote this standby to primary, as \"repmgr standby promote\".\n"
     "\n"
     "Usage: pgwarden [-f repmgr.conf] standby promote [--dry-run] [--siblings-follow [-R USER]]\n"
     "\n"
     "Refuses while any registered node is reachable and running as primary. Promotes with\n"
     "pg_promote() (or service_promote_command when set), waits promote_check_timeout seconds\n"
     "in promote_check_interval steps, then marks this node primary and the old primary\n"
     "inactive in repmgr.nodes (one transaction) and records the standby_promote event.\n"
     "\n"
     "  --dry-run          check the prerequisites only\n"
     "  --siblings-follow  make the standbys that shared this node's upstream follow it: each\n"
     "                     is checked with ssh (ssh_options) first and then runs\n"
     "                     \"pgwarden -f <its config_file> standby follow\" through ssh; -F\n"
     "                     promotes even when some cannot be reached\n"
     "  -R, --remote-user  the user ssh logs in as on the siblings\n"
     "\n"
     "Exit codes: 0 success, 1 bad configuration, 6 no connection to the local node,\n"
     "7 metadata update failed, 8 promotion refused or failed.\n",
     &promote}};

}  // namespace
}  // namespace pgwarden::cli
