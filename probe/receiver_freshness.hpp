// Whether a standby's replay lag can be believed: the lag is measured against the primary's WAL
// end as last reported to the standby (latest_end_lsn), which stays put while a partition keeps
// the primary's messages away, until wal_receiver_timeout. A standby that has not heard from
// its primary lately has an unknown lag, so ?lag= never passes on it.
#pragma once

#include "observation.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::probe {

// What the probe asks: cluster::node_state_query()'s columns, then the milliseconds since the WAL
// receiver's last message from the primary (pg_stat_wal_receiver.last_msg_receipt_time, on the
// standby's own clock), wal_receiver_timeout in milliseconds (0: disabled), and the receive lag
// (Observation::receive_lag_bytes).
const std::string& probe_state_query();
inline constexpr int kProbeStateColumns = 7;

// How old the last message may be before the lag is unknown: `configured` (--max-receiver-
// silence) when given, else 3/4 of wal_receiver_timeout (the standby pings an idle primary
// after half of it, so a healthy link has had a message by then); none when both are absent.
std::optional<std::chrono::milliseconds> silence_bound(
    std::optional<std::chrono::milliseconds> configured,
    std::optional<std::chrono::milliseconds> receiver_timeout);

struct ReceiverSilence {
    std::optional<std::chrono::milliseconds> since_last_message;  // unknown without privileges
    std::optional<std::chrono::milliseconds> receiver_timeout;
};

// Forgets the replay and receive lags of a streaming standby whose last message from the primary is
// older than the bound, or of unknown age while a bound applies; returns why, or "" when the lag
// stands.
std::string distrust_stale_lag(Observation& state, const ReceiverSilence& silence,
                               std::optional<std::chrono::milliseconds> configured_bound);

std::optional<std::uint64_t> parse_receive_lag(std::optional<std::string_view> bytes);

// Reads the two silence columns (text, nullopt for NULL).
ReceiverSilence parse_receiver_silence(std::optional<std::string_view> since_last_message_ms,
                                       std::optional<std::string_view> receiver_timeout_ms);

}  // namespace pgwarden::probe
