#include "receiver_freshness.hpp"

#include "cluster/state_query.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>

namespace pgwarden::probe {

using std::chrono::milliseconds;

const std::string& probe_state_query() {
    // current_setting, not pg_settings: that view builds every setting's row (about 350) per
    // check, which made this query ten times as slow as the rest of it.
    static const std::string query = cluster::node_state_query_with(
        ", (extract(epoch FROM clock_timestamp() - w.last_msg_receipt_time) * 1000)::bigint,"
        " (extract(epoch FROM current_setting('wal_receiver_timeout')::interval) * 1000)::bigint,"
        " CASE WHEN w.status = 'streaming' THEN"
        " greatest(pg_wal_lsn_diff(w.latest_end_lsn, pg_last_wal_receive_lsn()), 0)::bigint END");
    return query;
}

std::optional<milliseconds> silence_bound(std::optional<milliseconds> configured,
                                          std::optional<milliseconds> receiver_timeout) {
    if (configured)
        return configured;
    if (receiver_timeout && receiver_timeout->count() > 0)
        return *receiver_timeout * 3 / 4;
    return std::nullopt;
}

std::string distrust_stale_lag(Observation& state, const ReceiverSilence& silence,
                               std::optional<milliseconds> configured_bound) {
    if (!state.streaming || !state.replay_lag_bytes)
        return {};
    const auto bound = silence_bound(configured_bound, silence.receiver_timeout);
    if (!bound)
        return {};
    if (!silence.since_last_message) {
        state.replay_lag_bytes.reset();
        state.receive_lag_bytes.reset();
        return "the age of the WAL receiver's last message is unknown";
    }
    if (*silence.since_last_message <= *bound)
        return {};
    state.replay_lag_bytes.reset();
    state.receive_lag_bytes.reset();
    return fmt::format(
        "the WAL receiver's last message from the primary is {} ms old (bound {} ms)",
        silence.since_last_message->count(), bound->count());
}

std::optional<std::uint64_t> parse_receive_lag(std::optional<std::string_view> bytes) {
    return bytes ? text::parse_number<std::uint64_t>(*bytes) : std::nullopt;
}

ReceiverSilence parse_receiver_silence(std::optional<std::string_view> since_last_message_ms,
                                       std::optional<std::string_view> receiver_timeout_ms) {
    ReceiverSilence silence;
    if (since_last_message_ms) {
        if (auto ms = text::parse_number<long long>(*since_last_message_ms))
            silence.since_last_message = milliseconds(std::max(*ms, 0LL));
    }
    if (receiver_timeout_ms) {
        if (auto ms = text::parse_number<long long>(*receiver_timeout_ms))
            silence.receiver_timeout = milliseconds(*ms);
    }
    return silence;
}

}  // namespace pgwarden::probe
