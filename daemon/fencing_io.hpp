// Fencing's I/O for the primary's daemon: the evidence of its standing gathered over its own
// connections to every voter (in parallel, each bounded by the connection's timeouts), and the
// fence action applied to the local server or taken off again. The verdicts are
// lib/failover/fencing's. Run on worker threads; never throws.
#pragma once

#include "fence_events.hpp"

#include "cluster/events.hpp"
#include "config/repmgr_config.hpp"
#include "failover/fencing.hpp"

#include <optional>
#include <string>
#include <vector>

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

// A fence job (fence_events.hpp) with its events (`events`, this node's rows): each row is
// written on the primary that superseded this node when `superseded_by` (0: none) leads to a
// reachable one, else on the local node while it is still writable: before a fence makes it
// read-only or stops it, after a lift. The event notification commands run last, so they never
// delay the fence. Failures are logged.
void run_fence_job(const config::RepmgrConfig& config, FenceJob::Kind kind,
                   failover::FenceAction action, const std::vector<cluster::Event>& events,
                   int superseded_by);

}  // namespace pgwarden::daemon
