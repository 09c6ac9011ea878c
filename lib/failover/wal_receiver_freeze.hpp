// standby_disconnect_on_failover, as repmgrd does it: before the election every standby stops its
// WAL receiver and raises wal_retrieve_retry_interval by a day so the startup process does not
// start a new one, then waits (sibling_nodes_disconnect_timeout) until its siblings' receivers
// are gone too. Every LSN the election compares is then frozen. After the election the day is
// taken off again. These are the numbers and the waiting rule; the daemon does the I/O.
#pragma once

#include <optional>
#include <vector>

namespace pgwarden::failover {

// repmgr's WALRECEIVER_DISABLE_TIMEOUT_VALUE: one day, in milliseconds.
constexpr long long kWalReceiverDisableMs = 86'400'000;

// The interval that keeps the WAL receiver down, or nothing when `current_ms` already does
// (a freeze never stacks a second day on top of the first).
std::optional<long long> frozen_retry_interval(long long current_ms);

// The interval before the freeze, or nothing when `current_ms` is not frozen.
std::optional<long long> thawed_retry_interval(long long current_ms);

// A sibling's WAL receiver as seen over its connection: its PID (0: none running), or nothing
// when the sibling could not be asked.
using ReceiverPid = std::optional<int>;

// Whether the wait for the siblings is over: no sibling that answered still runs a receiver.
// A sibling that cannot be asked is not waited for (repmgrd does the same).
bool sibling_receivers_stopped(const std::vector<ReceiverPid>& siblings);

}  // namespace pgwarden::failover
