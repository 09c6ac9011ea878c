#include "failover/wal_receiver_freeze.hpp"

#include <algorithm>

namespace pgwarden::failover {

std::optional<long long> frozen_retry_interval(long long current_ms) {
    if (current_ms >= kWalReceiverDisableMs)
        return std::nullopt;
    // Below one day, the sum stays far inside the setting's int range.
    return current_ms + kWalReceiverDisableMs;
}

std::optional<long long> thawed_retry_interval(long long current_ms) {
    if (current_ms <= kWalReceiverDisableMs)
        return std::nullopt;
    return current_ms - kWalReceiverDisableMs;
}

bool sibling_receivers_stopped(const std::vector<ReceiverPid>& siblings) {
    return std::none_of(siblings.begin(), siblings.end(),
                        [](const ReceiverPid& pid) { return pid && *pid > 0; });
}

}  // namespace pgwarden::failover
