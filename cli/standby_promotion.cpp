#include "standby_promotion.hpp"

#include "model/exit_codes.hpp"
#include "standby_actions.hpp"
#include "standby_decisions.hpp"

#include "cluster/events.hpp"
#include "cluster/node_write.hpp"
#include "cluster/replication_queries.hpp"
#include "cluster/session_settings.hpp"
#include "config/server_action.hpp"
#include "exec/shell.hpp"

#include <fmt/format.h>

#include <thread>

namespace pgwarden::cli::standby {

int promote_local_node(pg::Connection& local_conn, const config::RepmgrConfig& config,
                       const cluster::NodeRecord& local_record,
                       const std::vector<cluster::NodeRecord>& nodes) {
    using log::Level;
    auto* local = &local_conn;
    log::notice("promoting standby to primary");
    // repmgr's order: service_promote_command, else pg_promote() where this user may call it,
    // else pg_ctl promote (as the OS user running this command).
    std::string command = config.service_promote_command;
    try {
        if (command.empty() && !cluster::may_call_pg_promote(*local))
            command = config::server_action_command(config::ServerAction::promote, config,
                                                    config::pg_ctl_directory(config));
    } catch (const pg::PgError& e) {
        log::error("unable to promote server from standby to primary");
        detail(Level::error, e.what());
        return model::kErrPromotionFail;
    }
    if (!command.empty()) {
        detail(Level::notice, fmt::format("promoting server \"{}\" (ID: {}) using \"{}\"",
                                          config.node_name, config.node_id, command));
        const auto outcome =
            exec::run_shell(command, std::chrono::seconds(config.promote_check_timeout));
        if (!outcome.ok()) {
            log::error("unable to promote server from standby to primary");
            detail(Level::error, fmt::format("\"{}\" exited with {}{}", command, outcome.exit_code,
                                             outcome.timed_out ? " (timed out)" : ""));
            return model::kErrPromotionFail;
        }
    } else {
        detail(Level::notice, fmt::format("promoting server \"{}\" (ID: {}) using pg_promote()",
                                          config.node_name, config.node_id));
        try {
            // pg_promote() returns at once; the promote_check_timeout loop does the waiting, as
            // repmgr does, so both settings keep their meaning.
            if (!cluster::request_promotion(*local)) {
                log::error("unable to promote server from standby to primary");
                return model::kErrPromotionFail;
            }
        } catch (const pg::PgError& e) {
            log::error("unable to promote server from standby to primary");
            detail(Level::error, e.what());
            return model::kErrPromotionFail;
        }
    }

    log::notice(
        "waiting up to {} seconds (parameter \"promote_check_timeout\") for promotion to "
        "complete",
        config.promote_check_timeout);
    auto last_role = cluster::Role::standby;
    const bool promoted = standby::poll_until(
        std::chrono::seconds(config.promote_check_timeout),
        std::min<std::chrono::milliseconds>(std::chrono::seconds(config.promote_check_interval),
                                            standby::kQuickPoll),
        [&] {
            last_role = cluster::query_role(*local);
            return last_role == cluster::Role::primary;
        },
        [](std::chrono::milliseconds step) { std::this_thread::sleep_for(step); });
    if (!promoted) {
        if (last_role == cluster::Role::unknown) {
            log::error("connection to node lost");
            return model::kErrDbConn;
        }
        log::error("STANDBY PROMOTE failed, node is still a standby");
        detail(Level::error, fmt::format("node still in recovery after {} seconds",
                                         config.promote_check_timeout));
        hint(Level::error,
             "the node may need more time to promote itself, check the PostgreSQL log for "
             "details");
        return model::kErrPromotionFail;
    }

    std::optional<int> old_primary;
    if (auto record = standby::primary_record(nodes); record && record->node_id != config.node_id)
        old_primary = record->node_id;
    try {
        // The standbys attach to this primary only once they learn of it: with synchronous
        // replication, waiting for one of them here would hold the promotion's bookkeeping (and
        // the daemon that runs this command) until one does, or forever in a two-node cluster.
        cluster::commit_without_standbys(*local);
        cluster::promote_node_record(*local, config.node_id, old_primary);
    } catch (const pg::PgError& e) {
        const auto details =
            fmt::format("unable to update node record for node {}", config.node_id);
        log::error("{}", details);
        detail(Level::error, e.what());
        cluster::record_event(nullptr, config,
                              {config.node_id, "standby_promote", false, details, {}, {}, {}});
        return model::kErrDbQuery;
    }

    const auto details = fmt::format("server \"{}\" (ID: {}) was successfully promoted to primary",
                                     local_record.node_name, config.node_id);
    log::notice("STANDBY PROMOTE successful");
    detail(Level::notice, details);
    cluster::record_event(&*local, config,
                          {config.node_id, "standby_promote", true, details, {}, {}, {}});
    return model::kSuccess;
}

}  // namespace pgwarden::cli::standby
