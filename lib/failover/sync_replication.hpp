// Synchronous replication as the election needs it: what the primary's pg_stat_replication
// showed the last time a daemon saw it, and the rule that keeps every commit the primary
// acknowledged: the lowest WAL position a promotion candidate must have reached. Also the
// settings of managed synchronous mode. Pure: the daemon gathers, this file decides.
#pragma once

#include "failover/sync_standby_names.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::failover {

// pgwarden.ini [daemon]: Patroni's synchronous_mode and maximum_lag_on_failover.
enum class SyncMode {
    off,     // synchronous_standby_names is the operator's (the election still respects it)
    on,      // the primary's daemon names the healthy standbys, and drops a failed one
    strict,  // as on, but never empties the list: writes wait rather than go unprotected
};
std::optional<SyncMode> parse_sync_mode(std::string_view text);
std::string_view sync_mode_name(SyncMode mode);

struct SyncSettings {
    SyncMode mode = SyncMode::off;
    int node_count = 1;  // synchronous-node-count: standbys the primary waits for
    // How long a synchronous standby may be gone before a non-strict primary stops waiting for it.
    std::chrono::seconds standby_timeout{10};
    // Off unless set, as repmgr has no such limit.
    std::optional<std::uint64_t> maximum_lag_on_failover;
};

// One walsender in the primary's pg_stat_replication.
struct StandbySeen {
    std::string application_name;
    std::string sync_state;  // "sync", "quorum", "potential" or "async"
    std::optional<std::uint64_t> flush_lsn;
    // Carried over from an earlier snapshot: no longer streaming, and the primary has not had
    // enough synchronous standbys since, so it still holds every acknowledged commit.
    bool departed = false;
};

// What a daemon last saw of the primary's synchronous replication.
struct SyncSnapshot {
    int primary_node_id = 0;
    std::string standby_names;  // synchronous_standby_names as the primary showed it
    std::string synchronous_commit;
    std::uint64_t primary_lsn = 0;  // pg_current_wal_lsn() at that moment
    std::vector<StandbySeen> standbys;
    // When: wall-clock seconds for people, and this boot's CLOCK_MONOTONIC (as in the lease)
    // for the probe, which answers /sync only from a fresh snapshot.
    std::int64_t seen_unix = 0;
    std::string boot_id;
    std::int64_t seen_ms = 0;
    // Until when (same clock) the probe may answer /sync and /async from it: a few monitor
    // intervals, after which the daemon should have written a newer one.
    std::int64_t valid_until_ms = 0;
};

// A synchronous standby that stops streaming leaves pg_stat_replication, yet it holds every
// commit the primary acknowledged while the primary waits without enough synchronous standbys
// (as when the standby dies before the primary): `next` keeps `previous`'s synchronous and
// quorum standbys that are gone, marked departed, for as long as the primary waits so. Another
// primary's snapshot, or one with enough of them, is `next` unchanged.
SyncSnapshot keep_departed_sync_standbys(const std::optional<SyncSnapshot>& previous,
                                         SyncSnapshot next);

// The sync_state the snapshot shows for `application_name`; nothing when it was not streaming
// (a departed standby is not).
std::optional<std::string> sync_state_of(const SyncSnapshot& snapshot,
                                         std::string_view application_name);

// Whether the primary waits for any standby at all. synchronous_commit = local or off as the
// default does not count: a session may still ask for on, so the list is what matters.
bool waits_for_standbys(const SyncSnapshot& snapshot);

// One promotion candidate (or any other standby) as the election saw it.
struct SyncCandidate {
    std::string node_name;  // repmgr's application_name in primary_conninfo
    bool visible = false;
    std::optional<std::uint64_t> lsn;
};

// The lowest WAL position at which a candidate surely holds every commit the primary
// acknowledged, or nothing when no visible node can be shown to hold them.
struct SafePosition {
    std::optional<std::uint64_t> lsn;  // nothing: no candidate is safe
    bool applies = false;              // false: no rule from synchronous replication
    std::string reason;                // one sentence for the log and service status
};

// FIRST k: every synchronous standby of the snapshot held every acknowledged commit, so the
// lowest visible one's position is enough; none visible: nobody is safe.
// ANY k of n: a commit is on at least k of the n listed standbys, so n - k + 1 of them must be
// visible, and the most advanced of those sets the position.
SafePosition safe_promotion_position(const SyncSnapshot& snapshot, std::string_view primary_name,
                                     const std::vector<SyncCandidate>& standbys);

// Patroni's maximum_lag_on_failover: a candidate further than `max_lag_bytes` behind the last
// position the primary was seen at is not promoted. Nothing when the rule does not apply.
std::optional<std::uint64_t> lag_limit_position(const SyncSnapshot& snapshot,
                                                std::optional<std::uint64_t> max_lag_bytes);

}  // namespace pgwarden::failover
