// The old primary's part of a planned switchover (lib/failover/handover.hpp decides): claim the
// request, drain, stop the server, then rejoin the new primary or start again as the primary.
// Blocking, for a worker thread; every wait is bounded.
#pragma once

#include "config/repmgr_config.hpp"
#include "failover/handover.hpp"

#include <atomic>
#include <optional>
#include <string>

namespace pgwarden::daemon {

// A valid request addressed to this node, not yet claimed (nothing: none, or no answer).
std::optional<failover::HandoverRequest> pending_handover(const config::RepmgrConfig& config,
                                                          int self_id);
// Takes the request on the local node (requested -> draining); false when the command withdrew
// it first or the local node could not be asked.
bool claim_handover(const config::RepmgrConfig& config, long request_id);

// Drains (the lease already says fenced), checkpoints, stops the local server and waits for the
// switchover command's outcome on the candidate. Returns one line on how it ended, for the log.
// `stop_requested` (the daemon's SIGTERM) ends every wait at once: during the drain nothing is
// stopped, after the stop the node is left as it is.
std::string run_handover(const config::RepmgrConfig& config,
                         const failover::HandoverRequest& request,
                         const std::atomic<bool>& stop_requested);

// The pgwarden program this daemon runs: repmgr_bindir/pgwarden, else the one beside pgwardend,
// else "pgwarden" on PATH.
std::string pgwarden_program(const config::RepmgrConfig& config);

}  // namespace pgwarden::daemon
