#include "pg/connection.hpp"

#include "text/conninfo.hpp"

#include "log/log.hpp"

#include <fmt/format.h>

namespace pgwarden::pg {

void log_notices(PGconn* conn) {
    PQsetNoticeProcessor(
        conn,
        [](void* /*unused*/, const char* message) {
            log::debug("server message: {}", trim_message(message));
        },
        nullptr);
}

Connection Connection::open(const std::string& conninfo) {
    ConnHandle conn(PQconnectdb(conninfo.c_str()));
    if (!conn)
        throw PgError("out of memory connecting to PostgreSQL");
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        throw PgError(fmt::format("could not connect to \"{}\": {}", text::mask_password(conninfo),
                                  trim_message(PQerrorMessage(conn.get()))));
    }
    return Connection(std::move(conn), conninfo);
}

Result Connection::exec(const std::string& sql,
                        const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params)
        values.push_back(param ? param->c_str() : nullptr);
    Result result(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0));
    if (!result.ok()) {
        const std::string reason =
            result ? result.error_message() : trim_message(PQerrorMessage(conn_.get()));
        throw PgError(
            fmt::format("query failed on \"{}\": {}", text::mask_password(conninfo_), reason));
    }
    return result;
}

}  // namespace pgwarden::pg
