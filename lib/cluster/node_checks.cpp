#include "cluster/node_checks.hpp"

#include "text/parse_number.hpp"

namespace pgwarden::cluster {

CheckCounts check_counts(pg::Connection& conn) {
    const auto stats = conn.exec(
        "SELECT pg_catalog.pg_is_in_recovery(),"
        " (SELECT pg_catalog.count(*) FROM pg_catalog.pg_replication_slots"
        "   WHERE slot_type = 'physical'),"
        " (SELECT pg_catalog.count(*) FROM pg_catalog.pg_replication_slots"
        "   WHERE slot_type = 'physical' AND NOT active)");
    return {stats.value(0, 0) == "t", text::number_or_zero(stats.value(0, 1)),
            text::number_or_zero(stats.value(0, 2))};
}

std::optional<int> replay_lag_seconds(pg::Connection& standby) {
    const auto lag = standby.exec(
        "SELECT CASE WHEN pg_catalog.pg_last_wal_receive_lsn()"
        " = pg_catalog.pg_last_wal_replay_lsn() THEN 0 ELSE EXTRACT(epoch FROM"
        " pg_catalog.clock_timestamp() - pg_catalog.pg_last_xact_replay_timestamp())::INT"
        " END");
    if (lag.is_null(0, 0))
        return std::nullopt;
    return text::number_or_zero(lag.value(0, 0));
}

ServerOverview server_overview(pg::Connection& conn) {
    const auto row = conn.exec(
        "SELECT pg_catalog.split_part(pg_catalog.current_setting('server_version'), ' ', 1),"
        " (SELECT "
        "pg_catalog.pg_size_pretty(pg_catalog.sum(pg_catalog.pg_database_size(oid))::bigint)"
        "   FROM pg_catalog.pg_database),"
        " pg_catalog.pg_is_in_recovery(),"
        " pg_catalog.current_setting('archive_mode'),"
        " pg_catalog.current_setting('archive_command'),"
        " pg_catalog.current_setting('max_wal_senders')::int,"
        " (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_replication),"
        " pg_catalog.current_setting('max_replication_slots')::int,"
        " (SELECT pg_catalog.count(*) FROM pg_catalog.pg_replication_slots"
        "   WHERE slot_type = 'physical' AND active),"
        " (SELECT pg_catalog.count(*) FROM pg_catalog.pg_replication_slots"
        "   WHERE slot_type = 'physical' AND NOT active)");
    ServerOverview overview;
    overview.server_version = row.value(0, 0);
    if (const auto size = row.optional_value(0, 1))
        overview.cluster_size = std::string(*size);
    overview.in_recovery = row.value(0, 2) == "t";
    overview.archive_mode = row.value(0, 3);
    overview.archive_command = row.value(0, 4);
    overview.max_wal_senders = text::number_or_zero(row.value(0, 5));
    overview.attached_wal_receivers = text::number_or_zero(row.value(0, 6));
    overview.max_replication_slots = text::number_or_zero(row.value(0, 7));
    overview.active_physical_slots = text::number_or_zero(row.value(0, 8));
    overview.inactive_physical_slots = text::number_or_zero(row.value(0, 9));
    return overview;
}

std::vector<std::string> inactive_physical_slot_names(pg::Connection& conn) {
    const auto names = conn.exec(
        "SELECT slot_name FROM pg_catalog.pg_replication_slots"
        " WHERE slot_type = 'physical' AND NOT active ORDER BY slot_name");
    std::vector<std::string> out;
    for (int row = 0; row < names.rows(); ++row)
        out.emplace_back(names.value(row, 0));
    return out;
}

StandbyReplay standby_replay(pg::Connection& standby) {
    const auto repl = standby.exec(
        "SELECT COALESCE(pg_catalog.pg_last_wal_receive_lsn(), '0/0'),"
        " COALESCE(pg_catalog.pg_last_wal_replay_lsn(), '0/0'),"
        " CASE WHEN pg_catalog.pg_last_wal_receive_lsn() = pg_catalog.pg_last_wal_replay_lsn()"
        "   THEN 0 WHEN pg_catalog.pg_last_xact_replay_timestamp() IS NULL THEN 0"
        "   ELSE EXTRACT(epoch FROM pg_catalog.clock_timestamp()"
        "     - pg_catalog.pg_last_xact_replay_timestamp())::int END");
    return {std::string(repl.value(0, 0)), std::string(repl.value(0, 1)),
            text::number_or_zero(repl.value(0, 2))};
}

std::vector<MissingSlot> standbys_missing_slots(pg::Connection& conn, int node_id) {
    const auto rows = conn.exec(
        "SELECT n.node_name, n.node_id, n.slot_name FROM repmgr.nodes n"
        " LEFT JOIN pg_catalog.pg_replication_slots rs ON rs.slot_name = n.slot_name"
        " WHERE n.slot_name IS NOT NULL AND rs.slot_name IS NULL"
        " AND n.upstream_node_id = $1 AND n.type = 'standby' ORDER BY n.node_id",
        {std::to_string(node_id)});
    std::vector<MissingSlot> slots;
    for (int row = 0; row < rows.rows(); ++row) {
        slots.push_back({std::string(rows.value(row, 0)), text::number_or_zero(rows.value(row, 1)),
                         std::string(rows.value(row, 2))});
    }
    return slots;
}

std::string system_identifier(pg::Connection& conn) {
    return std::string(
        conn.exec("SELECT system_identifier FROM pg_catalog.pg_control_system()").value(0, 0));
}

}  // namespace pgwarden::cluster
