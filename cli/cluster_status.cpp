// Probing nodes: libpq blocking connects, one thread per node, and the ping that tells a refused
// connection from a dead server started beside the connect so it adds no wait of its own.
#include "cluster_status.hpp"

#include "cluster_show_format.hpp"
#include "register_support.hpp"

#include "cluster/daemon_state.hpp"
#include "cluster/node_survey.hpp"
#include "exec/in_parallel.hpp"
#include "log/log.hpp"
#include "pg/result.hpp"

#include <libpq-fe.h>

#include <cstdio>

namespace pgwarden::cli {
namespace {

void observe_state(PGconn* conn, NodeObservation& obs) {
    if (const auto state = cluster::surveyed_state(conn)) {
        obs.in_recovery = state->in_recovery;
        obs.wal_receiver_status = state->wal_receiver_status;
        obs.replay_lag_bytes = state->replay_lag_bytes;
    }
    obs.timeline = cluster::checkpoint_timeline(conn);
    if (obs.in_recovery.value_or(false))
        obs.wal_replay_paused_pending = cluster::replay_paused_with_wal_pending(conn);
    obs.replication_clients = cluster::replication_clients(conn);
}

void observe_own_record(PGconn* conn, const cluster::NodeRecord& node, NodeObservation& obs) {
    auto answer = cluster::own_record(conn, node.node_id);
    obs.own_record_error = answer.failed;
    obs.own_record = std::move(answer.record);
}

// Without the extension's shared memory, pgwardend's row in repmgr.daemon_status (this node's
// copy): running while its heartbeat is fresh.
void observe_daemon_table(PGconn* conn, const cluster::NodeRecord& node, NodeObservation& obs) {
    const auto status = cluster::table_status(conn, node.node_id);
    if (!status)
        return;
    obs.daemon.pid = status->pid.value_or(-1);
    obs.daemon.running = obs.daemon.pid > 0 && status->seconds_since_update &&
                         *status->seconds_since_update <= cluster::kHeartbeatStaleSecs;
    obs.daemon.paused = status->paused;
    if (node.type != model::NodeType::primary)
        obs.daemon.upstream_last_seen = status->seconds_since_upstream_seen.value_or(-1);
}

void observe_daemon(PGconn* conn, const cluster::NodeRecord& node, NodeObservation& obs) {
    switch (cluster::state_store(conn)) {
        case cluster::StateStore::extension:
            break;
        case cluster::StateStore::table:
            observe_daemon_table(conn, node, obs);
            return;
        case cluster::StateStore::none:
            return;
    }
    const auto state = cluster::extension_daemon_state(conn, node.type == model::NodeType::witness);
    if (state.pid)
        obs.daemon.pid = *state.pid;
    obs.daemon.running = state.running;
    obs.daemon.paused = state.paused;
    if (state.upstream_last_seen)
        obs.daemon.upstream_last_seen = *state.upstream_last_seen;
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
