// pgwardend's own settings, from pgwarden.ini's [daemon] section (repmgr.conf stays repmgr's):
// the fence action and timeouts, and where the lease for the probe is written.
#pragma once

#include "failover/fencing.hpp"

#include <optional>
#include <string>

namespace pgwarden::daemon {

struct FencingSettings {
    failover::FenceSettings fence;
    std::string lease_directory;  // lease::kDefaultLeaseDirectory unless set
};

// Reads `ini_path` (--ini), or /etc/pgwarden/pgwarden.ini when it exists; defaults otherwise.
// Throws config::ConfigError ("file:line: ...") for an unknown key or a bad value.
FencingSettings load_fencing_settings(const std::optional<std::string>& ini_path);

}  // namespace pgwarden::daemon
