// The SQL `node rejoin` runs on the primary it rejoins: the settings pg_rewind depends on, and the
// rejoined node's record.
#pragma once

#include "pg/connection.hpp"

#include <optional>
#include <string>

namespace pgwarden::cluster {

// The source-side settings pg_rewind needs (full_page_writes, and wal_log_hints when the data
// directory has no checksums); nullopt when they cannot be read.
struct RewindSettings {
    bool full_page_writes = false;
    bool wal_log_hints = false;
};
std::optional<RewindSettings> rewind_settings(pg::Connection& conn);

// Physical replication slots still free on the server, and max_replication_slots; nullopt when
// they cannot be read.
struct SlotCapacity {
    int free = 0;
    int max = 0;
};
std::optional<SlotCapacity> slot_capacity(pg::Connection& conn);

// The state of `node_name`'s walsender in pg_stat_replication ("streaming", "startup", ...):
// "streaming" when any of its rows streams; nullopt when it has none or the query fails.
std::optional<std::string> replication_state(pg::Connection& conn, const std::string& node_name);

// CHECKPOINT: a freshly promoted primary's pg_control names its new timeline only after one, and
// pg_rewind reads the timeline there. Throws pg::PgError.
void checkpoint(pg::Connection& conn);

// node_id recorded as an active standby of upstream_node_id: what a former primary becomes once
// rejoined (its record was left as an inactive primary by the promotion).
void record_rejoined_standby(pg::Connection& conn, int node_id, int upstream_node_id);

}  // namespace pgwarden::cluster
