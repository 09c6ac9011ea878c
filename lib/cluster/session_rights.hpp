// What the role of one session may do: the privileges standby clone, node check and switchover
// test before they act, from one place. session_rights and can_read_all_settings throw
// pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <string>

namespace pgwarden::cluster {

struct SessionRights {
    std::string user;
    bool superuser = false;
    bool replication = false;        // rolreplication: may open walsender connections
    bool read_all_settings = false;  // superuser or pg_read_all_settings: sees every setting
};
SessionRights session_rights(pg::Connection& conn);

// Whether the session's role is a superuser, as the server reported it at connection (libpq's
// is_superuser parameter): no query.
bool is_superuser(const pg::Connection& conn);

// Whether this session may read every setting (superuser or pg_read_all_settings).
bool can_read_all_settings(pg::Connection& conn);

}  // namespace pgwarden::cluster
