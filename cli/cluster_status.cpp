// Probing nodes: libpq blocking connects, one thread per node, and the ping that tells a refused
// connection from a dead server started beside the connect so it adds no wait of its own.
#include "cluster_status.hpp"

#include "cluster_show_format.hpp"
#include "register_support.hpp"

#include "cluster/daemon_state.hpp"
#include "cluster/state_query.hpp"
#include "exec/in_parallel.hpp"
#include "log/log.hpp"
#include "pg/result.hpp"
#include "text/parse_number.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstdio>

namespace pgwarden::cli {
namespace {

std::optional<int> to_int(std::string_view text) {
    return text::parse_number<int>(text);
}

// One statement; an empty Result when it failed (the observation records "unknown" instead).
pg::Result query(PGconn* conn, const char* sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params)
        values.push_back(param.c_str());
    pg::Result result(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr,
                                   values.data(), nullptr, nullptr, 0));
    if (!result.ok())
        return pg::Result();
    return result;
}

constexpr const char* kOwnRecordQuery =
    "SELECT n.type, n.upstream_node_id, COALESCE(u.node_name, '')"
    " FROM repmgr.nodes n LEFT JOIN repmgr.nodes u ON u.node_id = n.upstream_node_id"
    " WHERE n.node_id = $1";

constexpr const char* kTimelineQuery = "SELECT timeline_id FROM pg_catalog.pg_control_checkpoint()";

constexpr const char* kReplayPausedQuery =
    "SELECT pg_catalog.pg_is_wal_replay_paused()"
    " AND pg_catalog.pg_last_wal_receive_lsn() > pg_catalog.pg_last_wal_replay_lsn()";

constexpr const char* kReplicationQuery =
    "SELECT application_name, state FROM pg_catalog.pg_stat_replication";

void observe_state(PGconn* conn, NodeObservation& obs) {
    const auto state = query(conn, cluster::kNodeStateQuery);
    if (state && state.rows() == 1) {
        const auto parsed =
            cluster::parse_node_state(state.optional_value(0, 0), state.optional_value(0, 1),
                                      state.optional_value(0, 2), state.optional_value(0, 3));
        if (!state.is_null(0, 0))
            obs.in_recovery = parsed.in_recovery;
        if (!state.is_null(0, 2))
            obs.wal_receiver_status = std::string(state.value(0, 2));
        obs.replay_lag_bytes = parsed.replay_lag_bytes;
    }
    if (const auto tli = query(conn, kTimelineQuery); tli && tli.rows() == 1)
        obs.timeline = to_int(tli.value(0, 0));
    if (obs.in_recovery.value_or(false)) {
        const auto paused = query(conn, kReplayPausedQuery);
        obs.wal_replay_paused_pending = paused && paused.rows() == 1 && paused.value(0, 0) == "t";
    }
    if (const auto clients = query(conn, kReplicationQuery)) {
        obs.replication_clients.emplace();
        for (int row = 0; row < clients.rows(); ++row) {
            obs.replication_clients->push_back(
                {std::string(clients.value(row, 0)), std::string(clients.value(row, 1))});
        }
    }
}

void observe_own_record(PGconn* conn, const cluster::NodeRecord& node, NodeObservation& obs) {
    const auto record = query(conn, kOwnRecordQuery, {std::to_string(node.node_id)});
    if (!record) {
        obs.own_record_error = true;
        return;
    }
    if (record.rows() != 1)
        return;
    OwnRecord own;
    own.type = model::parse_node_type(record.value(0, 0));
    if (!record.is_null(0, 1))
        own.upstream_node_id = to_int(record.value(0, 1));
    own.upstream_node_name = record.value(0, 2);
    obs.own_record = std::move(own);
}

