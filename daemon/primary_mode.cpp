// Primary mode: the primary machine's steps fed with what the local and children checks saw,
// and each of its actions performed, blocking work on a worker thread.
#include "daemon_loop.hpp"

#include "failover_jobs.hpp"
#include "fence_events.hpp"
#include "fencing_io.hpp"
#include "handover_io.hpp"
#include "sync_management_io.hpp"

#include "failover/settings.hpp"

#include <variant>

namespace pgwarden::daemon {

void DaemonLoop::begin_primary(const std::string& why) {
    mode_ = failover::DaemonMode::primary;
    standby_.reset();
    upstream_.reset();
    self_.upstream_node_id.reset();
    ++check_generation_;
    stop_watching_upstream();
    primary_.emplace(failover::primary_timing(config_, hooks_.fencing.fence),
                     failover::Clock::now());
    sync_management_.begin(hooks_.fencing.sync);
    log::notice("{}", why);
    schedule();
}

void DaemonLoop::feed_primary(const failover::PrimaryObservation& observation) {
    if (!primary_ || stopping_)
        return;
    const auto step = primary_->handle(observation, failover::Clock::now());
    log_notes(step.notes);
    // A fence and its events are one job (fence_events.hpp): a fenced server cannot take them.
    auto plan =
        plan_fence_events(step.actions, primary_->state() == failover::PrimaryState::fenced);
    for (const auto& action : plan.actions) {
        if (!primary_ || stopping_)
            return;
        std::visit([this](const auto& what) { on_primary(what); }, action);
    }
    if (plan.job && primary_ && !stopping_) {
        const bool superseded = observation.what == failover::PrimaryObserved::peers_seen &&
                                observation.standing.standing == failover::Standing::superseded;
        run_fence(std::move(*plan.job), superseded ? observation.standing.superseded_by : 0);
    }
}

void DaemonLoop::run_fence(FenceJob job, int superseded_by) {
    std::vector<cluster::Event> events;
    for (const auto& event : job.events)
        events.push_back({self_.node_id, event.event, event.successful, event.detail, std::nullopt,
                          std::nullopt, std::nullopt});
    const auto config = config_;
    const char* what = job.kind == FenceJob::Kind::fence  ? "applying the fence"
                       : job.kind == FenceJob::Kind::lift ? "lifting the fence"
                                                          : "recording a fenced node's events";
    background(what, [config, job = std::move(job), events = std::move(events), superseded_by] {
        run_fence_job(config, job.kind, job.action, events, superseded_by);
    });
}

void DaemonLoop::on_primary(const failover::CheckLocal& /*action*/) {
    const auto generation = check_generation_;
    const auto config = config_;
    const auto pid_file = hooks_.pid_file;
    const int self_id = self_.node_id;
    struct Seen {
        failover::LocalSeen seen;
        std::string error;
        bool paused;
        std::optional<failover::HandoverRequest> request;  // a switchover addressed to this node
        // Its synchronous standbys now, for the replication record (service status, the probe).
        std::optional<failover::SyncSnapshot> sync;
    };
    // Managed synchronous mode (sync_management_io.hpp): a round after each local check that
    // found the primary, while it holds its standing; the round ends when its write has.
    const auto manage_sync = [this, generation, config, self_id] {
        if (primary_->state() != failover::PrimaryState::running || !sync_management_.start_round())
            return;
        const auto holds = [this, generation] {
            return generation == check_generation_ && primary_ &&
                   primary_->state() == failover::PrimaryState::running;
        };
        const auto end = [this](auto&&...) { sync_management_.end_round(); };
        background(
            "reading the synchronous standbys", [config] { return observe_sync(config); },
            [this, config, self_id, holds, end](std::optional<failover::SyncRound> round) {
                auto decision = round && holds()
                                    ? sync_management_.decide(*round, failover::Clock::now())
                                    : std::nullopt;
                if (!decision)
                    return end();
                background(
                    "writing synchronous_standby_names",
                    [config, self_id, old = round->current, decision = *decision] {
                        apply_sync_change(config, self_id, old, decision);
                        return true;
                    },
                    end, end);
            },
            end);
    };
    const auto report = [this, manage_sync](const Seen& seen) {
        primary_->set_paused(seen.paused);
        // Said once when the node goes away; while it stays away, at DEBUG.
        if (seen.seen == failover::LocalSeen::unreachable)
            log::at(primary_->state() == failover::PrimaryState::running ? log::Level::warning
                                                                         : log::Level::debug,
                    "unable to connect to local node: {}", seen.error);
        auto observation = failover::PrimaryObservation{};
        observation.what = seen.seen == failover::LocalSeen::primary
                               ? failover::PrimaryObserved::local_primary
                           : seen.seen == failover::LocalSeen::standby
                               ? failover::PrimaryObserved::local_standby
                               : failover::PrimaryObserved::local_unreachable;
        observation.detail = seen.error;
        feed_primary(observation);
        if (seen.request && primary_) {
            failover::PrimaryObservation requested;
            requested.what = failover::PrimaryObserved::switchover_requested;
            requested.request = seen.request;
            feed_primary(requested);
        }
        if (seen.sync) {
            auto snapshot = *seen.sync;
            snapshot.primary_node_id = self_.node_id;
            note_sync_seen(std::move(snapshot));
        }
        if (seen.seen == failover::LocalSeen::primary && primary_)
            manage_sync();
        schedule();
    };
    background(
        "checking the local node",
        [config, pid_file, self_id] {
            std::string error;
            const auto seen = check_local(config, &error);
            const bool paused = seen == failover::LocalSeen::unreachable
                                    ? false
                                    : primary_heartbeat(config, pid_file);
            auto request = seen == failover::LocalSeen::primary ? pending_handover(config, self_id)
                                                                : std::nullopt;
            auto sync =
                seen == failover::LocalSeen::primary ? local_sync_snapshot(config) : std::nullopt;
            return Seen{seen, error, paused, std::move(request), std::move(sync)};
        },
        [this, generation, report](Seen seen) {
            if (generation == check_generation_ && primary_)
                report(seen);
        },
        [this, generation, report](const std::string& why) {
            if (generation == check_generation_ && primary_)
                report({failover::LocalSeen::unreachable, why, false, std::nullopt, std::nullopt});
        });
}

void DaemonLoop::on_primary(const failover::CheckChildren& /*action*/) {
    const auto generation = check_generation_;
    const auto config = config_;
    const int self_id = self_.node_id;
    const auto unknown = [this] {
        failover::PrimaryObservation observation;
        observation.what = failover::PrimaryObserved::children_unknown;
        feed_primary(observation);
        schedule();
    };
    background(
        "checking the child nodes", [config, self_id] { return check_children(config, self_id); },
        [this, generation, unknown](ChildReport report) {
            if (generation != check_generation_ || !primary_)
                return;
            if (!report.ok) {
                unknown();
                return;
            }
            failover::PrimaryObservation observation;
            observation.what = failover::PrimaryObserved::children_seen;
            observation.registered = std::move(report.registered);
            observation.attached = std::move(report.attached);
            feed_primary(observation);
            schedule();
        },
        [this, generation, unknown](const std::string&) {
            if (generation == check_generation_ && primary_)
                unknown();
        });
}

void DaemonLoop::on_primary(const failover::RunChildDisconnectCommand& action) {
    const auto config = config_;
    const auto detail = action.detail;
    background("child_nodes_disconnect_command",
               [config, detail] { run_child_disconnect_command(config, detail); });
}

void DaemonLoop::on_primary(const failover::BecomeStandby& /*action*/) {
    const auto config = config_;
    const int self_id = self_.node_id;
    const auto no_primary = [this] {
        stop(1, "the local node restarted as a standby, but no primary was found to monitor");
    };
    background(
        "switching to standby mode",
        [config, self_id] { return record_local_as_standby(config, self_id); },
        [this, no_primary](std::optional<cluster::NodeRecord> primary) {
            if (!primary) {
                no_primary();
                return;
            }
            self_.type = model::NodeType::standby;
            record_has_upstream_ = true;
            mode_ = failover::DaemonMode::standby;
            begin_standby(*primary);
        },
        [no_primary](const std::string&) { no_primary(); });
}

void DaemonLoop::on_primary(const failover::CheckPeers& /*action*/) {
    const auto generation = check_generation_;
    const auto config = config_;
    // The evidence is no older than the moment the questions were asked.
    const auto started = failover::Clock::now();
    const auto report = [this, started](const failover::StandingVerdict& standing) {
        failover::PrimaryObservation observation;
        observation.what = failover::PrimaryObserved::peers_seen;
        observation.standing = standing;
        observation.checked_at = started;
        feed_primary(observation);
        schedule();
    };
    const auto no_evidence = [](const std::string& why) {
        failover::StandingVerdict verdict;
        verdict.reason = "no evidence of this node's standing: " + why;
        return verdict;
    };
    background(
        "checking this primary's standing", [config] { return gather_standing(config); },
        [this, generation, report, no_evidence](std::optional<failover::PrimaryEvidence> seen) {
            if (generation != check_generation_ || !primary_)
                return;
            if (!seen) {
                report(no_evidence("the local node could not be asked"));
                return;
            }
            own_timeline_ = seen->own_timeline;
            report(failover::judge_standing(*seen));
        },
        [this, generation, report, no_evidence](const std::string& why) {
            if (generation == check_generation_ && primary_)
                report(no_evidence(why));
        });
}

void DaemonLoop::on_primary(const failover::RenewLease& action) {
    write_lease(failover::LeaseVerdict::primary, action.reason, action.valid_until);
}

// The lease at once (the probe answers 503 from now on); the action itself is run_fence's job.
void DaemonLoop::on_primary(const failover::Fence& action) {
    write_lease(failover::LeaseVerdict::fenced, action.reason);
    log::error("this node is fenced ({}): {}", failover::fence_action_name(action.action),
               action.reason);
}

// The lease says fenced before the drain starts (the probe answers 503 at once); the request is
// claimed first, so a command that withdrew it finds the node as it was.
void DaemonLoop::on_primary(const failover::HandOver& action) {
    const auto config = config_;
    const auto request = action.request;
    const auto ended = [this](bool claimed, const std::string& how) {
        if (!primary_)
            return;
        log::notice("switchover {}", how);
        failover::PrimaryObservation observation;
        observation.what = failover::PrimaryObserved::handover_done;
        observation.claimed = claimed;
        observation.detail = how;
        feed_primary(observation);
        schedule();
    };
    background(
        "claiming the switchover request",
        [config, request] { return claim_handover(config, request.id); },
        [this, config, request, ended](bool claimed) {
            if (!claimed) {
                ended(false, fmt::format("{} was withdrawn before it was claimed", request.id));
                return;
            }
            write_lease(failover::LeaseVerdict::fenced,
                        fmt::format("switchover to node {}", request.candidate_node_id));
            background(
                "handing over",
                [config, request, stop = stop_requested_] {
                    return run_handover(config, request, *stop);
                },
                [ended, request](const std::string& how) {
                    ended(true, fmt::format("{}: {}", request.id, how));
                },
                [ended, request](const std::string& why) {
                    ended(true, fmt::format("{} failed: {}", request.id, why));
                });
        },
        [ended, request](const std::string& why) {
            ended(false, fmt::format("{} could not be claimed: {}", request.id, why));
        });
}

void DaemonLoop::on_primary(const failover::LiftFence& action) {
    log::notice("the fence is lifted: {}", action.reason);
}

}  // namespace pgwarden::daemon
