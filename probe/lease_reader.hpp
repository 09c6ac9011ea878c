// The probe's side of fencing: pgwardend's lease read from its file for each role check and
// turned into "may this node answer 200 as the primary?" (failover/lease.hpp's rule). Cheap: one
// small file read per query; the verdict changes are logged once each. On a standby, also its
// replication record, for /sync and /async.
#pragma once

#include "failover/lease.hpp"

#include <optional>
#include <string>

namespace pgwarden::probe {

struct LeaseSettings {
    failover::FencingMode mode = failover::FencingMode::auto_;
    std::string directory;       // lease::kDefaultLeaseDirectory unless set
    std::optional<int> node_id;  // --node-id, else repmgr.conf's; nothing: lease not looked at
};

class LeaseReader {
  public:
    explicit LeaseReader(LeaseSettings settings);

    failover::LeaseAnswer look();
    // This node's sync_state from pgwardend's replication record beside the lease, while that
    // record is fresh (failover::fresh_sync_state); nothing otherwise.
    std::optional<std::string> sync_state();
    const LeaseSettings& settings() const { return settings_; }

  private:
    LeaseSettings settings_;
    std::string path_;
    std::string record_path_;
    std::string boot_id_;
    std::optional<bool> last_allowed_;  // for one log line per change
};

}  // namespace pgwarden::probe
