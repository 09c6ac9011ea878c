// The replication record: what this daemon last saw of the primary's synchronous standbys, kept
// in memory for the election and on disk (beside the lease) for a restart, service status and
// the probe's /sync and /async; and why the last election promoted nobody.
#include "daemon_loop.hpp"

#include "lease/lease_file.hpp"
#include "lease/replication_file.hpp"

#include <algorithm>
#include <ctime>

namespace pgwarden::daemon {

void DaemonLoop::load_replication_record() {
    const auto look = lease::look_at_replication_record(replication_path_);
    if (look.record) {
        replication_ = *look.record;
        // A refusal was about an election of the previous run.
        replication_.election_refusal.clear();
    } else if (look.file_exists) {
        log::warning("ignoring the replication record {}: {}", replication_path_, look.read_error);
    }
}

void DaemonLoop::note_sync_seen(failover::SyncSnapshot snapshot) {
    snapshot.seen_unix = static_cast<std::int64_t>(std::time(nullptr));
    snapshot.boot_id = boot_id_;
    snapshot.seen_ms = lease::monotonic_ms();
    // Three checks missed: the probe stops answering /sync from it.
    snapshot.valid_until_ms =
        snapshot.seen_ms + 3000LL * std::max(1, config_.monitor_interval_secs);
    replication_.snapshot =
        failover::keep_departed_sync_standbys(replication_.snapshot, std::move(snapshot));
    save_replication_record();
}

void DaemonLoop::note_election_outcome(const failover::ElectionOutcome& outcome) {
    std::string refusal;
    if (outcome.verdict == failover::Verdict::cancelled && !outcome.refusals.empty()) {
        for (const auto& line : outcome.refusals)
            refusal += line + "; ";
        refusal += outcome.reasons.empty() ? std::string() : outcome.reasons.back();
    }
    if (refusal == replication_.election_refusal)
        return;
    replication_.election_refusal = std::move(refusal);
    save_replication_record();
}

void DaemonLoop::save_replication_record() {
    replication_.node_name = self_.node_name;
    if (const auto error = lease::write_replication_record(replication_path_, replication_)) {
        if (!replication_write_failed_)
            log::error("unable to write the replication record: {}", *error);
        replication_write_failed_ = true;
        return;
    }
    replication_write_failed_ = false;
}

std::optional<failover::SyncSnapshot> DaemonLoop::sync_snapshot_of(int primary_id) const {
    if (replication_.snapshot && replication_.snapshot->primary_node_id == primary_id)
        return replication_.snapshot;
    return std::nullopt;
}

}  // namespace pgwarden::daemon
