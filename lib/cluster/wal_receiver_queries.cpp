#include "cluster/wal_receiver_queries.hpp"

#include "text/parse_number.hpp"

#include <fmt/format.h>

namespace pgwarden::cluster {

std::optional<RetryIntervalSetting> read_retry_interval(pg::Connection& conn) {
    // sourcefile is hidden without pg_read_all_settings: then RESET is not known to be safe.
    const auto result = conn.exec(
        "SELECT setting, source = 'default' OR (sourcefile IS NOT NULL AND sourcefile NOT LIKE "
        "'%/postgresql.auto.conf') FROM pg_catalog.pg_settings"
        " WHERE name = 'wal_retrieve_retry_interval'");
    if (result.rows() != 1)
        return std::nullopt;
    const auto ms = text::parse_number<long long>(result.value(0, 0));
    if (!ms)
        return std::nullopt;
    return RetryIntervalSetting{*ms, result.value(0, 1) == "t"};
}

// ALTER SYSTEM takes no parameters; `ms` is a number computed by the caller.
void write_retry_interval(pg::Connection& conn, std::optional<long long> ms) {
    conn.exec(ms ? fmt::format("ALTER SYSTEM SET wal_retrieve_retry_interval = {}", *ms)
                 : std::string("ALTER SYSTEM RESET wal_retrieve_retry_interval"));
    conn.exec("SELECT pg_catalog.pg_reload_conf()");
}

int wal_receiver_pid(pg::Connection& conn) {
    const auto result =
        conn.exec("SELECT COALESCE((SELECT pid FROM pg_catalog.pg_stat_wal_receiver), 0)");
    return text::parse_number<int>(result.value(0, 0)).value_or(0);
}

}  // namespace pgwarden::cluster
