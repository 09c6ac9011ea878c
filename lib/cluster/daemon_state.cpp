#include "cluster/daemon_state.hpp"

#include "cluster/bare_query.hpp"

#include "text/parse_number.hpp"

namespace pgwarden::cluster {
namespace {

std::optional<int> to_int(const pg::Result& result) {
    if (result.rows() < 1 || result.is_null(0, 0))
        return std::nullopt;
    return text::parse_number<int>(result.value(0, 0));
}

}  // namespace

// The functions answer NULL without the library's shared memory: not a store then.
constexpr const char* kStateStoreQuery =
    "SELECT pg_catalog.to_regprocedure('repmgr.get_new_primary()') IS NOT NULL"
    " AND 'repmgr' = ANY(pg_catalog.string_to_array(pg_catalog.replace("
    "pg_catalog.current_setting('shared_preload_libraries'), ' ', ''), ',')),"
    " pg_catalog.to_regclass('repmgr.nodes') IS NOT NULL";

StateStore state_store(pg::Connection& conn) {
    return state_store(conn.get());
}

// A failed query reads as two empty values: no store.
StateStore state_store(PGconn* conn) {
    const auto result = try_exec(conn, kStateStoreQuery);
    if (result.value(0, 0) == "t")
        return StateStore::extension;
    return result.value(0, 1) == "t" ? StateStore::table : StateStore::none;
}

const char* const kDaemonStatusTable = R"(CREATE TABLE IF NOT EXISTS repmgr.daemon_status (
  node_id            INTEGER     PRIMARY KEY,
  pid                INTEGER     NULL,
  pid_file           TEXT        NULL,
  paused             BOOLEAN     NOT NULL DEFAULT FALSE,
  upstream_node_id   INTEGER     NULL,
  upstream_last_seen TIMESTAMPTZ NULL,
  last_updated       TIMESTAMPTZ NOT NULL DEFAULT pg_catalog.now()
))";

namespace {
// Created when missing; tested first, so that CREATE ... IF NOT EXISTS never sends a notice.
void ensure_status_table(pg::Connection& primary) {
    if (primary.exec("SELECT pg_catalog.to_regclass('repmgr.daemon_status') IS NULL").value(0, 0) ==
        "t")
        primary.exec(kDaemonStatusTable);
}
}  // namespace

void table_publish_pid(pg::Connection& primary, int node_id, std::optional<int> pid,
                       const std::string& pid_file) {
    ensure_status_table(primary);
    std::optional<std::string> pid_text;
    if (pid)
        pid_text = std::to_string(*pid);
    primary.exec(
        "INSERT INTO repmgr.daemon_status (node_id, pid, pid_file) VALUES ($1, $2, $3)"
        " ON CONFLICT (node_id) DO UPDATE SET pid = EXCLUDED.pid,"
        " pid_file = EXCLUDED.pid_file, last_updated = pg_catalog.now()",
        {std::to_string(node_id), pid_text,
         pid ? std::optional<std::string>(pid_file) : std::nullopt});
}

void table_heartbeat(pg::Connection& primary, int node_id, std::optional<int> upstream_seen) {
    std::optional<std::string> upstream;
    if (upstream_seen)
        upstream = std::to_string(*upstream_seen);
    primary.exec(
        "UPDATE repmgr.daemon_status SET last_updated = pg_catalog.now(),"
        " upstream_node_id = COALESCE($2::int, upstream_node_id),"
        " upstream_last_seen = CASE WHEN $2::int IS NULL THEN upstream_last_seen"
        " ELSE pg_catalog.now() END WHERE node_id = $1",
        {std::to_string(node_id), upstream});
}

void table_set_paused(pg::Connection& primary, int node_id, bool paused) {
    ensure_status_table(primary);
    primary.exec(
        "INSERT INTO repmgr.daemon_status (node_id, paused) VALUES ($1, $2)"
        " ON CONFLICT (node_id) DO UPDATE SET paused = EXCLUDED.paused",
        {std::to_string(node_id), std::string(paused ? "true" : "false")});
}

