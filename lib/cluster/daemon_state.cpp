#include "cluster/daemon_state.hpp"

#include <charconv>

namespace pgwarden::cluster {
namespace {

std::optional<int> to_int(const pg::Result& result) {
    if (result.rows() < 1 || result.is_null(0, 0))
        return std::nullopt;
    const std::string text{result.value(0, 0)};
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        return std::nullopt;
    return value;
}

}  // namespace

bool has_daemon_functions(pg::Connection& conn) {
    try {
        return conn.exec(
                       "SELECT pg_catalog.to_regprocedure('repmgr.get_new_primary()') IS NOT "
                       "NULL")
                   .value(0, 0) == "t";
    } catch (const pg::PgError&) {
        return false;
    }
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
