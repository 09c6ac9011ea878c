// What the standby commands ask of a node's replication: WAL positions, who streams from it,
// replication slots, room for more standbys, replay state, and the promotion itself. All throw
// pg::PgError.
#pragma once

#include "model/lsn.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

// A standby's newest WAL position (the later of received and replayed), a primary's current one;
// nothing when the standby has none.
std::optional<model::Lsn> current_wal_lsn(pg::Connection& conn);

// pg_stat_replication's state of every walsender serving `application_name`.
std::vector<std::string> replication_states(pg::Connection& upstream,
                                            const std::string& application_name);

struct SlotState {
    std::string slot_type;  // "physical" or "logical"
    bool active = false;
};
// The slot `slot_name` in pg_replication_slots; nothing when it does not exist.
std::optional<SlotState> replication_slot(pg::Connection& conn, const std::string& slot_name);
void create_physical_slot(pg::Connection& conn, const std::string& slot_name);
// Drops the slot when it exists and is inactive (nothing when it is absent or in use).
void drop_slot_if_inactive(pg::Connection& conn, const std::string& slot_name);

// Room for more standbys: max_wal_senders less the walsenders running, max_replication_slots
// less the active slots.
struct ReplicationCapacity {
    int free_wal_senders = 0;
    int free_slots = 0;
};
ReplicationCapacity replication_capacity(pg::Connection& conn);

// A standby's replay: whether it is paused with received WAL not yet replayed, and where.
struct ReplayState {
    bool paused = false;
    bool wal_pending = false;  // received beyond replayed
    std::optional<std::string> replay_lsn;
    std::optional<std::string> receive_lsn;
};
ReplayState replay_state(pg::Connection& standby);

// Whether this session's user may call pg_promote() (a superuser, or granted EXECUTE): where
// not, repmgr promotes with pg_ctl instead.
bool may_call_pg_promote(pg::Connection& standby);

// pg_promote(wait => false): true when the server accepted the request. Returns at once; the
// caller waits for recovery to end.
bool request_promotion(pg::Connection& standby);

}  // namespace pgwarden::cluster
