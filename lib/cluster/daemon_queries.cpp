#include "cluster/daemon_queries.hpp"

#include "text/parse_number.hpp"

#include <fmt/format.h>

namespace pgwarden::cluster {
namespace {

// In recovery, newest WAL position, timeline.
constexpr const char* kWalProgressQuery =
    "SELECT pg_catalog.pg_is_in_recovery(),"
    " CASE WHEN pg_catalog.pg_is_in_recovery() THEN"
    "  pg_catalog.pg_wal_lsn_diff(greatest(pg_catalog.pg_last_wal_receive_lsn(),"
    "   pg_catalog.pg_last_wal_replay_lsn()), '0/0')::bigint"
    " ELSE pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), '0/0')::bigint END,"
    " CASE WHEN pg_catalog.pg_is_in_recovery() THEN"
    "  COALESCE((SELECT received_tli FROM pg_catalog.pg_stat_wal_receiver),"
    "   (SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()))"
    " ELSE ('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))"
    "  ::bit(32)::int END";

std::set<std::string> first_column(pg::Connection& conn, const char* sql) {
    std::set<std::string> out;
    const auto result = conn.exec(sql);
    for (int row = 0; row < result.rows(); ++row)
        out.insert(std::string(result.value(row, 0)));
    return out;
}

}  // namespace

WalProgress wal_progress(pg::Connection& conn) {
    const auto result = conn.exec(kWalProgressQuery);
    WalProgress progress;
    progress.in_recovery = result.value(0, 0) == "t";
    if (!result.is_null(0, 1))
        progress.lsn = text::parse_number<std::uint64_t>(result.value(0, 1));
    if (!result.is_null(0, 2))
        progress.timeline = text::parse_number<std::uint32_t>(result.value(0, 2)).value_or(0);
    return progress;
}

bool try_session_lock(pg::Connection& conn, int class_id, int object_id) {
    return conn.exec("SELECT pg_catalog.pg_try_advisory_lock($1, $2)",
                     {std::to_string(class_id), std::to_string(object_id)})
               .value(0, 0) == "t";
}

std::set<std::string> streaming_standby_names(pg::Connection& conn) {
    return first_column(conn,
                        "SELECT application_name FROM pg_catalog.pg_stat_replication"
                        " WHERE state = 'streaming'");
}

std::set<std::string> client_application_names(pg::Connection& conn) {
    return first_column(conn,
                        "SELECT application_name FROM pg_catalog.pg_stat_activity"
                        " WHERE backend_type = 'client backend'");
}

void increment_voting_term(pg::Connection& conn) {
    conn.exec("UPDATE repmgr.voting_term SET term = term + 1");
}

void initialize_voting_term(pg::Connection& conn) {
    if (conn.exec("SELECT COUNT(*) FROM repmgr.voting_term").value(0, 0) == "0")
        conn.exec("INSERT INTO repmgr.voting_term (term) VALUES (1)");
}

std::optional<ReplayPosition> replay_position(pg::Connection& standby) {
    const auto result = standby.exec(
        "SELECT pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn(),"
        " pg_catalog.pg_last_xact_replay_timestamp()");
    if (result.is_null(0, 0))
        return std::nullopt;
    ReplayPosition position{std::string(result.value(0, 0)), std::string(result.value(0, 1)),
                            std::nullopt};
    if (!result.is_null(0, 2))
        position.last_replay_time = std::string(result.value(0, 2));
    return position;
}

void record_monitoring_history(pg::Connection& primary, int primary_node_id, int standby_node_id,
                               const ReplayPosition& standby) {
    primary.exec(
        "INSERT INTO repmgr.monitoring_history (primary_node_id, standby_node_id,"
        " last_monitor_time, last_apply_time, last_wal_primary_location,"
        " last_wal_standby_location, replication_lag, apply_lag)"
        " SELECT $1, $2, pg_catalog.now(), $3::timestamptz, p.lsn, $4::pg_lsn,"
        " greatest(pg_catalog.pg_wal_lsn_diff(p.lsn, $4::pg_lsn), 0)::bigint,"
        " greatest(pg_catalog.pg_wal_lsn_diff($4::pg_lsn, $5::pg_lsn), 0)::bigint"
        " FROM (SELECT pg_catalog.pg_current_wal_lsn() AS lsn) p",
        {std::to_string(primary_node_id), std::to_string(standby_node_id), standby.last_replay_time,
         standby.receive_lsn, standby.replay_lsn});
}

// SET takes no parameters; the value is a number.
void set_statement_timeout(pg::Connection& conn, long long milliseconds) {
    conn.exec(fmt::format("SET statement_timeout = {}", milliseconds));
}

void run_check_query(pg::Connection& conn, const std::string& query) {
    conn.exec(query);
}

}  // namespace pgwarden::cluster
