#include "cluster_io.hpp"

#include "cluster/connect.hpp"
#include "cluster/daemon_queries.hpp"
#include "cluster/daemon_state_store.hpp"
#include "cluster/session_settings.hpp"
#include "exec/in_parallel.hpp"
#include "failover/membership.hpp"
#include "log/log.hpp"
#include "text/conninfo.hpp"
#include "text/keepalives.hpp"

#include <libpq-fe.h>

namespace pgwarden::daemon {

using exec::in_parallel;

bool observe(pg::Connection& conn, failover::NodeView& view) {
    try {
        const auto progress = cluster::wal_progress(conn);
        view.in_recovery = progress.in_recovery;
        if (!view.witness && progress.lsn)
            view.lsn = progress.lsn;
        if (progress.timeline)
            view.timeline = *progress.timeline;
        observe_daemon(*cluster::open_state_store(conn), view);
        view.visible = true;
    } catch (const pg::PgError& e) {
        log::warning("unable to query node \"{}\" (ID: {}): {}", view.node_name, view.node_id,
                     e.what());
        view.visible = false;
    }
    return view.visible;
}

std::optional<bool> in_recovery(pg::Connection& conn) {
    try {
        return cluster::is_in_recovery(conn);
    } catch (const pg::PgError&) {
        return std::nullopt;
    }
}

void observe_daemon(cluster::DaemonStateStore& store, failover::NodeView& view) {
    if (const auto running = store.daemon_running(view.node_id))
        view.daemon_running = *running;
    if (const auto seen = store.seconds_since_upstream_seen(view.node_id))
        view.seconds_since_primary_seen = seen;
}

std::string daemon_conninfo(const std::string& conninfo) {
    constexpr int kConnectTimeoutSecs = 2;
    auto out = text::with_default(conninfo, "connect_timeout", std::to_string(kConnectTimeoutSecs));
    out = text::with_default(std::move(out), "fallback_application_name", kDaemonApplicationName);
    const int silence =
        text::silence_budget_secs(text::connect_timeout_secs(out, kConnectTimeoutSecs));
    return text::with_keepalives(std::move(out), text::keepalive_settings(silence));
}

std::chrono::seconds conversation_limit(const config::RepmgrConfig& config) {
    return std::chrono::seconds(text::conversation_bound_secs(
        text::connect_timeout_secs(daemon_conninfo(config.conninfo), 2),
        config.async_query_timeout));
}

std::optional<pg::Connection> open(const std::string& conninfo, const config::RepmgrConfig& config,
                                   std::string* error) {
    try {
        auto conn = pg::Connection::open(daemon_conninfo(conninfo));
        pg::log_notices(conn.get());
        if (config.async_query_timeout > 0)
            cluster::set_statement_timeout(
                conn, static_cast<long long>(config.async_query_timeout) * 1000);
        // The daemon's own rows (events, metadata, history) never wait for a synchronous
        // standby: a primary that lost its standbys would otherwise hang on each of them, and a
        // fence would terminate them half-way. Losing such a row in a crash costs history only.
        cluster::commit_without_standbys(conn);
        return conn;
    } catch (const pg::PgError& e) {
        if (error != nullptr)
            *error = e.what();
        return std::nullopt;
    }
}

CheckResult check_upstream(const config::RepmgrConfig& config, const std::string& conninfo) {
    CheckResult result;
    switch (config.connection_check_type) {
        case config::ConnectionCheckType::ping: {
            const auto ping = PQping(daemon_conninfo(conninfo).c_str());
            result.alive = ping == PQPING_OK;
            if (!result.alive)
                result.error = ping == PQPING_REJECT ? "server rejects connections"
                                                     : "server does not respond";
            break;
        }
        case config::ConnectionCheckType::connection:
            result.alive = open(conninfo, config, &result.error).has_value();
            break;
        case config::ConnectionCheckType::query:
            if (auto conn = open(conninfo, config, &result.error)) {
                try {
                    cluster::run_check_query(*conn, config.connection_check_query);
                    result.alive = true;
                } catch (const pg::PgError& e) {
                    result.error = e.what();
                }
            }
            break;
    }
    return result;
}

std::optional<std::vector<cluster::NodeRecord>> load_nodes_locally(
    const config::RepmgrConfig& config) {
    std::string error;
    auto conn = open(config.conninfo, config, &error);
    if (!conn) {
        log::warning("unable to connect to the local node: {}", error);
        return std::nullopt;
    }
    try {
        return cluster::load_nodes(*conn);
    } catch (const pg::PgError& e) {
        log::warning("unable to read the node records on the local node: {}", e.what());
        return std::nullopt;
    }
}

std::optional<cluster::NodeRecord> find_record(const config::RepmgrConfig& config, int node_id) {
    if (const auto nodes = load_nodes_locally(config))
        for (const auto& node : *nodes)
            if (node.node_id == node_id)
                return node;
    return std::nullopt;
}

std::optional<int> find_new_primary(const config::RepmgrConfig& config, int self_id,
                                    int failed_upstream_id, bool newly_promoted_only) {
    auto local = open(config.conninfo, config);
    if (!local)
        return std::nullopt;
    std::vector<cluster::NodeRecord> candidates;
    try {
        if (const auto announced = cluster::open_state_store(*local)->announced_new_primary();
            announced && *announced != self_id)
            return announced;
        candidates = failover::new_primary_candidates(cluster::load_nodes(*local), self_id,
                                                      failed_upstream_id, newly_promoted_only);
    } catch (const pg::PgError& e) {
        log::debug("looking for a new primary: {}", e.what());
        return std::nullopt;
    }
    const auto primary_flags = in_parallel(
        candidates, conversation_limit(config),
        [config](const cluster::NodeRecord& node) {
            auto conn = open(node.conninfo, config);
            return conn && cluster::query_role(*conn) == cluster::Role::primary;
        },
        [](const cluster::NodeRecord&) { return false; });
    for (std::size_t i = 0; i < candidates.size(); ++i)
        if (primary_flags[i])
            return candidates[i].node_id;
    return std::nullopt;
}

void notify_siblings(const config::RepmgrConfig& config, int self_id) {
    const auto nodes = load_nodes_locally(config);
    if (!nodes)
        return;
    in_parallel(
        failover::nodes_to_notify(*nodes, self_id), conversation_limit(config),
        [config, self_id](const cluster::NodeRecord& node) {
            auto conn = open(node.conninfo, config);
            if (!conn) {
                log::warning("unable to notify node {}: not reachable", describe(node));
                return false;
            }
            try {
                if (!cluster::open_state_store(*conn)->announce_new_primary(self_id))
                    return false;
                log::info("notified node {} to follow node {}", describe(node), self_id);
                return true;
            } catch (const pg::PgError& e) {
                log::warning("unable to notify node {}: {}", describe(node), e.what());
                return false;
            }
        },
        [](const cluster::NodeRecord& node) {
            log::warning("unable to notify node {}: no answer in time", describe(node));
            return false;
        });
}

failover::LocalSeen check_local(const config::RepmgrConfig& config, std::string* error) {
    auto conn = open(config.conninfo, config, error);
    if (!conn)
        return failover::LocalSeen::unreachable;
    switch (cluster::query_role(*conn)) {
        case cluster::Role::primary:
            return failover::LocalSeen::primary;
        case cluster::Role::standby:
            return failover::LocalSeen::standby;
        case cluster::Role::unknown:
            break;
    }
    if (error != nullptr)
        *error = "pg_is_in_recovery() failed";
    return failover::LocalSeen::unreachable;
}

ChildReport check_children(const config::RepmgrConfig& config, int self_id) {
    ChildReport report;
    auto conn = open(config.conninfo, config);
    if (!conn)
        return report;
    try {
        auto children = failover::children_of(cluster::load_nodes(*conn), self_id,
                                              cluster::streaming_standby_names(*conn),
                                              cluster::client_application_names(*conn));
        report.registered = std::move(children.registered);
        report.attached = std::move(children.attached);
        report.ok = true;
    } catch (const pg::PgError& e) {
        log::warning("unable to check child nodes: {}", e.what());
    }
    return report;
}

}  // namespace pgwarden::daemon
