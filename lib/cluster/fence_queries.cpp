#include "cluster/fence_queries.hpp"

#include "cluster/daemon_queries.hpp"
#include "cluster/node_record.hpp"
#include "text/parse_number.hpp"

namespace pgwarden::cluster {

PeerFacts peer_facts(pg::Connection& conn, int asking_node_id) {
    PeerFacts facts;
    const auto progress = wal_progress(conn);
    facts.in_recovery = progress.in_recovery;
    facts.timeline = progress.timeline.value_or(0);
    if (!has_metadata(conn))
        return facts;
    for (const auto& node : load_nodes(conn)) {
        if (node.active && node.type == model::NodeType::primary)
            facts.recorded_primary = node.node_id;
        if (node.node_id == asking_node_id && !node.active)
            facts.records_node_inactive = true;
    }
    return facts;
}

std::uint32_t current_timeline(pg::Connection& conn) {
    return wal_progress(conn).timeline.value_or(0);
}

void set_default_read_only(pg::Connection& conn, bool read_only) {
    conn.exec(read_only ? "ALTER SYSTEM SET default_transaction_read_only = on"
                        : "ALTER SYSTEM RESET default_transaction_read_only");
    conn.exec("SELECT pg_catalog.pg_reload_conf()");
}

int terminate_client_sessions(pg::Connection& conn, const std::string& spared_application_name) {
    const auto result = conn.exec(
        "SELECT count(*) FILTER (WHERE pg_catalog.pg_terminate_backend(pid))"
        " FROM pg_catalog.pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()"
        " AND application_name IS DISTINCT FROM $1",
        {spared_application_name});
    return text::parse_number<int>(result.value(0, 0)).value_or(0);
}

}  // namespace pgwarden::cluster
