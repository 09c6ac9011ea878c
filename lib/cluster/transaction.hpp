// Transaction control for commands that group several metadata writes (and their event) into one
// transaction of their own.
#pragma once

#include "pg/connection.hpp"

namespace pgwarden::cluster {

// BEGIN and COMMIT; both throw pg::PgError.
void begin_transaction(pg::Connection& conn);
void commit_transaction(pg::Connection& conn);
// ROLLBACK, for the paths already handling a failure: never throws, its own failure is moot.
void rollback_transaction(pg::Connection& conn) noexcept;

}  // namespace pgwarden::cluster
