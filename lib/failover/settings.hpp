// repmgr.conf's repmgrd keys as the failover machines' timing and the standby's policy.
#pragma once

#include "config/repmgr_config.hpp"
#include "failover/primary_monitor.hpp"
#include "failover/standby_monitor.hpp"

namespace pgwarden::failover {

MonitorTiming standby_timing(const config::RepmgrConfig& config);
StandbyPolicy standby_policy(const config::RepmgrConfig& config, bool witness);
PrimaryTiming primary_timing(const config::RepmgrConfig& config);

}  // namespace pgwarden::failover
