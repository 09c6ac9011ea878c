// Fencing's I/O for the primary's daemon: the evidence of its standing gathered over its own
// connections to every voter (in parallel, each bounded by the connection's timeouts), and the
// fence action applied to the local server or taken off again. The verdicts are
// lib/failover/fencing's. Run on worker threads; never throws.
#pragma once

#include "config/repmgr_config.hpp"
#include "failover/fencing.hpp"

#include <optional>
#include <string>

namespace pgwarden::daemon {

// Nothing when the local node cannot say its own timeline or the metadata cannot be read: no
// evidence either way, so nothing is renewed.
std::optional<failover::PrimaryEvidence> gather_standing(const config::RepmgrConfig& config);

// read-only: default_transaction_read_only on and client sessions terminated; stop:
// service_stop_command, else pg_ctl stop -m fast. What failed, or nothing.
std::optional<std::string> apply_fence(const config::RepmgrConfig& config,
                                       failover::FenceAction action);
std::optional<std::string> lift_fence(const config::RepmgrConfig& config,
                                      failover::FenceAction action);

}  // namespace pgwarden::daemon
