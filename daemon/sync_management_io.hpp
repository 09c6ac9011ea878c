// Managed synchronous mode's shell around failover/sync_management: what the primary shows in
// a round, read on a worker; the decision's memory across rounds, kept on the loop; a change
// written (ALTER SYSTEM + reload), logged and recorded as an event, on a worker.
#pragma once

#include "config/repmgr_config.hpp"
#include "failover/sync_management.hpp"

#include <optional>
#include <string>

namespace pgwarden::daemon {

inline constexpr const char* kSyncNamesEvent = "pgwarden_synchronous_standby_names";

// The registered standbys, the walsenders streaming now and synchronous_standby_names, read on
// the local node (the primary). Nothing, after a warning, when it could not be asked.
std::optional<failover::SyncRound> observe_sync(const config::RepmgrConfig& config);

// Writes `decision.names` on the local node, logs it at NOTICE (ERROR when refused) and records
// kSyncNamesEvent: "'old' -> 'new': why". Never throws.
void apply_sync_change(const config::RepmgrConfig& config, int self_id,
                       const std::string& old_names, const failover::SyncDecision& decision);

// The loop's half: one round at a time (a round and its write may take longer than the monitor
// interval, and a second round would decide from a setting about to change).
class SyncManagement {
  public:
    // A new tenure as primary: the timeouts count from now, not from an earlier tenure.
    void begin(const failover::SyncSettings& settings);
    // Whether a round may start (the mode is not off, none is still out); marks one out.
    bool start_round();
    void end_round() { in_flight_ = false; }
    // The decision for a round that was read; nothing (and a debug line) when nothing changes.
    std::optional<failover::SyncDecision> decide(const failover::SyncRound& round,
                                                 failover::TimePoint now);

  private:
    failover::SyncSettings settings_;
    std::optional<failover::SyncManager> manager_;
    bool in_flight_ = false;
};

}  // namespace pgwarden::daemon
