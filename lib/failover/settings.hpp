// repmgr.conf's repmgrd keys as the failover machines' timing.
#pragma once

#include "config/repmgr_config.hpp"
#include "failover/primary_monitor.hpp"
#include "failover/standby_monitor.hpp"

namespace pgwarden::failover {

MonitorTiming standby_timing(const config::RepmgrConfig& config);
PrimaryTiming primary_timing(const config::RepmgrConfig& config);

}  // namespace pgwarden::failover
