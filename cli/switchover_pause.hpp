// The switchover's pause of the failover daemons, as repmgr's: every node's daemon that runs and
// is not paused yet is paused before anything changes, and only those are unpaused at the end
// (all of them with --repmgrd-force-unpause), so no daemon starts a failover of the primary the
// switchover stops, and the cluster is left as it was found.
#pragma once

#include "cluster/node_record.hpp"
#include "pg/connection.hpp"

#include <functional>
#include <vector>

namespace pgwarden::cli::switchover {

struct PauseRecord {
    std::vector<int> paused_by_us;
    std::vector<int> paused_before;
    int unreachable = 0;  // active nodes that could not be asked
};

// The primary to write pause flags to where they live in repmgr.daemon_status; nullptr when none.
using PrimaryFinder = std::function<pg::Connection*()>;

// Pauses (or with `dry_run` says it would). Logs repmgr's lines for unreachable nodes and those
// without a daemon.
PauseRecord pause_daemons(const std::vector<cluster::NodeRecord>& nodes, bool dry_run,
                          const PrimaryFinder& primary);
// Unpauses what pause_daemons paused (or every daemon with `force_unpause`); warns on failures.
void unpause_daemons(const std::vector<cluster::NodeRecord>& nodes, const PauseRecord& record,
                     bool force_unpause, const PrimaryFinder& primary);

}  // namespace pgwarden::cli::switchover
