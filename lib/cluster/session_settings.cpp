#include "cluster/session_settings.hpp"

namespace pgwarden::cluster {

void commit_without_standbys(pg::Connection& conn) {
    conn.exec("SET synchronous_commit = local");
}

void set_application_name(pg::Connection& conn, const std::string& name) {
    conn.exec("SELECT pg_catalog.set_config('application_name', $1, false)", {name});
}

}  // namespace pgwarden::cluster
