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

std::string data_directory(pg::Connection& conn) {
    return std::string(
        conn.exec("SELECT pg_catalog.current_setting('data_directory')").value(0, 0));
}

std::vector<std::string> configuration_file_paths(pg::Connection& conn) {
    std::vector<std::string> paths;
    for (const char* sql : {"SELECT DISTINCT sourcefile FROM pg_catalog.pg_settings "
                            "WHERE sourcefile IS NOT NULL ORDER BY 1",
                            "SELECT setting FROM pg_catalog.pg_settings "
                            "WHERE name IN ('hba_file', 'ident_file') ORDER BY 1"}) {
        const auto rows = conn.exec(sql);
        for (int row = 0; row < rows.rows(); ++row)
            paths.emplace_back(rows.value(row, 0));
    }
    return paths;
}

}  // namespace pgwarden::cluster