namespace {

// pid, paused, seconds since the last heartbeat, seconds since the upstream was last seen; no row
// when absent. Needs the table.
constexpr const char* kTableStatusQuery =
    "SELECT pid, paused,"
    " EXTRACT(EPOCH FROM pg_catalog.now() - last_updated)::int,"
    " EXTRACT(EPOCH FROM pg_catalog.now() - upstream_last_seen)::int"
    " FROM repmgr.daemon_status WHERE node_id = $1";

// `run(sql, params)` either throws or answers an empty Result for a failed query; both callers'
// ways of failing then follow from the same reading.
template <typename Run>
std::optional<TableStatus> read_table_status(Run&& run, int node_id) {
    if (run("SELECT pg_catalog.to_regclass('repmgr.daemon_status') IS NOT NULL",
            std::vector<std::string>{})
            .value(0, 0) != "t")
        return std::nullopt;
    const auto row = run(kTableStatusQuery, std::vector<std::string>{std::to_string(node_id)});
    if (row.rows() < 1)
        return std::nullopt;
    const auto column = [&row](int col) -> std::optional<int> {
        if (row.is_null(0, col))
            return std::nullopt;
        return text::parse_number<int>(row.value(0, col));
    };
    TableStatus status;
    status.pid = column(0);
    status.paused = row.value(0, 1) == "t";
    status.seconds_since_update = column(2);
    status.seconds_since_upstream_seen = column(3);
    return status;
}

}  // namespace

std::optional<TableStatus> table_status(pg::Connection& conn, int node_id) {
    return read_table_status(
        [&conn](const char* sql, const std::vector<std::string>& params) {
            return conn.exec(sql,
                             std::vector<std::optional<std::string>>(params.begin(), params.end()));
        },
        node_id);
}

std::optional<TableStatus> table_status(PGconn* conn, int node_id) {
    return read_table_status(
        [conn](const char* sql, const std::vector<std::string>& params) {
            return try_exec(conn, sql, params);
        },
        node_id);
}

void publish_local_node_id(pg::Connection& conn, int node_id) {
    conn.exec("SELECT repmgr.set_local_node_id($1)", {std::to_string(node_id)});
}

void publish_daemon_pid(pg::Connection& conn, std::optional<int> pid, const std::string& pid_file) {
    std::optional<std::string> pid_text;
    if (pid)
        pid_text = std::to_string(*pid);
    std::optional<std::string> file;
    if (pid && !pid_file.empty())
        file = pid_file;
    conn.exec("SELECT repmgr.set_repmgrd_pid($1::int, $2::text)", {pid_text, file});
}

void publish_upstream_node_id(pg::Connection& conn, int upstream_node_id) {
    conn.exec("SELECT repmgr.set_upstream_node_id($1)", {std::to_string(upstream_node_id)});
}

void publish_upstream_seen(pg::Connection& conn, int upstream_node_id) {
    conn.exec("SELECT repmgr.set_upstream_last_seen($1)", {std::to_string(upstream_node_id)});
}

bool daemon_paused(pg::Connection& conn) {
    return conn.exec("SELECT repmgr.repmgrd_is_paused()").value(0, 0) == "t";
}

void set_daemon_paused(pg::Connection& conn, bool paused) {
    conn.exec(paused ? "SELECT repmgr.repmgrd_pause(TRUE)" : "SELECT repmgr.repmgrd_pause(FALSE)");
}

std::optional<bool> daemon_running(pg::Connection& conn) {
    const auto result = conn.exec("SELECT repmgr.repmgrd_is_running()");
    if (result.rows() < 1 || result.is_null(0, 0))
        return std::nullopt;
    return result.value(0, 0) == "t";
}

std::optional<int> seconds_since_upstream_seen(pg::Connection& conn) {
    const auto seen = to_int(conn.exec("SELECT repmgr.get_upstream_last_seen()"));
    if (seen && *seen < 0)
        return std::nullopt;
    return seen;
}

std::optional<int> announced_new_primary(pg::Connection& conn) {
    const auto id = to_int(conn.exec("SELECT repmgr.get_new_primary()"));
    if (id && *id > 0)
        return id;
    return std::nullopt;
}

void announce_new_primary(pg::Connection& conn, int primary_node_id) {
    conn.exec("SELECT repmgr.notify_follow_primary($1)", {std::to_string(primary_node_id)});
}

void reset_announcement(pg::Connection& conn) {
    conn.exec("SELECT repmgr.reset_voting_status()");
}

}  // namespace pgwarden::cluster
