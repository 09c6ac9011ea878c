// The election's I/O: the views of self and siblings gathered in parallel, the election lock
// taken voter by voter, failover_validation_command run. Every verdict on what was seen is
// lib/failover's (decide_election, membership, election_lock); this file only asks and reports.
// Run on a worker thread; never throws.
#pragma once

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "failover/election.hpp"
#include "pg/connection.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace pgwarden::daemon {

// The election lock: session advisory locks held on a majority of the nodes while this node
// promotes; released (the sessions closed) when destroyed.
class ElectionLocks {
  public:
    std::vector<pg::Connection> sessions;
};

struct ElectionRun {
    failover::ElectionOutcome outcome;
    std::shared_ptr<ElectionLocks> locks;  // held when outcome.verdict == won
};

// What the election knows of the failed primary's synchronous replication (daemon memory), and
// pgwarden.ini's maximum-lag-on-failover.
struct SyncFacts {
    std::optional<failover::SyncSnapshot> snapshot;  // nothing: never seen for this primary
    std::optional<std::uint64_t> maximum_lag_bytes;
};

// Gathers self and siblings (in parallel), decides, and for a win takes the election lock and
// runs failover_validation_command. `failed_upstream` is the node that stopped answering.
// `fence_guard`: with fencing on, the old primary's lease plus the balancer's margin (no sibling
// may have reached the primary within it); nothing without fencing.
ElectionRun run_election(const config::RepmgrConfig& config, const cluster::NodeRecord& self,
                         const cluster::NodeRecord& failed_upstream,
                         std::optional<std::chrono::seconds> fence_guard, const SyncFacts& sync);

// The election lock alone: session advisory locks on `voters` (self included), lowest node_id
// first, stopping at the first one another candidate holds; under them, any voter found already
// promoted is followed instead. Won (with the locks) only with more than half of `total_nodes`.
ElectionRun take_election_lock(const config::RepmgrConfig& config,
                               std::vector<cluster::NodeRecord> voters, int total_nodes);

}  // namespace pgwarden::daemon
