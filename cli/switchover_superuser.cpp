#include "switchover_superuser.hpp"

#include "register_support.hpp"

#include "cluster/connect.hpp"
#include "cluster/node_rejoin_queries.hpp"
#include "cluster/session_rights.hpp"
#include "config/libpq_conninfo.hpp"
#include "log/log.hpp"
#include "model/exit_codes.hpp"

#include <libpq-fe.h>

namespace pgwarden::cli::switchover {
namespace {

using cluster::is_superuser;

using log::Level;

// The database a conninfo names, as PQdb() reports it: libpq's default is the user's name.
std::string database_of(const std::string& conninfo, const std::string& user) {
    return config::parse_libpq_conninfo(conninfo).value_of("dbname").value_or(user);
}

}  // namespace

SuperuserCheck check_local_superuser(const CliOptions& options, const config::RepmgrConfig& config,
                                     pg::Connection& local) {
    SuperuserCheck check;
    if (options.superuser) {
        const std::string& user = *options.superuser;
        if (options.dry_run)
            log::info("validating connection to local database for superuser \"{}\"", user);
        const auto conninfo = reg::local_conninfo(config, user);
        if (!conninfo) {
            check.refused = model::kErrBadConfig;
            return check;
        }
        check.conn = cluster::try_connect(*conninfo, Level::debug);
        if (!check.conn) {
            log::error("unable to connect to local database \"{}\" as provided superuser \"{}\"",
                       database_of(*conninfo, user), user);
            check.refused = model::kErrBadConfig;
            return check;
        }
        const char* database = PQdb(check.conn->get());
        if (!is_superuser(*check.conn)) {
            log::error(
                "connection established to local database \"{}\" for provided superuser \"{}\" "
                "is not a superuser connection",
                database, user);
            check.conn.reset();
            check.refused = model::kErrBadConfig;
            return check;
        }
        if (options.dry_run)
            log::info(
                "successfully established connection to local database \"{}\" for provided "
                "superuser \"{}\"",
                database, user);
    }
    if (!check.conn && !is_superuser(local)) {
        log::warning("no superuser connection available");
        reg::detail(Level::warning,
                    "it is recommended to perform switchover operations with a database "
                    "superuser");
        reg::hint(Level::warning, "provide the name of a superuser with -S/--superuser");
    }
    return check;
}

void checkpoint_for_rewind(const config::RepmgrConfig& config, pg::Connection* superuser,
                           pg::Connection& local) {
    pg::Connection& conn = superuser != nullptr ? *superuser : local;
    if (!is_superuser(conn)) {
        log::warning("no superuser connection available, unable to issue CHECKPOINT");
        return;
    }
    // repmgr's message ends with a space.
    log::notice("issuing CHECKPOINT on node \"{}\" (ID: {}) ", config.node_name, config.node_id);
    try {
        cluster::checkpoint(conn);
    } catch (const pg::PgError& e) {
        log::warning("unable to execute CHECKPOINT on node \"{}\" (ID: {})", config.node_name,
                     config.node_id);
        reg::detail(Level::warning, e.what());
    }
}

}  // namespace pgwarden::cli::switchover
