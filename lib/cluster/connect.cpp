#include "cluster/connect.hpp"

#include "log/log.hpp"
#include "text/conninfo.hpp"
#include "text/keepalives.hpp"

#include <algorithm>

namespace pgwarden::cluster {

pg::Connection connect_local(const config::RepmgrConfig& config) {
    return pg::Connection::open(config.conninfo);
}

std::optional<pg::Connection> try_connect(const std::string& conninfo,
                                          std::optional<log::Level> level) {
    try {
        return pg::Connection::open(conninfo);
    } catch (const pg::PgError& e) {
        log::at(level.value_or(log::Level::debug), "{}", e.what());
        return std::nullopt;
    }
}

bool is_in_recovery(pg::Connection& conn) {
    return conn.exec("SELECT pg_catalog.pg_is_in_recovery()").value(0, 0) == "t";
}

Role query_role(pg::Connection& conn) {
    std::optional<bool> in_recovery;
    try {
        in_recovery = is_in_recovery(conn);
    } catch (const pg::PgError& e) {
        log::debug("{}", e.what());
    }
    return role_from_recovery(in_recovery);
}

std::optional<PrimaryConnection> connect_primary(pg::Connection& via) {
    std::vector<NodeRecord> nodes;
    try {
        nodes = load_nodes(via);
    } catch (const pg::PgError& e) {
        log::debug("{}", e.what());
        return std::nullopt;
    }
    std::erase_if(nodes,
                  [](const NodeRecord& n) { return !n.active || n.type == NodeType::witness; });
    std::stable_sort(nodes.begin(), nodes.end(), [](const NodeRecord& a, const NodeRecord& b) {
        const int rank_a = a.type == NodeType::primary ? 1 : 2;
        const int rank_b = b.type == NodeType::primary ? 1 : 2;
        if (rank_a != rank_b)
            return rank_a < rank_b;
        if (a.priority != b.priority)
            return a.priority < b.priority;
        return a.node_id < b.node_id;
    });
    for (auto& node : nodes) {
        log::debug("checking if node {} is primary", node.node_id);
        // A host that drops packets must not stall the search (libpq waits forever by default).
        // Keepalives too: a node that goes silent mid-query must not hold the search for the
        // kernel's retransmission timeout.
        const auto conninfo = text::with_default(node.conninfo, "connect_timeout", "10");
        const int silence = text::silence_budget_secs(text::connect_timeout_secs(conninfo, 10));
        auto conn = try_connect(text::with_keepalives(conninfo, text::keepalive_settings(silence)));
        if (!conn)
            continue;
        if (query_role(*conn) == Role::primary)
            return PrimaryConnection{std::move(*conn), std::move(node)};
    }
    return std::nullopt;
}

}  // namespace pgwarden::cluster
