// What one look at the local PostgreSQL showed, and the one rule that turns it into a role.
// The probe, the daemon and the CLI all answer "primary, standby or unknown" from here; fencing
// (a later issue) adds the cluster's evidence to this place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::cluster {

struct NodeState {
    bool reachable = false;    // the check query returned
    bool in_recovery = false;  // pg_is_in_recovery()
    std::optional<std::uint32_t> timeline;
    // Standby only: bytes between the primary's WAL end last reported to this node and what this
    // node has replayed; absent when the WAL receiver is not streaming (lag unknown).
    std::optional<std::uint64_t> replay_lag_bytes;
    bool streaming = false;  // standby: the WAL receiver is streaming
    // The server's accept path works: a fresh connection succeeded lately. A one-off look makes its
    // own fresh connection, hence true; the probe, which keeps one connection (a frozen postmaster
    // leaves it answering), sets it from its periodic accept check.
    bool accepting_connections = true;
    // pgwardend's lease (failover/lease.hpp) lets this node act as the primary. A one-off look
    // (the CLI) has no lease to read, hence true; the probe sets it from the lease file.
    bool lease_allows_primary = true;
    std::string lease_note;  // why, as the probe's JSON shows it (empty: no lease looked at)
    std::string error;       // why the check failed; never holds a secret
};

enum class Role { primary, standby, unknown };

// The one rule from pg_is_in_recovery() to a role: false is a primary, true a standby, and no
// answer (the node did not answer, or the query failed) is unknown.
Role role_from_recovery(std::optional<bool> in_recovery);
Role role_of(const NodeState& state);
std::string_view role_name(Role role);  // "primary", "standby", "unknown"

// Reachable and accepting new connections: what clients routed to this node need, in any role.
bool is_serving(const NodeState& state);

// The single answer to "should this node take writes?": serving, not in recovery, and, where
// pgwardend fences, holding its lease (positive, fresh evidence that it is the primary).
bool is_writable_primary(const NodeState& state);

}  // namespace pgwarden::cluster
