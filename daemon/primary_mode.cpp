// Primary mode: the primary machine's steps fed with what the local and children checks saw,
// and each of its actions performed, blocking work on a worker thread.
#include "daemon_loop.hpp"

#include "failover_jobs.hpp"

#include "failover/settings.hpp"

#include <variant>

namespace pgwarden::daemon {

void DaemonLoop::begin_primary(const std::string& why) {
    mode_ = failover::DaemonMode::primary;
    standby_.reset();
    upstream_.reset();
    self_.upstream_node_id.reset();
    ++check_generation_;
    upstream_watch_.close();
    primary_.emplace(failover::primary_timing(config_), failover::Clock::now());
    log::notice("{}", why);
    schedule();
}

void DaemonLoop::feed_primary(const failover::PrimaryObservation& observation) {
    if (!primary_ || stopping_)
        return;
    const auto step = primary_->handle(observation, failover::Clock::now());
    log_notes(step.notes);
    for (const auto& action : step.actions) {
        if (!primary_ || stopping_)
            return;
        std::visit([this](const auto& what) { on_primary(what); }, action);
    }
}

void DaemonLoop::on_primary(const failover::CheckLocal& /*action*/) {
    const auto generation = check_generation_;
    const auto config = config_;
    const auto pid_file = hooks_.pid_file;
    struct Seen {
        failover::LocalSeen seen;
        std::string error;
        bool paused;
    };
    const auto report = [this](const Seen& seen) {
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
        schedule();
    };
    background(
        "checking the local node",
        [config, pid_file] {
            std::string error;
            const auto seen = check_local(config, &error);
            const bool paused = seen == failover::LocalSeen::unreachable
                                    ? false
                                    : primary_heartbeat(config, pid_file);
            return Seen{seen, error, paused};
        },
        [this, generation, report](Seen seen) {
            if (generation == check_generation_ && primary_)
                report(seen);
        },
        [this, generation, report](const std::string& why) {
            if (generation == check_generation_ && primary_)
                report({failover::LocalSeen::unreachable, why, false});
        });
}

void DaemonLoop::on_primary(const failover::CheckChildren& /*action*/) {
    const auto generation = check_generation_;
    const auto config = config_;
    const int self_id = self_.node_id;
    const auto unknown = [this] {
        feed_primary({failover::PrimaryObserved::children_unknown, {}, {}, {}});
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
            feed_primary({failover::PrimaryObserved::children_seen,
                          {},
                          std::move(report.registered),
                          std::move(report.attached)});
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

}  // namespace pgwarden::daemon
