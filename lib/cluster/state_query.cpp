#include "cluster/state_query.hpp"

#include "text/parse_number.hpp"

namespace pgwarden::cluster {

// On a primary the timeline is read from the current WAL file name, which changes the instant a
// promotion ends (pg_control's checkpoint timeline lags until the next checkpoint). On a standby
// it is the timeline the WAL receiver streams.
namespace {

constexpr std::string_view kStateColumns =
    "SELECT r.in_recovery,"
    " CASE WHEN r.in_recovery THEN w.received_tli"
    " ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END,"
    " w.status,"
    " CASE WHEN r.in_recovery AND w.status = 'streaming' THEN"
    " greatest(pg_wal_lsn_diff(greatest(w.latest_end_lsn, pg_last_wal_receive_lsn()),"
    " pg_last_wal_replay_lsn()), 0)::bigint END";
constexpr std::string_view kStateSources =
    " FROM (SELECT pg_is_in_recovery() AS in_recovery) r"
    " LEFT JOIN (SELECT received_tli, status, latest_end_lsn, last_msg_receipt_time"
    " FROM pg_stat_wal_receiver) w ON true";

}  // namespace

std::string node_state_query_with(std::string_view more_columns) {
    std::string sql(kStateColumns);
    sql += more_columns;
    sql += kStateSources;
    return sql;
}

const std::string& node_state_query() {
    static const std::string sql = node_state_query_with({});
    return sql;
}

namespace {

template <typename Int>
std::optional<Int> parse_int(std::optional<std::string_view> text) {
    return text ? text::parse_number<Int>(*text) : std::nullopt;
}

}  // namespace

NodeState parse_node_state(std::optional<std::string_view> in_recovery,
                           std::optional<std::string_view> timeline,
                           std::optional<std::string_view> receiver_status,
                           std::optional<std::string_view> replay_lag_bytes) {
    NodeState state;
    state.reachable = true;
    state.in_recovery = in_recovery && *in_recovery == "t";
    state.timeline = parse_int<std::uint32_t>(timeline);
    state.streaming = state.in_recovery && receiver_status && *receiver_status == "streaming";
    if (state.streaming)
        state.replay_lag_bytes = parse_int<std::uint64_t>(replay_lag_bytes);
    return state;
}

}  // namespace pgwarden::cluster
