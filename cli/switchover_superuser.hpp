// -S/--superuser in standby switchover, where repmgr 5.3's do_standby_switchover reads it: a
// superuser connection to this node, checked before anything else and then used for pg_promote()
// and for the CHECKPOINT pg_rewind needs after the promotion; the same user checked on the old
// primary and passed to its stop (switchover_remote); and the warning when no connection is a
// superuser's.
#pragma once

#include "cli_options.hpp"

#include "config/repmgr_config.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cli::switchover {

struct SuperuserCheck {
    std::optional<pg::Connection> conn;  // -S's session on this node; nothing without -S
    std::optional<int> refused;          // the exit code when -S cannot be used
};

// With -S: this node's conninfo with -S's user must give a superuser session (refused, exit 1,
// with repmgr's messages, otherwise). Without -S, or with it: repmgr's warning when neither that
// session nor `local` is a superuser's.
SuperuserCheck check_local_superuser(const CliOptions& options, const config::RepmgrConfig& config,
                                     pg::Connection& local);

// With --force-rewind, right after the promotion: a CHECKPOINT on this node, so that pg_rewind
// on the old primary reads the new timeline from pg_control (written at the first checkpoint);
// through the superuser session, else `local` if it is a superuser's, else repmgr's warning.
void checkpoint_for_rewind(const config::RepmgrConfig& config, pg::Connection* superuser,
                           pg::Connection& local);

}  // namespace pgwarden::cli::switchover
