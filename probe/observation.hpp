// What one check of the local PostgreSQL showed the probe: the node state every binary reads,
// plus what only the probe's endpoints need.
#pragma once

#include "cluster/node_state.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace pgwarden::probe {

struct Observation : cluster::NodeState {
    Observation() = default;
    // Implicit: a plain node state is an observation with nothing more known.
    Observation(const cluster::NodeState& state) : cluster::NodeState(state) {}  // NOLINT

    // Standby, streaming: bytes between the primary's WAL end last reported to this node and what
    // it has received (Patroni's /readiness?mode=write); absent when unknown, like the replay lag.
    std::optional<std::uint64_t> receive_lag_bytes;
    // Standby: its sync_state in the primary's pg_stat_replication ("sync", "quorum",
    // "potential", "async") as its pgwardend's fresh replication record says; nothing unknown.
    std::optional<std::string> sync_state;
};

}  // namespace pgwarden::probe
