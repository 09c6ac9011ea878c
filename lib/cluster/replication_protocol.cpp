#include "cluster/replication_protocol.hpp"

#include "log/log.hpp"
#include "pg/result.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>

#include <charconv>

namespace pgwarden::cluster {
namespace {

// A connection in libpq's replication mode; the walsender answers only simple queries.
std::optional<pg::Result> replication_query(const std::string& conninfo, const std::string& sql) {
    const std::string repl = text::with_default(conninfo, "replication", "database");
    pg::ConnHandle conn(PQconnectdb(repl.c_str()));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        log::debug("replication connection to \"{}\" failed: {}", text::mask_password(repl),
                   conn ? pg::trim_message(PQerrorMessage(conn.get())) : "out of memory");
        return std::nullopt;
    }
    pg::Result result(PQexec(conn.get(), sql.c_str()));
    if (!result.ok()) {
        log::debug("\"{}\" on \"{}\" failed: {}", sql, text::mask_password(repl),
                   result ? result.error_message() : "no result");
        return std::nullopt;
    }
    return result;
}

}  // namespace

std::optional<SystemIdentity> identify_system(const std::string& conninfo) {
    auto result = replication_query(conninfo, "IDENTIFY_SYSTEM");
    if (!result || result->rows() != 1 || result->columns() < 3)
        return std::nullopt;
    SystemIdentity identity;
    identity.system_id = std::string(result->value(0, 0));
    const auto tli = result->value(0, 1);
    std::from_chars(tli.data(), tli.data() + tli.size(), identity.timeline);
    auto lsn = model::parse_lsn(result->value(0, 2));
    if (!lsn || identity.timeline == 0)
        return std::nullopt;
    identity.lsn = *lsn;
    return identity;
}

std::optional<std::string> timeline_history(const std::string& conninfo, std::uint32_t tli) {
    auto result = replication_query(conninfo, fmt::format("TIMELINE_HISTORY {}", tli));
    if (!result || result->rows() != 1 || result->columns() < 2)
        return std::nullopt;
    return std::string(result->value(0, 1));
}

}  // namespace pgwarden::cluster
