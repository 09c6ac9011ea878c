#include "switchover_checks.hpp"

#include "standby_actions.hpp"

#include "cluster/node_checks.hpp"
#include "cluster/switchover_queries.hpp"
#include "log/log.hpp"
#include "model/exit_codes.hpp"

#include <fmt/format.h>

namespace pgwarden::cli::switchover {

using log::Level;
using standby::detail;
using standby::hint;

std::optional<int> check_archive(pg::Connection& primary_conn, const config::RepmgrConfig& config,
                                 const std::string& name, bool force, bool dry_run) {
    const auto backlog = cluster::archive_backlog(primary_conn);
    if (backlog.archive_mode == "off") {
        log::at(dry_run ? Level::info : Level::debug, "archive mode is \"off\"");
        return std::nullopt;
    }
    const auto files = backlog.ready_files;
    if (!files) {
        if (!force) {
            log::error(
                "unable to check number of pending archive files on demotion candidate \"{}\"",
                name);
            hint(Level::error, "use -F/--force to continue anyway");
            return model::kErrSwitchoverFail;
        }
        log::warning("unable to check number of pending archive files on demotion candidate \"{}\"",
                     name);
        log::notice("-F/--force set, continuing with switchover");
        return std::nullopt;
    }
    const int critical = config.archive_ready_critical;
    const int warning = config.archive_ready_warning;
    if (*files >= critical) {
        if (!force) {
            log::error("number of pending archive files on demotion candidate \"{}\" is critical",
                       name);
            detail(Level::error, fmt::format("{} pending archive files (critical threshold: {})",
                                             *files, critical));
            hint(Level::error,
                 "PostgreSQL will not shut down until all files are archived; use -F/--force to "
                 "continue anyway");
            return model::kErrSwitchoverFail;
        }
        log::warning(
            "number of pending archive files on demotion candidate \"{}\" exceeds the critical "
            "threshold",
            name);
        detail(Level::warning,
               fmt::format("{} pending archive files (critical threshold: {})", *files, critical));
        log::notice("-F/--force set, continuing with switchover");
    } else if (*files >= warning) {
        log::warning(
            "number of pending archive files on demotion candidate \"{}\" exceeds the warning "
            "threshold",
            name);
        detail(Level::warning,
               fmt::format("{} pending archive files (warning threshold: {})", *files, warning));
        hint(Level::warning, "PostgreSQL will not shut down until all files are archived");
    } else {
        log::at(dry_run ? Level::info : Level::debug, "{} pending archive files", *files);
    }
    return std::nullopt;
}

std::optional<int> check_lag(pg::Connection& local, const config::RepmgrConfig& config, bool force,
                             bool dry_run) {
    const auto lag = cluster::replay_lag_seconds(local);
    if (!lag) {
        if (!force) {
            log::error("unable to check replication lag on local node");
            hint(Level::error, "use -F/--force to continue anyway");
            return model::kErrSwitchoverFail;
        }
        log::warning("unable to check replication lag on local node");
        log::notice("-F/--force set, continuing with switchover");
        return std::nullopt;
    }
    // Promotion waits for everything received to be replayed; a standby that cannot catch up
    // within standby_reconnect_timeout would outlast every wait of the switchover after the stop.
    if (*lag >= config.standby_reconnect_timeout && *lag < config.replication_lag_critical) {
        const auto text = fmt::format("lag is {} seconds (\"standby_reconnect_timeout\": {})", *lag,
                                      config.standby_reconnect_timeout);
        if (!force) {
            log::error("this node could not catch up within \"standby_reconnect_timeout\"");
            detail(Level::error, text);
            hint(Level::error, "let it catch up first; use -F/--force to continue anyway");
            return model::kErrSwitchoverFail;
        }
        log::warning("this node could not catch up within \"standby_reconnect_timeout\"");
        detail(Level::warning, text);
        log::notice("-F/--force set, continuing with switchover");
        return std::nullopt;
    }
    if (*lag >= config.replication_lag_critical) {
        const auto text = fmt::format("lag is {} seconds (critical threshold: {})", *lag,
                                      config.replication_lag_critical);
        if (!force) {
            log::error("replication lag on this node is critical");
            detail(Level::error, text);
            hint(Level::error,
                 "PostgreSQL on the demotion candidate will not shut down until pending WAL is "
                 "flushed to the standby; use -F/--force to continue anyway");
            return model::kErrSwitchoverFail;
        }
        log::warning("replication lag on this node is critical");
        detail(Level::warning, text);
        log::notice("-F/--force set, continuing with switchover");
    } else if (*lag >= config.replication_lag_warning) {
        log::warning("replication lag on this node is warning");
        detail(Level::warning, fmt::format("lag is {} seconds (warning threshold: {})", *lag,
                                           config.replication_lag_warning));
    } else {
        log::at(dry_run ? Level::info : Level::debug,
                "replication lag on this standby is {} seconds", *lag);
    }
    return std::nullopt;
}

std::optional<int> check_missing_siblings(pg::Connection& primary_conn,
                                          const std::vector<cluster::NodeRecord>& siblings,
                                          bool force) {
    std::vector<const cluster::NodeRecord*> missing;
    for (const auto& sibling : siblings) {
        if (sibling.type == model::NodeType::standby &&
            !standby::is_attached(primary_conn, sibling.node_name))
            missing.push_back(&sibling);
    }
    if (missing.empty())
        return std::nullopt;
    const auto level = force ? Level::warning : Level::error;
    log::at(level, "{} of {} sibling nodes not attached to the current primary", missing.size(),
            siblings.size());
    for (const auto* node : missing)
        detail(level, fmt::format("  {} (ID: {})", node->node_name, node->node_id));
    if (!force) {
        hint(Level::error, "use -F/--force to proceed in any case");
        return model::kErrBadConfig;
    }
    return std::nullopt;
}

}  // namespace pgwarden::cli::switchover
