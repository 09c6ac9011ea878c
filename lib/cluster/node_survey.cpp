#include "cluster/node_survey.hpp"

#include "cluster/bare_query.hpp"
#include "cluster/state_query.hpp"
#include "text/parse_number.hpp"

namespace pgwarden::cluster {
namespace {

// The single value of a one-row answer; nothing when it failed or is NULL.
std::optional<std::string> single(PGconn* conn, const char* sql) {
    const auto result = try_exec(conn, sql);
    if (!result || result.rows() != 1 || result.is_null(0, 0))
        return std::nullopt;
    return std::string(result.value(0, 0));
}

}  // namespace

std::optional<SurveyedState> surveyed_state(PGconn* conn) {
    const auto state = try_exec(conn, node_state_query().c_str());
    if (!state || state.rows() != 1)
        return std::nullopt;
    const auto parsed = parse_node_state(state.optional_value(0, 0), state.optional_value(0, 1),
                                         state.optional_value(0, 2), state.optional_value(0, 3));
    SurveyedState surveyed;
    if (!state.is_null(0, 0))
        surveyed.in_recovery = parsed.in_recovery;
    if (!state.is_null(0, 2))
        surveyed.wal_receiver_status = std::string(state.value(0, 2));
    surveyed.replay_lag_bytes = parsed.replay_lag_bytes;
    return surveyed;
}

std::optional<int> checkpoint_timeline(PGconn* conn) {
    const auto tli = try_exec(conn, "SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()");
    if (!tli || tli.rows() != 1)
        return std::nullopt;
    return text::parse_number<int>(tli.value(0, 0));
}

bool replay_paused_with_wal_pending(PGconn* conn) {
    const auto paused =
        try_exec(conn,
                 "SELECT pg_catalog.pg_is_wal_replay_paused()"
                 " AND pg_catalog.pg_last_wal_receive_lsn() > pg_catalog.pg_last_wal_replay_lsn()");
    return paused && paused.rows() == 1 && paused.value(0, 0) == "t";
}

std::optional<std::vector<ReplicationClient>> replication_clients(PGconn* conn) {
    const auto clients =
        try_exec(conn, "SELECT application_name, state FROM pg_catalog.pg_stat_replication");
    if (!clients)
        return std::nullopt;
    std::vector<ReplicationClient> out;
    for (int row = 0; row < clients.rows(); ++row)
        out.push_back({std::string(clients.value(row, 0)), std::string(clients.value(row, 1))});
    return out;
}

OwnRecordAnswer own_record(PGconn* conn, int node_id) {
    const auto record =
        try_exec(conn,
                 "SELECT n.type, n.upstream_node_id, COALESCE(u.node_name, '')"
                 " FROM repmgr.nodes n LEFT JOIN repmgr.nodes u ON u.node_id = n.upstream_node_id"
                 " WHERE n.node_id = $1",
                 {std::to_string(node_id)});
    OwnRecordAnswer answer;
    if (!record) {
        answer.failed = true;
        return answer;
    }
    if (record.rows() != 1)
        return answer;
    OwnRecord own;
    own.type = model::parse_node_type(record.value(0, 0));
    if (!record.is_null(0, 1))
        own.upstream_node_id = text::parse_number<int>(record.value(0, 1));
    own.upstream_node_name = record.value(0, 2);
    answer.record = std::move(own);
    return answer;
}

ExtensionDaemonState extension_daemon_state(PGconn* conn, bool witness) {
    ExtensionDaemonState state;
    if (const auto pid = single(conn, "SELECT repmgr.get_repmgrd_pid()"))
        state.pid = text::parse_number<int>(*pid);
    state.running = single(conn, "SELECT repmgr.repmgrd_is_running()") == "t";
    state.paused = single(conn, "SELECT repmgr.repmgrd_is_paused()") == "t";
    const char* last_seen_sql =
        witness ? "SELECT repmgr.get_upstream_last_seen()"
                : "SELECT CASE WHEN pg_catalog.pg_is_in_recovery() IS FALSE THEN -1"
                  " ELSE repmgr.get_upstream_last_seen() END";
    if (const auto seen = single(conn, last_seen_sql))
        state.upstream_last_seen = text::parse_number<int>(*seen);
    return state;
}

}  // namespace pgwarden::cluster
