#include "receiver_freshness.hpp"

#include "cluster/state_query.hpp"
#include "text/parse_number.hpp"

#include <fmt/format.h>

namespace pgwarden::probe {

using std::chrono::milliseconds;

const std::string& probe_state_query() {
    static const std::string query = fmt::format(
        "SELECT s.*,"
        " (extract(epoch FROM clock_timestamp() - w.last_msg_receipt_time) * 1000)::bigint,"
        " (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_receiver_timeout')"
        " FROM ({}) s"
        " LEFT JOIN (SELECT last_msg_receipt_time FROM pg_stat_wal_receiver) w ON true",
        cluster::kNodeStateQuery);
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

std::string distrust_stale_lag(cluster::NodeState& state, const ReceiverSilence& silence,
                               std::optional<milliseconds> configured_bound) {
    if (!state.streaming || !state.replay_lag_bytes)
        return {};
    const auto bound = silence_bound(configured_bound, silence.receiver_timeout);
    if (!bound)
        return {};
    if (!silence.since_last_message) {
        state.replay_lag_bytes.reset();
        return "the age of the WAL receiver's last message is unknown";
    }
    if (*silence.since_last_message <= *bound)
        return {};
    state.replay_lag_bytes.reset();
    return fmt::format(
        "the WAL receiver's last message from the primary is {} ms old (bound {} ms)",
        silence.since_last_message->count(), bound->count());
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
