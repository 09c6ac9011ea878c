#include "cluster/server_settings.hpp"

#include <fmt/format.h>

namespace pgwarden::cluster {

void alter_system(pg::Connection& conn, const std::string& name,
                  const std::optional<std::string>& value) {
    if (!value) {
        conn.exec(fmt::format("ALTER SYSTEM RESET {}", name));
        return;
    }
    char* literal = PQescapeLiteral(conn.get(), value->c_str(), value->size());
    if (literal == nullptr)
        throw pg::PgError(fmt::format("could not quote the value of {}: {}", name,
                                      pg::trim_message(PQerrorMessage(conn.get()))));
    const std::string sql = fmt::format("ALTER SYSTEM SET {} = {}", name, literal);
    PQfreemem(literal);
    conn.exec(sql);
}

void reload_configuration(pg::Connection& conn) {
    conn.exec("SELECT pg_catalog.pg_reload_conf()");
}

bool can_read_all_settings(pg::Connection& conn) {
    return conn.exec(
                   "SELECT (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)"
                   " OR pg_catalog.pg_has_role(current_user, 'pg_read_all_settings', 'MEMBER')")
               .value(0, 0) == "t";
}

std::string data_directory(pg::Connection& conn) {
    return std::string(
        conn.exec("SELECT pg_catalog.current_setting('data_directory')").value(0, 0));
}

}  // namespace pgwarden::cluster
