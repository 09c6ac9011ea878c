// Who wins when the primary is gone: repmgrd 5.3's election as one pure function over what the
// daemon saw of itself and its siblings, plus the majority rule of the election lock.
// No libpq, no Asio: the daemon gathers the views, this file decides.
#pragma once

#include "failover/sync_replication.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pgwarden::failover {

// One node as the electing standby saw it a moment ago.
struct NodeView {
    int node_id = 0;
    std::string node_name;
    bool visible = false;  // a connection and the query worked
    bool witness = false;  // counts for visibility and "primary seen", never a candidate
    int priority = 100;
    std::string location = "default";
    // Standbys: the newest WAL received (or replayed); nothing when unknown.
    std::optional<std::uint64_t> lsn;
    std::uint32_t timeline = 0;
    // Seen as a primary already (not in recovery): someone promoted it.
    bool in_recovery = true;
    // repmgrd or pgwardend publishes a PID on that node (get_repmgrd_pid); a node without a
    // daemon cannot act on a win, so it is not a candidate (as repmgrd).
    bool daemon_running = true;
    // Seconds since that node's daemon last reached the failed primary; nothing when unknown.
    std::optional<int> seconds_since_primary_seen;
};

struct ElectionInput {
    NodeView self;                   // always visible
    std::vector<NodeView> siblings;  // active nodes with the same upstream, witness included
    std::string primary_location;    // the failed primary's location
    int monitor_interval_secs = 2;
    bool automatic = true;  // failover=automatic
    bool primary_visibility_consensus = false;
    // Fencing: a visible sibling that reached the primary less than this long ago may have kept
    // its lease alive (it may be the majority that confirmed it): no election until it is older.
    std::optional<int> fence_guard_secs;
    // Synchronous replication: what this daemon last saw of the failed primary's (nothing when it
    // never saw it), and the primary's node_name (never counted as one of its own standbys).
    std::optional<SyncSnapshot> sync;
    std::string primary_name;
    // Without a snapshot: this node's own synchronous_standby_names (a clone's copy of the
    // primary's). When it names standbys, nobody is known to hold every acknowledged commit.
    std::string local_standby_names;
    // pgwarden.ini maximum-lag-on-failover, measured from the snapshot's primary_lsn.
    std::optional<std::uint64_t> maximum_lag_bytes;
};

enum class Verdict {
    won,                      // promote this node
    lost,                     // another node should promote: wait for it, then follow
    follow_existing_primary,  // a sibling is already a primary this node can follow
    cancelled,                // no safe decision now: degraded monitoring, rerun later
    not_candidate,            // failover=manual: never acts
};

struct ElectionOutcome {
    Verdict verdict = Verdict::cancelled;
    int winner_node_id = 0;  // won: self; lost: the expected winner; follow: the primary
    int visible_nodes = 0;   // self included
    int total_nodes = 0;     // self, siblings and witness (the failed primary excluded)
    // Operator-readable reasons, in order, one log line each ("node2 (ID: 2) is ahead ...").
    std::vector<std::string> reasons;
    // Candidates not promoted because they may lack an acknowledged commit or lag too far, and
    // the rule that refused them, one line each; empty when no such rule refused anyone.
    std::vector<std::string> refusals;
};

ElectionOutcome decide_election(const ElectionInput& input);

// The better promotion candidate of two: the later LSN, then the higher priority, then the lower
// node_id. The same answer on every node that sees the same views.
bool better_candidate(const NodeView& a, const NodeView& b);

// Whether a standby on `own_timeline` at `own_lsn` can stream from a node that was promoted and
// is now on `primary_timeline` at `primary_lsn`: the promoted node must be on a later timeline,
// or on the same one and not behind.
bool can_follow(std::uint32_t own_timeline, std::uint64_t own_lsn, std::uint32_t primary_timeline,
                std::uint64_t primary_lsn);

// The election lock: a winner promotes only while it holds the lock on more than half of the
// nodes (self, siblings and witness). Two candidates can never both hold such a majority.
bool holds_majority(int locked_nodes, int total_nodes);

}  // namespace pgwarden::failover
