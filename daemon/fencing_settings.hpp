// pgwardend's own settings, from pgwarden.ini's [daemon] section (repmgr.conf stays repmgr's):
// the fence action and timeouts, where the lease for the probe is written, and synchronous
// replication (managed mode, maximum_lag_on_failover).
#pragma once

#include "failover/fencing.hpp"
#include "failover/sync_replication.hpp"

#include <optional>
#include <string>

namespace pgwarden::daemon {

struct FencingSettings {
    failover::FenceSettings fence;
    std::string lease_directory;  // lease::kDefaultLeaseDirectory unless set
    failover::SyncSettings sync;
};

// Reads `ini_path` (--ini), or /etc/pgwarden/pgwarden.ini when it exists; defaults otherwise.
// Throws config::ConfigError ("file:line: ...") for an unknown key or a bad value.
FencingSettings load_fencing_settings(const std::optional<std::string>& ini_path);

}  // namespace pgwarden::daemon
