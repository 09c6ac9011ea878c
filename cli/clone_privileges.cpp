// standby clone's privileged steps and the user each runs as (clone_privileges.hpp).
#include "clone_privileges.hpp"

#include "standby_actions.hpp"

#include "cluster/replication_queries.hpp"
#include "cluster/session_rights.hpp"
#include "model/exit_codes.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>

namespace pgwarden::cli::standby {
namespace {

using log::Level;

// `conn`'s connection parameters with another user.
std::string conninfo_as(const pg::Connection& conn, const std::string& user) {
    auto params = parse_conninfo(conn.conninfo());
    set_param(params, "user", user);
    return format_conninfo(params);
}

// A replication connection (walsender) as `user` to `conn`'s server; the reason when it fails.
pg::ConnHandle replication_connection(const pg::Connection& conn, const std::string& user) {
    const auto conninfo = text::with_default(conninfo_as(conn, user), "replication", "database");
    return pg::ConnHandle(PQconnectdb(conninfo.c_str()));
}

std::string connection_error(PGconn* conn) {
    return conn != nullptr ? pg::trim_message(PQerrorMessage(conn)) : "out of memory";
}

// CREATE_REPLICATION_SLOT over a walsender: what a REPLICATION role may do without being allowed
// pg_create_physical_replication_slot() in SQL (repmgr's create_replication_slot_replprot).
bool create_over_replication(PGconn* walsender, const std::string& slot_name) {
    const auto command =
        fmt::format("CREATE_REPLICATION_SLOT \"{}\" PHYSICAL RESERVE_WAL", slot_name);
    pg::Result result(PQexec(walsender, command.c_str()));
    if (result.ok())
        return true;
    log::error("unable to create replication slot \"{}\"", slot_name);
    detail(Level::error, result ? result.error_message() : connection_error(walsender));
    return false;
}

}  // namespace

std::optional<int> open_settings_reader(pg::Connection& source, const ConninfoParams& params,
                                        const std::optional<std::string>& superuser,
                                        std::optional<pg::Connection>& out) {
    const auto rights = cluster::session_rights(source);
    if (rights.read_all_settings)
        return std::nullopt;
    if (!superuser) {
        log::error(
            "--copy-external-config-files requires a user with permission to read the data "
            "directory on the source node");
        hint(Level::error,
             "the repmgr user must be superuser or member of role \"pg_monitor\" or "
             "\"pg_read_all_settings\", or a superuser provided with -S/--superuser");
        return model::kErrBadConfig;
    }
    auto as_superuser = params;
    set_param(as_superuser, "user", *superuser);
    out = try_connect(format_conninfo(as_superuser), Level::error);
    if (!out) {
        log::error("unable to establish superuser connection as \"{}\"", *superuser);
        return model::kErrBadConfig;
    }
    if (!cluster::is_superuser(*out)) {
        log::error("\"{}\" is not a superuser", *superuser);
        out.reset();
        return model::kErrBadConfig;
    }
    log::debug("established superuser connection as \"{}\"", *superuser);
    return std::nullopt;
}

SlotCreatorChoice choose_slot_creator(const SessionRights& rights,
                                      const std::optional<std::string>& superuser,
                                      const std::optional<std::string>& replication_user,
                                      const std::string& upstream_repluser) {
    if (rights.superuser || rights.replication)
        return {SlotCreator::connection_user, rights.user};
    if (superuser)
        return {SlotCreator::superuser, *superuser};
    if (replication_user)
        return {SlotCreator::replication_user, *replication_user};
    if (!upstream_repluser.empty() && upstream_repluser != rights.user)
        return {SlotCreator::replication_user, upstream_repluser};
    return {};
}

bool create_clone_slot(pg::Connection& conn, const std::string& slot_name, const std::string& where,
                       const CliOptions& options, const std::string& upstream_repluser,
                       bool dry_run) {
    const auto choice = choose_slot_creator(cluster::session_rights(conn), options.superuser,
                                            options.replication_user, upstream_repluser);
    switch (choice.creator) {
        case SlotCreator::none:
            log::error("unable to determine user for replication slot creation");
            hint(Level::error,
                 "provide a superuser with -S/--superuser, or a user with the REPLICATION "
                 "attribute with --replication-user");
            return false;
        case SlotCreator::connection_user:
            if (dry_run) {
                log::info("replication slots will be created by user \"{}\"", choice.user);
                return true;
            }
            log::info("managing replication slot as user \"{}\"", choice.user);
            return ensure_slot(conn, slot_name, where);
        case SlotCreator::superuser: {
            std::optional<pg::Connection> superuser_conn;
            try {
                superuser_conn = pg::Connection::open(conninfo_as(conn, choice.user));
            } catch (const pg::PgError& e) {
                log::error("unable to create superuser connection as user \"{}\"", choice.user);
                detail(Level::error, e.what());
                return false;
            }
            // The repmgr source read for this goes on to create the slot in a dry run here;
            // pgwarden's dry run changes nothing.
            if (dry_run) {
                log::info("replication slots will be created by superuser \"{}\"", choice.user);
                return true;
            }
            log::info("creating replication slot as superuser \"{}\"", choice.user);
            return ensure_slot(*superuser_conn, slot_name, where);
        }
        case SlotCreator::replication_user: {
            const auto walsender = replication_connection(conn, choice.user);
            if (!walsender || PQstatus(walsender.get()) != CONNECTION_OK) {
                log::error("unable to create replication connection as user \"{}\"", choice.user);
                detail(Level::error, connection_error(walsender.get()));
                return false;
            }
            if (dry_run) {
                log::info("replication slots will be created by replication user \"{}\"",
                          choice.user);
                return true;
            }
            // An existing slot is reused or refused as ensure_slot does; reading
            // pg_replication_slots needs no privilege.
            if (cluster::replication_slot(conn, slot_name))
                return ensure_slot(conn, slot_name, where);
            log::info("managing replication slot as replication user \"{}\"", choice.user);
            if (!create_over_replication(walsender.get(), slot_name))
                return false;
            log::info("replication slot \"{}\" created on {}", slot_name, where);
            return true;
        }
    }
    return false;
}

}  // namespace pgwarden::cli::standby
