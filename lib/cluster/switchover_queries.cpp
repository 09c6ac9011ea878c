#include "cluster/switchover_queries.hpp"

#include "text/parse_number.hpp"

#include <fmt/format.h>

namespace pgwarden::cluster {

const char* const kSwitchoverTable = R"(CREATE TABLE IF NOT EXISTS repmgr.pgwarden_switchover (
    request_id     BIGSERIAL PRIMARY KEY,
    old_primary_id INTEGER NOT NULL,
    candidate_id   INTEGER NOT NULL,
    drain_secs     INTEGER NOT NULL,
    force_rewind   TEXT,
    config_files   TEXT NOT NULL DEFAULT '',
    valid_until    TIMESTAMPTZ NOT NULL,
    state          TEXT NOT NULL,
    detail         TEXT NOT NULL DEFAULT '',
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
))";

namespace {

bool table_exists(pg::Connection& conn) {
    return conn.exec("SELECT to_regclass('repmgr.pgwarden_switchover') IS NOT NULL").value(0, 0) ==
           "t";
}

}  // namespace

long insert_switchover_request(pg::Connection& primary, int old_primary_id,
                               const failover::HandoverRequest& request, int valid_secs) {
    primary.exec(kSwitchoverTable);
    const auto result = primary.exec(
        "INSERT INTO repmgr.pgwarden_switchover"
        " (old_primary_id, candidate_id, drain_secs, force_rewind, config_files, valid_until,"
        "  state)"
        " VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6), 'requested')"
        " RETURNING request_id",
        {std::to_string(old_primary_id), std::to_string(request.candidate_node_id),
         std::to_string(request.drain.count()), request.force_rewind, request.config_files,
         std::to_string(valid_secs)});
    return text::parse_number<long>(result.value(0, 0)).value_or(0);
}

std::optional<SwitchoverRow> switchover_row(pg::Connection& conn, long request_id) {
    if (!table_exists(conn))
        return std::nullopt;
    const auto result =
        conn.exec("SELECT state, detail FROM repmgr.pgwarden_switchover WHERE request_id = $1",
                  {std::to_string(request_id)});
    if (result.rows() == 0)
        return std::nullopt;
    return SwitchoverRow{std::string(result.value(0, 0)), std::string(result.value(0, 1))};
}

bool withdraw_switchover_request(pg::Connection& primary, long request_id) {
    const auto result = primary.exec(
        "UPDATE repmgr.pgwarden_switchover SET state = 'cancelled', updated_at = now()"
        " WHERE request_id = $1 AND state = 'requested' RETURNING request_id",
        {std::to_string(request_id)});
    return result.rows() == 1;
}

void set_switchover_state(pg::Connection& conn, long request_id, const std::string& state,
                          const std::string& detail) {
    conn.exec(
        "UPDATE repmgr.pgwarden_switchover SET state = $2, detail = $3, updated_at = now()"
        " WHERE request_id = $1",
        {std::to_string(request_id), state, detail});
}

ArchiveBacklog archive_backlog(pg::Connection& primary) {
    ArchiveBacklog backlog;
    backlog.archive_mode =
        std::string(primary.exec("SELECT pg_catalog.current_setting('archive_mode')").value(0, 0));
    if (backlog.archive_mode == "off")
        return backlog;
    try {
        const auto result = primary.exec(
            "SELECT count(*) FROM pg_catalog.pg_ls_dir('pg_wal/archive_status') AS f"
            " WHERE f LIKE '%.ready'");
        backlog.ready_files = text::parse_number<int>(result.value(0, 0));
    } catch (const pg::PgError&) {
        // Not permitted (neither superuser nor granted pg_ls_dir): unknown, as repmgr's check.
    }
    return backlog;
}

std::optional<failover::HandoverRequest> pending_switchover(pg::Connection& local, int node_id) {
    if (!table_exists(local))
        return std::nullopt;
    const auto result = local.exec(
        "SELECT request_id, candidate_id, drain_secs, force_rewind, config_files"
        " FROM repmgr.pgwarden_switchover"
        " WHERE old_primary_id = $1 AND state = 'requested' AND valid_until > now()"
        " ORDER BY request_id DESC LIMIT 1",
        {std::to_string(node_id)});
    if (result.rows() == 0)
        return std::nullopt;
    failover::HandoverRequest request;
    request.id = text::parse_number<long>(result.value(0, 0)).value_or(0);
    request.candidate_node_id = text::parse_number<int>(result.value(0, 1)).value_or(0);
    request.drain = std::chrono::seconds(text::parse_number<int>(result.value(0, 2)).value_or(3));
    if (const auto rewind = result.optional_value(0, 3))
        request.force_rewind = std::string(*rewind);
    request.config_files = std::string(result.value(0, 4));
    return request;
}

bool claim_switchover(pg::Connection& local, long request_id) {
    const auto result = local.exec(
        "UPDATE repmgr.pgwarden_switchover SET state = 'draining', updated_at = now()"
        " WHERE request_id = $1 AND state = 'requested' AND valid_until > now()"
        " RETURNING request_id",
        {std::to_string(request_id)});
    return result.rows() == 1;
}

std::optional<int> handed_over_to(pg::Connection& local, int self_id) {
    if (!table_exists(local))
        return std::nullopt;
    const auto result = local.exec(
        "SELECT old_primary_id FROM repmgr.pgwarden_switchover"
        " WHERE candidate_id = $1 AND state IN ('stopping', 'done', 'incomplete')"
        " AND updated_at > now() - interval '10 minutes'"
        " ORDER BY request_id DESC LIMIT 1",
        {std::to_string(self_id)});
    if (result.rows() == 0)
        return std::nullopt;
    return text::parse_number<int>(result.value(0, 0));
}

int routed_client_sessions(pg::Connection& conn, const std::string& spared_application_name) {
    const auto result = conn.exec(
        "SELECT count(*) FROM pg_catalog.pg_stat_activity"
        " WHERE backend_type = 'client backend' AND pid <> pg_catalog.pg_backend_pid()"
        " AND application_name IS DISTINCT FROM $1"
        " AND application_name NOT LIKE 'pgwarden-switchover %'",
        {spared_application_name});
    return text::parse_number<int>(result.value(0, 0)).value_or(0);
}

CandidateView candidate_view(pg::Connection& candidate, int candidate_id, long request_id) {
    CandidateView view;
    view.in_recovery = candidate.exec("SELECT pg_catalog.pg_is_in_recovery()").value(0, 0) == "t";
    view.recorded_primary = candidate
                                .exec(
                                    "SELECT EXISTS (SELECT 1 FROM repmgr.nodes WHERE node_id = $1"
                                    " AND type = 'primary' AND active)",
                                    {std::to_string(candidate_id)})
                                .value(0, 0) == "t";
    const auto names = candidate.exec(
        "SELECT application_name FROM pg_catalog.pg_stat_activity"
        " WHERE application_name LIKE $1",
        {fmt::format("pgwarden-switchover {} %", request_id)});
    for (int row = 0; row < names.rows(); ++row) {
        const auto seen = failover::read_marker(names.value(row, 0), request_id);
        if (seen == failover::MarkerSeen::abort || view.marker == failover::MarkerSeen::none)
            view.marker = seen;
    }
    return view;
}

}  // namespace pgwarden::cluster
