// Fencing's conversations with PostgreSQL: what a peer says about who the primary is, and the
// soft fence on the local primary (default_transaction_read_only, client sessions ended). All
// throw pg::PgError.
#pragma once

#include "pg/connection.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace pgwarden::cluster {

// What the primary's daemon asks every other node: its recovery state and timeline, and what
// its copy of repmgr.nodes says of the primary and of the asking node.
struct PeerFacts {
    bool in_recovery = true;
    std::uint32_t timeline = 0;
    std::optional<int> recorded_primary;  // the active primary record, if any
    bool records_node_inactive = false;   // the asking node's record is inactive there
};
PeerFacts peer_facts(pg::Connection& conn, int asking_node_id);

// This node's current timeline (a primary's from its WAL position, a standby's received one).
std::uint32_t current_timeline(pg::Connection& conn);

// ALTER SYSTEM SET default_transaction_read_only = on (or RESET it) and reload: new sessions and
// transactions start read-only. A soft fence: a client can still SET it off.
void set_default_read_only(pg::Connection& conn, bool read_only);

// Terminates every client session but this one and those named `spared_application_name`
// (walsenders stay): sessions opened before the fence could go on writing, while the daemon's own
// (recording the fence, asking for the new primary) must not be cut half-way. Returns how many
// were terminated.
int terminate_client_sessions(pg::Connection& conn, const std::string& spared_application_name);

}  // namespace pgwarden::cluster