// Without the extension's shared memory, pgwardend's row in repmgr.daemon_status (this node's
// copy): running while its heartbeat is fresh.
void observe_daemon_table(PGconn* conn, const cluster::NodeRecord& node, NodeObservation& obs) {
    const auto has =
        query(conn, "SELECT pg_catalog.to_regclass('repmgr.daemon_status') IS NOT NULL");
    if (!has || has.rows() != 1 || has.value(0, 0) != "t")
        return;
    const auto row = query(conn, cluster::kTableStatusQuery, {std::to_string(node.node_id)});
    if (!row || row.rows() != 1)
        return;
    const auto column = [&row](int col) -> std::optional<int> {
        return row.is_null(0, col) ? std::nullopt : to_int(row.value(0, col));
    };
    const auto since_update = column(2);
    obs.daemon.pid = column(0).value_or(-1);
    obs.daemon.running =
        obs.daemon.pid > 0 && since_update && *since_update <= cluster::k_heartbeat_stale_secs;
    obs.daemon.paused = row.value(0, 1) == "t";
    if (node.type != model::NodeType::primary)
        obs.daemon.upstream_last_seen = column(3).value_or(-1);
}

void observe_daemon(PGconn* conn, const cluster::NodeRecord& node, NodeObservation& obs) {
    const auto store = query(conn, cluster::kStateStoreQuery);
    if (!store || store.rows() != 1)
        return;
    if (store.value(0, 0) != "t") {
        if (store.value(0, 1) == "t")
            observe_daemon_table(conn, node, obs);
        return;
    }
    auto single = [&](const char* sql) -> std::optional<std::string> {
        const auto result = query(conn, sql);
        if (!result || result.rows() != 1 || result.is_null(0, 0))
            return std::nullopt;
        return std::string(result.value(0, 0));
    };
    if (const auto pid = single("SELECT repmgr.get_repmgrd_pid()"))
        obs.daemon.pid = to_int(*pid).value_or(-1);
    obs.daemon.running = single("SELECT repmgr.repmgrd_is_running()") == "t";
    obs.daemon.paused = single("SELECT repmgr.repmgrd_is_paused()") == "t";
    // A primary has no upstream to have seen; repmgr reports -1 for it.
    const char* last_seen_sql =
        node.type == model::NodeType::witness
            ? "SELECT repmgr.get_upstream_last_seen()"
            : "SELECT CASE WHEN pg_catalog.pg_is_in_recovery() IS FALSE THEN -1"
              " ELSE repmgr.get_upstream_last_seen() END";
    if (const auto seen = single(last_seen_sql))
        obs.daemon.upstream_last_seen = to_int(*seen).value_or(-1);
}

}  // namespace

NodeObservation probe_node(const cluster::NodeRecord& node) {
    NodeObservation obs;
    // Started now so a dead host costs one connect_timeout in total, not one for the connect
    // and another for the ping.
    auto ping = std::async(std::launch::async,
                           [conninfo = node.conninfo] { return PQping(conninfo.c_str()); });
    pg::ConnHandle conn(PQconnectdb(node.conninfo.c_str()));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        obs.connect_error = conn ? PQerrorMessage(conn.get()) : "out of memory";
        obs.reachability = ping.get() == PQPING_OK ? Reachability::rejected : Reachability::down;
        return obs;
    }
    obs.reachability = Reachability::up;
    observe_state(conn.get(), obs);
    observe_own_record(conn.get(), node, obs);
    observe_daemon(conn.get(), node, obs);
    ping.wait();
    return obs;
}

std::vector<NodeObservation> probe_all(const std::vector<cluster::NodeRecord>& nodes,
                                       const ProbeFn& probe) {
    return exec::in_parallel(nodes,
                             [&probe](const cluster::NodeRecord& node) { return probe(node); });
}

std::optional<std::vector<cluster::NodeRecord>> load_registered_nodes(pg::Connection& conn) {
    std::vector<cluster::NodeRecord> nodes;
    try {
        nodes = cluster::load_nodes(conn);
    } catch (const pg::PgError& e) {
        log::error("unable to retrieve node records: {}", e.what());
        return std::nullopt;
    }
    if (nodes.empty()) {
        log::error("no node records were found");
        reg::hint(log::Level::error, "ensure at least one node is registered");
        return std::nullopt;
    }
    return nodes;
}

void emit_status_warnings(const StatusReport& report, bool verbose, bool blank_line) {
    if (report.warnings.empty())
        return;
    if (blank_line)
        std::fputs("\n", stdout);
    std::fflush(stdout);
    std::string text = format_warnings(report);
    text.pop_back();  // the log line adds its own newline
    log::warning("{}", text);
    if (!verbose && report.connection_error)
        reg::hint(log::Level::warning,
                  "execute with --verbose option to see connection error messages");
}

}  // namespace pgwarden::cli
