// Settings of one session that pgwarden's own writes need. Throws pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <string>

namespace pgwarden::cluster {

// This session's commits stop waiting for synchronous standbys (synchronous_commit = local): the
// metadata, events and history pgwarden writes on a primary whose standbys are gone (or not yet
// attached, right after a promotion) would otherwise wait for them forever. Losing such a row in
// a crash costs history, never a client's acknowledged data.
void commit_without_standbys(pg::Connection& conn);

// This session's application_name, as pg_stat_activity shows it to other sessions.
void set_application_name(pg::Connection& conn, const std::string& name);

}  // namespace pgwarden::cluster
