// repmgr.conf's repmgrd keys as the failover machines' timing and the standby's policy.
#pragma once

#include "config/repmgr_config.hpp"
#include "failover/fencing.hpp"
#include "failover/primary_monitor.hpp"
#include "failover/standby_monitor.hpp"

namespace pgwarden::failover {

// `fence` (pgwarden.ini): with fencing on, no election before the old primary's lease ran out.
MonitorTiming standby_timing(const config::RepmgrConfig& config, const FenceSettings& fence);
StandbyPolicy standby_policy(const config::RepmgrConfig& config, bool witness);
PrimaryTiming primary_timing(const config::RepmgrConfig& config, const FenceSettings& fence);

}  // namespace pgwarden::failover
