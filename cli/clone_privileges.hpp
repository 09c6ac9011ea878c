// Which user does each privileged step of standby clone, as repmgr 5.3 decides it: reading where
// the source's settings come from (--copy-external-config-files) and creating the standby's
// replication slot; both fall back to -S/--superuser when the -U user may not. repmgr 5.3 uses
// the superuser for nothing else in a clone (its checks of the source's settings, tablespaces
// and slots run as the -U user), and neither does pgwarden.
#pragma once

#include "cli_options.hpp"
#include "standby_decisions.hpp"

#include "cluster/session_rights.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cli::standby {

// The -U user's standing on the source (superuser, REPLICATION, pg_read_all_settings directly or
// through pg_monitor) is cluster::session_rights'.
using cluster::SessionRights;

// The connection that reads the configuration file locations: `source` itself when its user may
// read every setting, else a new one to the same server as -S/--superuser, which must be a
// superuser (repmgr's get_superuser_connection). nullopt in `out` means `source`. Returns an exit
// code, after repmgr's error, when there is none.
std::optional<int> open_settings_reader(pg::Connection& source, const ConninfoParams& params,
                                        const std::optional<std::string>& superuser,
                                        std::optional<pg::Connection>& out);

// Who creates the standby's slot (repmgr's _determine_replication_slot_user), in this order:
// the connection's own user when a superuser or REPLICATION role; -S/--superuser; a
// --replication-user; the upstream record's repluser when it is another user. The last two
// create it over a replication connection (CREATE_REPLICATION_SLOT).
enum class SlotCreator { connection_user, superuser, replication_user, none };
struct SlotCreatorChoice {
    SlotCreator creator = SlotCreator::none;
    std::string user;
};
SlotCreatorChoice choose_slot_creator(const SessionRights& rights,
                                      const std::optional<std::string>& superuser,
                                      const std::optional<std::string>& replication_user,
                                      const std::string& upstream_repluser);

// Creates the physical slot `slot_name` on `conn`'s server as choose_slot_creator says, or reuses
// an inactive one (ensure_slot). False after repmgr's error when the chosen user cannot connect,
// there is no user who may, or the slot is in use. With `dry_run`, only says who would create it
// and checks that user can connect.
bool create_clone_slot(pg::Connection& conn, const std::string& slot_name, const std::string& where,
                       const CliOptions& options, const std::string& upstream_repluser,
                       bool dry_run);

}  // namespace pgwarden::cli::standby
