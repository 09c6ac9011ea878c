// Standby (and witness) mode: the standby machine's steps fed with what the checks saw, and each
// of its actions performed, blocking work on a worker thread.
#include "daemon_loop.hpp"

#include "failover_jobs.hpp"

#include "failover/settings.hpp"

#include <variant>

namespace pgwarden::daemon {
namespace {

using failover::Observed;

// After this daemon changes its upstream, how long its local copy of the metadata may lag.
constexpr std::chrono::seconds kMetadataSettle{10};

struct PromoteOutcome {
    StepResult result;
    bool promoted_anyway = false;
    bool primary_back = false;  // the failed primary is the primary again
};

struct FollowOutcome {
    StepResult result;
    std::optional<cluster::NodeRecord> primary;  // the node followed, when found
    bool primary_back = false;
};

Observed verdict_observation(failover::Verdict verdict) {
    switch (verdict) {
        case failover::Verdict::won:
            return Observed::election_won;
        case failover::Verdict::lost:
            return Observed::election_lost;
        case failover::Verdict::follow_existing_primary:
            return Observed::election_follow;
        case failover::Verdict::not_candidate:
            return Observed::election_not_candidate;
        case failover::Verdict::cancelled:
            break;
    }
    return Observed::election_cancelled;
}

}  // namespace

void DaemonLoop::begin_standby(const cluster::NodeRecord& upstream) {
    primary_.reset();
    first_primary_lease_at_.reset();
    upstream_ = upstream;
    self_.upstream_node_id = upstream.node_id;
    upstream_settled_at_ = failover::Clock::now() + kMetadataSettle;
    standby_.emplace(failover::standby_timing(config_, hooks_.fencing.fence),
                     failover::standby_policy(config_, mode_ == failover::DaemonMode::witness),
                     failover::Clock::now());
    standby_->set_record_has_upstream(record_has_upstream_);
    standby_->set_upstream_is_primary(upstream.type == model::NodeType::primary);
    ++check_generation_;
    stop_watching_upstream();
    log::notice("monitoring connection to upstream node {}", model::describe(upstream));
    write_lease(failover::LeaseVerdict::standby, mode_ == failover::DaemonMode::witness
                                                     ? "monitored as a witness"
                                                     : "monitored as a standby");
    watch_upstream();
    schedule();
}

void DaemonLoop::feed(const failover::Observation& observation) {
    if (!standby_ || stopping_)
        return;
    const auto before = standby_->state();
    const auto step = standby_->handle(observation, failover::Clock::now());
    log_notes(step.notes);
    if (standby_->state() != before) {
        // Whatever was started in the old state reports to nobody.
        ++check_generation_;
        log::info("state: {} ({})", failover::state_name(standby_->state()), standby_->reason());
        // The election lock is held from a win until the promotion ends, never longer.
        if (standby_->state() != failover::StandbyState::promoting)
            election_locks_.reset();
    }
    for (const auto& action : step.actions) {
        if (!standby_ || stopping_)
            break;
        if (!std::holds_alternative<failover::LookForPrimary>(action) &&
            !std::holds_alternative<failover::CheckUpstream>(action))
            log::debug("action: {}", failover::describe(action));
        std::visit([this](const auto& what) { on_standby(what); }, action);
    }
    if (standby_)
        schedule();
}

void DaemonLoop::on_standby(const failover::CheckUpstream& /*action*/) {
    const auto generation = check_generation_;
    const auto config = config_;
    const auto self = self_;
    const auto upstream = *upstream_;
    // A witness copies the metadata from the primary every witness_sync_interval.
    const auto now = failover::Clock::now();
    const bool sync_witness = mode_ == failover::DaemonMode::witness && now >= next_witness_sync_;
    if (sync_witness)
        next_witness_sync_ = now + std::chrono::seconds(config.witness_sync_interval);
    background(
        "checking the upstream",
        [config, self, upstream, sync_witness] {
            auto result = check_upstream(config, upstream.conninfo);
            if (result.alive && sync_witness)
                sync_witness_metadata(config, upstream);
            const auto local =
                result.alive ? after_upstream_seen(config, self, upstream) : local_paused(config);
            return std::make_pair(result, local);
        },
        [this, generation, upstream](std::pair<CheckResult, LocalCheck> outcome) {
            if (generation == check_generation_ && standby_)
                on_upstream_checked(outcome.first, outcome.second, upstream);
        },
        [this, generation, upstream](const std::string& why) {
            if (generation == check_generation_ && standby_)
                on_upstream_checked({false, why},
                                    LocalCheck{true, standby_->paused(), {}, {}, {}, {}, {}, {}},
                                    upstream);
        });
}

void DaemonLoop::on_upstream_checked(const CheckResult& check, const LocalCheck& local,
                                     const cluster::NodeRecord& upstream) {
    standby_->set_paused(local.paused);
    if (local.sync_seen)
        note_sync_seen(*local.sync_seen);
    if (local.record_has_upstream) {
        record_has_upstream_ = *local.record_has_upstream;
        standby_->set_record_has_upstream(record_has_upstream_);
    }
    if (!local.reachable) {
        log::warning("unable to connect to local node: {}", local.error);
        feed({Observed::local_lost, 0, local.error});
        return;
    }
    // Whatever the upstream did, a node that left recovery is a primary now and must be watched
    // as one (a witness is never in recovery).
    if (local.in_recovery && !*local.in_recovery && mode_ != failover::DaemonMode::witness) {
        feed({Observed::local_promoted, local.handed_over_by.value_or(0),
              local.handed_over_by
                  ? fmt::format("node {} handed over to it", *local.handed_over_by)
                  : std::string("pg_is_in_recovery() is false on the local node")});
        return;
    }
    if (check.alive) {
        // Moved by someone else (a switchover, a manual follow): watch the new upstream, or its
        // failure would be taken for the old one's. Not right after this daemon moved it itself:
        // the local copy of the metadata may not have replayed that yet.
        const auto& recorded = local.recorded_upstream;
        if (recorded && recorded->active && failover::Clock::now() >= upstream_settled_at_ &&
            standby_->state() == failover::StandbyState::monitoring) {
            log::notice("this node's upstream is now {} in the metadata",
                        model::describe(*recorded));
            begin_standby(*recorded);
            return;
        }
        watch_upstream();
        feed({Observed::upstream_alive, 0, {}});
        return;
    }
    // Each attempt is worth a line; degraded monitoring's repeats are not.
    log::at(standby_->state() == failover::StandbyState::degraded ? log::Level::debug
                                                                  : log::Level::warning,
            "unable to connect to upstream node {}: {}", model::describe(upstream), check.error);
    feed({Observed::upstream_lost, 0,
          fmt::format("unable to connect to upstream node {}", model::describe(upstream))});
}

void DaemonLoop::on_standby(const failover::LookForPrimary& /*action*/) {
    if (looking_for_primary_)
        return;
    looking_for_primary_ = true;
    const auto config = config_;
    const int self_id = self_.node_id;
    const int failed = upstream_->node_id;
    const bool newly_promoted_only = standby_->state() == failover::StandbyState::reconnecting;
    const auto generation = check_generation_;
    background(
        "looking for a new primary",
        [config, self_id, failed, newly_promoted_only] {
            return find_new_primary(config, self_id, failed, newly_promoted_only);
        },
        [this, generation](std::optional<int> found) {
            looking_for_primary_ = false;
            // A late answer about an upstream this node has since left (it followed the very
            // primary found here, which then failed too) would send it to follow a dead node.
            if (found && generation == check_generation_)
                feed({Observed::new_primary, *found, {}});
        },
        [this](const std::string&) { looking_for_primary_ = false; });
}

void DaemonLoop::on_standby(const failover::RunElection& /*action*/) {
    const auto config = config_;
    const auto self = self_;
    const auto upstream = *upstream_;
    const auto fence_guard =
        hooks_.fencing.fence.action == failover::FenceAction::off
            ? std::nullopt
            : std::optional<std::chrono::seconds>(failover::promotion_guard(hooks_.fencing.fence));
    const SyncFacts sync{sync_snapshot_of(upstream.node_id),
                         hooks_.fencing.sync.maximum_lag_on_failover};
    log::notice("upstream node {} is gone: starting the election", model::describe(upstream));
    // A win is evidence of standing from no earlier than this: the first lease counts from here.
    const auto started = failover::Clock::now();
    background(
        "the election",
        [config, self, upstream, fence_guard, sync] {
            return run_election(config, self, upstream, fence_guard, sync);
        },
        [this, started](ElectionRun run) {
            for (const auto& reason : run.outcome.reasons)
                log::info("election: {}", reason);
            // A candidate refused for the data it may lack is worth more than an info line.
            for (const auto& refusal : run.outcome.refusals)
                log::warning("election: {}", refusal);
            note_election_outcome(run.outcome);
            if (run.outcome.verdict == failover::Verdict::won)
                election_won_at_ = started;
            election_locks_ = std::move(run.locks);
            feed({verdict_observation(run.outcome.verdict), run.outcome.winner_node_id,
                  run.outcome.reasons.empty() ? std::string() : run.outcome.reasons.back()});
        },
        [this](const std::string& why) {
            feed({Observed::election_cancelled, 0, "the election failed: " + why});
        });
}

void DaemonLoop::on_standby(const failover::Promote& /*action*/) {
    const auto config = config_;
    const auto self = self_;
    const auto old_primary = *upstream_;
    background(
        "the promotion",
        [config, self, old_primary] {
            PromoteOutcome outcome{promote(config, self, old_primary), false, {}};
            // promote_command killed at its limit (or failing late) may have promoted PostgreSQL
            // all the same: then the node is a primary, whatever the command said.
            std::string error;
            if (!outcome.result.ok)
                outcome.promoted_anyway =
                    check_local(config, &error) == failover::LocalSeen::primary;
            if (!outcome.result.ok && !outcome.promoted_anyway)
                outcome.primary_back = original_primary_back(config, old_primary);
            return outcome;
        },
        [this, old_primary](const PromoteOutcome& outcome) {
            const auto& result = outcome.result;
            if (!result.ok)
                log::error("promotion failed: {}{}", result.detail,
                           result.hint.empty() ? "" : "\nHINT: " + result.hint);
            if (outcome.promoted_anyway) {
                feed({Observed::local_promoted, 0,
                      result.detail + ", but the local node is out of recovery"});
                return;
            }
            if (outcome.primary_back) {
                log::notice(
                    "original primary (id: {}) reappeared before this standby was "
                    "promoted - no action taken",
                    old_primary.node_id);
                feed({Observed::promote_aborted, old_primary.node_id,
                      fmt::format("original primary \"{}\" (node ID: {}) reappeared",
                                  old_primary.node_name, old_primary.node_id)});
                return;
            }
            feed({result.ok ? Observed::promote_succeeded : Observed::promote_failed, 0,
                  result.detail});
        },
        [this](const std::string& why) {
            feed({Observed::promote_failed, 0, why});
        });
}

void DaemonLoop::on_standby(const failover::BecomePrimary& action) {
    if (!action.outside.empty()) {
        // No lease from an election: the primary machine's first confirmed standing check gives
        // the first one, which write_lease holds back until first_lease_at. Written before the
        // log line, so a reader of both never finds the standby's lease after it.
        first_primary_lease_at_ = action.first_lease_at;
        write_lease(failover::LeaseVerdict::fenced,
                    "promoted outside pgwardend: no primary lease before its standing is "
                    "confirmed");
        begin_primary(
            fmt::format("this node was promoted outside pgwardend ({}): switching to "
                        "primary monitoring",
                        action.outside));
        return;
    }
    first_primary_lease_at_.reset();
    // The promote step told the siblings already (before its own bookkeeping, so they follow
    // sooner); what is left is to monitor this node as the primary.
    begin_primary(fmt::format("this node {} is now the primary", model::describe(self_)));
    failover::PrimaryObservation promoted;
    promoted.what = failover::PrimaryObserved::promoted;
    promoted.checked_at = election_won_at_;
    feed_primary(promoted);
}

void DaemonLoop::on_standby(const failover::Follow& action) {
    const auto config = config_;
    const auto self = self_;
    const bool witness = mode_ == failover::DaemonMode::witness;
    const int target = action.node_id;
    const auto failed = *upstream_;
    background(
        "the follow",
        [config, self, witness, target, failed]() -> FollowOutcome {
            const auto primary = find_record(config, target);
            FollowOutcome outcome;
            if (!primary)
                outcome.result = {false, fmt::format("node {} is not in the metadata", target)};
            else {
                log::notice("following new primary {}", model::describe(*primary));
                outcome.result = witness ? witness_follow(config, self, *primary)
                                         : follow(config, self, *primary);
                outcome.primary = primary;
            }
            if (!outcome.result.ok)
                outcome.primary_back = original_primary_back(config, failed);
            return outcome;
        },
        [this](const FollowOutcome& outcome) {
            if (!outcome.result.ok || !outcome.primary) {
                log::error("follow failed: {}", outcome.result.detail);
                if (outcome.primary_back) {
                    log::notice("original primary reappeared - no action taken");
                    feed({Observed::follow_aborted, 0,
                          "original primary reappeared - no action taken"});
                    return;
                }
                feed({Observed::follow_failed, 0, outcome.result.detail});
                return;
            }
            on_followed(*outcome.primary);
        },
        [this](const std::string& why) {
            feed({Observed::follow_failed, 0, why});
        });
}

void DaemonLoop::on_followed(const cluster::NodeRecord& primary) {
    upstream_ = primary;
    upstream_settled_at_ = failover::Clock::now() + kMetadataSettle;
    // The record was read from this node's copy of the metadata, which cannot have seen the
    // promotion yet: it still says "standby", and the next failure of this upstream would be
    // taken for a cascaded standby's.
    upstream_->type = model::NodeType::primary;
    standby_->set_upstream_is_primary(true);
    self_.upstream_node_id = upstream_->node_id;
    stop_watching_upstream();
    feed({Observed::follow_succeeded, upstream_->node_id, {}});
    log::notice("monitoring connection to upstream node {}", model::describe(*upstream_));
    watch_upstream();
}

void DaemonLoop::on_standby(const failover::CheckLocal& /*action*/) {
    const auto generation = check_generation_;
    const auto config = config_;
    background(
        "checking the local node",
        [config] {
            std::string error;
            return check_local(config, &error);
        },
        [this, generation](failover::LocalSeen seen) {
            if (generation != check_generation_)
                return;
            // A witness is never in recovery: for it, a primary is simply back.
            if (seen == failover::LocalSeen::primary && mode_ != failover::DaemonMode::witness)
                feed({Observed::local_promoted, 0, "the local node came back out of recovery"});
            else
                feed({seen == failover::LocalSeen::unreachable ? Observed::local_lost
                                                               : Observed::local_back,
                      0,
                      {}});
        },
        [this, generation](const std::string& why) {
            if (generation == check_generation_)
                feed({Observed::local_lost, 0, why});
        });
}

void DaemonLoop::on_standby(const failover::SetLocalActive& action) {
    const auto config = config_;
    const bool active = action.active;
    const auto primary_conninfo = upstream_conninfo_if_primary();
    background("updating this node's record", [config, active, primary_conninfo] {
        set_local_active(config, active, primary_conninfo);
    });
}

}  // namespace pgwarden::daemon
