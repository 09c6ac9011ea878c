// The switchover's conversations with PostgreSQL. The request lives in repmgr.pgwarden_switchover
// on the primary (created there by the first `pgwarden standby switchover`, so the plain schema
// stays exactly the extension's): the command inserts it, the old primary's pgwardend claims it
// and reports its progress in it, and it reaches the candidate by replication. All throw
// pg::PgError.
#pragma once

#include "failover/handover.hpp"
#include "pg/connection.hpp"

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::cluster {

extern const char* const kSwitchoverTable;

// Inserts a request (creating the table when missing); returns its id. The daemon takes it only
// within `valid_secs` of now (the primary's clock), so a request whose command died is void.
long insert_switchover_request(pg::Connection& primary, int old_primary_id,
                               const failover::HandoverRequest& request, int valid_secs);
// The request's state ("requested", "draining", "stopping", "cancelled", "done", "failed") and
// detail; nothing when the row (or the table) is absent.
struct SwitchoverRow {
    std::string state;
    std::string detail;
};
std::optional<SwitchoverRow> switchover_row(pg::Connection& conn, long request_id);
// Withdraws a request the daemon has not claimed; false when it was claimed meanwhile.
bool withdraw_switchover_request(pg::Connection& primary, long request_id);
// Sets the state of a request the daemon claimed (on the new primary after the switchover).
void set_switchover_state(pg::Connection& conn, long request_id, const std::string& state,
                          const std::string& detail);

// The primary's archive_mode and its archive_status/*.ready files (nothing when pg_ls_dir is not
// permitted to this user): what stands between a clean shutdown and the stop.
struct ArchiveBacklog {
    std::string archive_mode;
    std::optional<int> ready_files;
};
ArchiveBacklog archive_backlog(pg::Connection& primary);

// For the old primary's daemon: a valid request addressed to `node_id`, not yet claimed; nothing
// when there is none or the table is absent.
std::optional<failover::HandoverRequest> pending_switchover(pg::Connection& local, int node_id);
// Claims it (requested -> draining); false when the command withdrew it first.
bool claim_switchover(pg::Connection& local, long request_id);

// For a standby found promoted: the old primary of a recent switchover to `self_id` that got as
// far as stopping (its lease said fenced before), as this node's copy of the request says.
std::optional<int> handed_over_to(pg::Connection& local, int self_id);

// Client sessions that HAProxy may have routed here: every client backend but this one, the
// daemons' (`spared_application_name`) and the switchover command's own.
int routed_client_sessions(pg::Connection& conn, const std::string& spared_application_name);

// What the old primary's daemon sees of the candidate after its own stop.
struct CandidateView {
    bool in_recovery = true;
    bool recorded_primary = false;  // its repmgr.nodes has it as the active primary
    failover::MarkerSeen marker = failover::MarkerSeen::none;
};
CandidateView candidate_view(pg::Connection& candidate, int candidate_id, long request_id);

}  // namespace pgwarden::cluster
