#include "cluster/node_rejoin_queries.hpp"

#include <string>

namespace pgwarden::cluster {

std::optional<RewindSettings> rewind_settings(pg::Connection& conn) {
    try {
        const auto result = conn.exec(
            "SELECT pg_catalog.current_setting('full_page_writes'), "
            "pg_catalog.current_setting('wal_log_hints')");
        if (result.rows() != 1)
            return std::nullopt;
        return RewindSettings{result.value(0, 0) == "on", result.value(0, 1) == "on"};
    } catch (const pg::PgError&) {
        return std::nullopt;
    }
}

std::optional<SlotCapacity> slot_capacity(pg::Connection& conn) {
    try {
        const auto result = conn.exec(
            "SELECT pg_catalog.current_setting('max_replication_slots')::INT - "
            "pg_catalog.count(*), pg_catalog.current_setting('max_replication_slots')::INT "
            "FROM pg_catalog.pg_replication_slots WHERE slot_type = 'physical'");
        if (result.rows() != 1)
            return std::nullopt;
        return SlotCapacity{std::stoi(std::string(result.value(0, 0))),
                            std::stoi(std::string(result.value(0, 1)))};
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::optional<std::string> replication_state(pg::Connection& conn, const std::string& node_name) {
    try {
        const auto result = conn.exec(
            "SELECT state FROM pg_catalog.pg_stat_replication WHERE application_name = $1 "
            "ORDER BY state <> 'streaming' LIMIT 1",
            {node_name});
        if (result.rows() == 0)
            return std::nullopt;
        return std::string(result.value(0, 0));
    } catch (const pg::PgError&) {
        return std::nullopt;
    }
}

void checkpoint(pg::Connection& conn) {
    conn.exec("CHECKPOINT");
}

void record_rejoined_standby(pg::Connection& conn, int node_id, int upstream_node_id) {
    conn.exec(
        "UPDATE repmgr.nodes SET type = 'standby', upstream_node_id = $1, active = TRUE "
        "WHERE node_id = $2",
        {std::to_string(upstream_node_id), std::to_string(node_id)});
}

}  // namespace pgwarden::cluster
