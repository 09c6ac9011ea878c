#include "cluster/replication_queries.hpp"

namespace pgwarden::cluster {

std::optional<model::Lsn> current_wal_lsn(pg::Connection& conn) {
    const auto result = conn.exec(
        "SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN "
        "GREATEST(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn()) "
        "ELSE pg_catalog.pg_current_wal_lsn() END");
    if (result.is_null(0, 0))
        return std::nullopt;
    return model::parse_lsn(result.value(0, 0));
}

std::vector<std::string> replication_states(pg::Connection& upstream,
                                            const std::string& application_name) {
    const auto result = upstream.exec(
        "SELECT state FROM pg_catalog.pg_stat_replication WHERE application_name = $1",
        {application_name});
    std::vector<std::string> states;
    for (int row = 0; row < result.rows(); ++row)
        states.emplace_back(result.value(row, 0));
    return states;
}

std::optional<SlotState> replication_slot(pg::Connection& conn, const std::string& slot_name) {
    const auto result = conn.exec(
        "SELECT slot_type, active FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
        {slot_name});
    if (result.rows() == 0)
        return std::nullopt;
    return SlotState{std::string(result.value(0, 0)), result.value(0, 1) == "t"};
}

void create_physical_slot(pg::Connection& conn, const std::string& slot_name) {
    conn.exec("SELECT pg_catalog.pg_create_physical_replication_slot($1)", {slot_name});
}

void drop_slot_if_inactive(pg::Connection& conn, const std::string& slot_name) {
    conn.exec(
        "SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM "
        "pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active",
        {slot_name});
}

ReplicationCapacity replication_capacity(pg::Connection& conn) {
    const auto result = conn.exec(
        "SELECT pg_catalog.current_setting('max_wal_senders')::int"
        " - (SELECT pg_catalog.count(*) FROM pg_catalog.pg_stat_replication)::int,"
        " pg_catalog.current_setting('max_replication_slots')::int"
        " - (SELECT pg_catalog.count(*) FROM pg_catalog.pg_replication_slots WHERE active)::int");
    return {std::stoi(std::string(result.value(0, 0))), std::stoi(std::string(result.value(0, 1)))};
}

ReplayState replay_state(pg::Connection& standby) {
    const auto result = standby.exec(
        "SELECT pg_catalog.pg_is_wal_replay_paused(), "
        "coalesce(pg_catalog.pg_last_wal_receive_lsn() > pg_catalog.pg_last_wal_replay_lsn(), "
        "false), pg_catalog.pg_last_wal_replay_lsn(), pg_catalog.pg_last_wal_receive_lsn()");
    ReplayState state;
    state.paused = result.value(0, 0) == "t";
    state.wal_pending = result.value(0, 1) == "t";
    if (const auto lsn = result.optional_value(0, 2))
        state.replay_lsn = std::string(*lsn);
    if (const auto lsn = result.optional_value(0, 3))
        state.receive_lsn = std::string(*lsn);
    return state;
}

bool may_call_pg_promote(pg::Connection& standby) {
    return standby
               .exec(
                   "SELECT pg_catalog.has_function_privilege(CURRENT_USER, "
                   "'pg_catalog.pg_promote(boolean, integer)', 'EXECUTE')")
               .value(0, 0) == "t";
}

bool request_promotion(pg::Connection& standby) {
    return standby.exec("SELECT pg_catalog.pg_promote(wait => false)").value(0, 0) == "t";
}

}  // namespace pgwarden::cluster
