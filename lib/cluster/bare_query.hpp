// One statement on a bare libpq connection, for the readers that treat a failed query as "no
// answer" rather than an error (the cluster survey, which keeps libpq's own connection handle).
#pragma once

#include "pg/result.hpp"

#include <string>
#include <vector>

namespace pgwarden::cluster {

// The statement's result, or an empty Result (no rows, empty values) when it failed.
pg::Result try_exec(PGconn* conn, const char* sql, const std::vector<std::string>& params = {});

}  // namespace pgwarden::cluster
