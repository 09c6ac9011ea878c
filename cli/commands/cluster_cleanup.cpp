// `pgwarden cluster cleanup [-k DAYS] [--node-id N]`: prunes repmgr.monitoring_history on the
// primary, with repmgr 5.3's messages, cluster_cleanup event and exit codes; sites with
// monitoring_history=yes run it from cron.
#include "../command_registry.hpp"
#include "../register_support.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"
#include "cluster/events.hpp"
#include "cluster/monitoring_cleanup.hpp"
#include "log/log.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace pgwarden::cli {
namespace {

// The event's details and the final notice, in repmgr's words.
std::string cleanup_details(int keep_days, std::optional<int> node_id) {
    std::string text =
        keep_days == 0 ? "all monitoring records deleted" : "monitoring records deleted";
    if (node_id)
        text += fmt::format(" for node {}", *node_id);
    if (keep_days > 0)
        text += fmt::format("; records newer than {} day(s) retained", keep_days);
    return text;
}

int cluster_cleanup(const CliOptions& options) {
    const int keep_days = options.keep_history.value_or(0);
    if (keep_days < 0) {
        // repmgr's list of command line errors, before anything is connected to.
        std::fprintf(stderr,
                     "The following command line errors were encountered:\n"
                     "  \"-k/--keep-history\": must be 0 or greater (provided: \"%d\")\n"
                     "Try \"pgwarden --help\" for more information.\n",
                     keep_days);
        return model::kErrBadConfig;
    }
    const auto config = reg::load_config(options);
    auto local = cluster::connect_local(config);
    log::info("connecting to primary server");
    auto primary = cluster::connect_primary(local);
    if (!primary) {
        log::error("unable to connect to primary server");
        return model::kErrDbConn;
    }
    auto& conn = primary->conn;
    log::debug("number of days of monitoring history to retain: {}", keep_days);

    long long to_delete = 0;
    try {
        to_delete = cluster::count_monitoring_records_to_delete(conn, keep_days, options.node_id);
    } catch (const pg::PgError& e) {
        log::error("unable to query number of monitoring records to clean up");
        reg::detail(log::Level::error, e.what());
        return model::kErrDbQuery;
    }
    if (to_delete == 0) {
        log::info("no monitoring records to delete");
        return model::kSuccess;
    }
    log::debug("at least {} monitoring records for deletion", to_delete);

    try {
        cluster::delete_monitoring_records(conn, keep_days, options.node_id);
    } catch (const pg::PgError& e) {
        const std::string details = "unable to delete monitoring records";
        log::error("{}", details);
        reg::detail(log::Level::error, e.what());
        cluster::record_event(&conn, config,
                              {config.node_id, "cluster_cleanup", false, details, {}, {}, {}});
        return model::kErrDbQuery;
    }
    try {
        cluster::vacuum_monitoring_history(conn);
        log::info("vacuum of table \"repmgr.monitoring_history\" completed");
    } catch (const pg::PgError& e) {
        // The rows are gone; a failed VACUUM only leaves the space to autovacuum.
        log::warning("unable to vacuum table \"repmgr.monitoring_history\"");
        reg::detail(log::Level::warning, e.what());
    }
    const std::string details = cleanup_details(keep_days, options.node_id);
    cluster::record_event(&conn, config,
                          {config.node_id, "cluster_cleanup", true, details, {}, {}, {}});
    log::notice("{}", details);
    return model::kSuccess;
}

const CommandRegistration reg_cluster_cleanup{
    {{"cluster", "cleanup"},
     "purge old records from repmgr.monitoring_history",
     "pgwarden cluster cleanup: purge records from the \"repmgr.monitoring_history\" table\n\n"
     "Usage: pgwarden [-f repmgr.conf] cluster cleanup [-k DAYS] [--node-id N]\n\n"
     "Runs on the primary found through the metadata; records cluster_cleanup.\n\n"
     "Options:\n"
     "  -k, --keep-history=DAYS  retain this many days of history (default: 0, all deleted)\n"
     "  --node-id=N              only the records of this standby\n",
     &cluster_cleanup}};

}  // namespace
}  // namespace pgwarden::cli
