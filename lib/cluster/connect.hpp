// Reaching the nodes a command works on: the local node from repmgr.conf, and the primary found
// through the metadata, in repmgr's order (get_primary_connection).
#pragma once

#include "cluster/node_record.hpp"
#include "cluster/node_state.hpp"
#include "config/repmgr_config.hpp"
#include "log/log.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cluster {

// Opens config.conninfo. Throws pg::PgError naming the (masked) conninfo and libpq's reason.
pg::Connection connect_local(const config::RepmgrConfig& config);

// Opens `conninfo`, or nothing (the reason logged at DEBUG) when it cannot.
std::optional<pg::Connection> try_connect(const std::string& conninfo,
                                          std::optional<log::Level> level = std::nullopt);

// pg_is_in_recovery() itself; throws pg::PgError.
bool is_in_recovery(pg::Connection& conn);
// The node's role from pg_is_in_recovery() (repmgr's get_recovery_type), by role_from_recovery:
// unknown when the query fails. Never throws.
Role query_role(pg::Connection& conn);

struct PrimaryConnection {
    pg::Connection conn;
    NodeRecord record;
};

// The primary according to the metadata read through `via`: every active node except witnesses,
// primaries first, then by priority and node_id (repmgr's order); the first that accepts a
// connection and is not in recovery. Nothing when none does (or the metadata is unreadable).
// Never throws.
std::optional<PrimaryConnection> connect_primary(pg::Connection& via);

}  // namespace pgwarden::cluster
