// The failover daemon's own questions to a node and its small writes: what an election compares,
// the election lock, who is attached to a primary, the voting term, monitoring history, and the
// session settings and check query of every connection it opens. All throw pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>

namespace pgwarden::cluster {

// What an election compares of a node, all in one query.
struct WalProgress {
    bool in_recovery = false;
    // Newest WAL received or replayed (a standby) or written (a primary), in bytes from 0/0.
    std::optional<std::uint64_t> lsn;
    // The timeline that WAL is on; nothing when unknown, 0 when unreadable.
    std::optional<std::uint32_t> timeline;
};
WalProgress wal_progress(pg::Connection& conn);

// pg_try_advisory_lock(class_id, object_id): a session lock, held until the connection closes.
bool try_session_lock(pg::Connection& conn, int class_id, int object_id);

// application_name of the standbys streaming from this node, and of its client backends (a
// witness attaches as a client).
std::set<std::string> streaming_standby_names(pg::Connection& conn);
std::set<std::string> client_application_names(pg::Connection& conn);

// Counts a promotion in repmgr.voting_term, as repmgrd does.
void increment_voting_term(pg::Connection& conn);
// The one voting_term row elections count from, written when missing (primary register).
void initialize_voting_term(pg::Connection& conn);

// Where a standby's replay stands, for its monitoring history row.
struct ReplayPosition {
    std::string receive_lsn;
    std::string replay_lsn;
    std::optional<std::string> last_replay_time;
};
// Nothing when the standby has received no WAL through streaming.
std::optional<ReplayPosition> replay_position(pg::Connection& standby);
// One repmgr.monitoring_history row, written on the primary: the lags are computed there.
void record_monitoring_history(pg::Connection& primary, int primary_node_id, int standby_node_id,
                               const ReplayPosition& standby);

void set_statement_timeout(pg::Connection& conn, long long milliseconds);
// connection_check_query as the operator wrote it; only whether it succeeds matters.
void run_check_query(pg::Connection& conn, const std::string& query);

}  // namespace pgwarden::cluster
