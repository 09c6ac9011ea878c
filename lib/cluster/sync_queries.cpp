#include "cluster/sync_queries.hpp"

#include "model/lsn.hpp"

namespace pgwarden::cluster {

failover::SyncSnapshot read_sync_snapshot(pg::Connection& primary) {
    failover::SyncSnapshot snapshot;
    const auto settings = primary.exec(
        "SELECT pg_catalog.current_setting('synchronous_standby_names'),"
        " pg_catalog.current_setting('synchronous_commit'), pg_catalog.pg_current_wal_lsn()");
    snapshot.standby_names = settings.value(0, 0);
    snapshot.synchronous_commit = settings.value(0, 1);
    if (const auto lsn = model::parse_lsn(settings.value(0, 2)))
        snapshot.primary_lsn = lsn->value();
    // Only walsenders that stream can be waited for; a catching-up one is never "sync".
    const auto standbys = primary.exec(
        "SELECT application_name, sync_state, flush_lsn FROM pg_catalog.pg_stat_replication"
        " WHERE state = 'streaming' ORDER BY application_name");
    for (int row = 0; row < standbys.rows(); ++row) {
        failover::StandbySeen seen;
        seen.application_name = standbys.value(row, 0);
        seen.sync_state = standbys.value(row, 1);
        if (const auto lsn = model::parse_lsn(standbys.value(row, 2)))
            seen.flush_lsn = lsn->value();
        snapshot.standbys.push_back(std::move(seen));
    }
    return snapshot;
}

void write_sync_standby_names(pg::Connection& primary, const std::string& names) {
    // ALTER SYSTEM takes no parameters: the value is quoted as a literal by the server's rules.
    std::string literal = "'";
    for (const char c : names)
        literal += c == '\'' ? std::string("''") : std::string(1, c);
    literal += "'";
    primary.exec("ALTER SYSTEM SET synchronous_standby_names = " + literal);
    primary.exec("SELECT pg_catalog.pg_reload_conf()");
}

}  // namespace pgwarden::cluster
