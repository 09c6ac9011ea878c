#include "failover/settings.hpp"

namespace pgwarden::failover {
namespace {
std::optional<std::chrono::seconds> degraded_timeout(const config::RepmgrConfig& config) {
    if (config.degraded_monitoring_timeout < 0)
        return std::nullopt;
    return std::chrono::seconds(config.degraded_monitoring_timeout);
}
}  // namespace

MonitorTiming standby_timing(const config::RepmgrConfig& config, const FenceSettings& fence) {
    MonitorTiming timing;
    timing.monitor_interval = std::chrono::seconds(config.monitor_interval_secs);
    timing.reconnect_attempts = config.reconnect_attempts;
    timing.reconnect_interval = std::chrono::seconds(config.reconnect_interval);
    timing.primary_notification_timeout = std::chrono::seconds(config.primary_notification_timeout);
    timing.election_rerun_interval = std::chrono::seconds(config.election_rerun_interval);
    timing.degraded_monitoring_timeout = degraded_timeout(config);
    if (fence.action != FenceAction::off)
        timing.promotion_guard = promotion_guard(fence);
    return timing;
}

StandbyPolicy standby_policy(const config::RepmgrConfig& config, bool witness) {
    StandbyPolicy policy;
    policy.node_id = config.node_id;
    policy.automatic = config.failover == config::FailoverMode::automatic;
    policy.witness = witness;
    policy.always_promote = config.always_promote;
    return policy;
}

PrimaryTiming primary_timing(const config::RepmgrConfig& config, const FenceSettings& fence) {
    PrimaryTiming timing;
    timing.monitor_interval = std::chrono::seconds(config.monitor_interval_secs);
    timing.degraded_monitoring_timeout = degraded_timeout(config);
    timing.child_nodes_check_interval = std::chrono::seconds(config.child_nodes_check_interval);
    timing.child_nodes_disconnect_timeout =
        std::chrono::seconds(config.child_nodes_disconnect_timeout);
    timing.child_nodes_connected_min_count = config.child_nodes_connected_min_count;
    timing.child_nodes_disconnect_min_count = config.child_nodes_disconnect_min_count;
    timing.child_nodes_connected_include_witness = config.child_nodes_connected_include_witness;
    timing.has_disconnect_command = !config.child_nodes_disconnect_command.empty();
    timing.fence = fence;
    return timing;
}

}  // namespace pgwarden::failover
