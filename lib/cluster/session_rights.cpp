#include "cluster/session_rights.hpp"

#include <libpq-fe.h>

#include <cstring>

namespace pgwarden::cluster {

SessionRights session_rights(pg::Connection& conn) {
    const auto row = conn.exec(
        "SELECT current_user, rolreplication, "
        "pg_catalog.pg_has_role(current_user, 'pg_read_all_settings', 'MEMBER') "
        "FROM pg_catalog.pg_roles WHERE rolname = current_user");
    SessionRights rights;
    rights.user = std::string(row.value(0, 0));
    rights.superuser = is_superuser(conn);
    rights.replication = row.value(0, 1) == "t";
    rights.read_all_settings = rights.superuser || row.value(0, 2) == "t";
    return rights;
}

bool is_superuser(const pg::Connection& conn) {
    const char* value = PQparameterStatus(conn.get(), "is_superuser");
    return value != nullptr && std::strcmp(value, "on") == 0;
}

bool can_read_all_settings(pg::Connection& conn) {
    return session_rights(conn).read_all_settings;
}

}  // namespace pgwarden::cluster
