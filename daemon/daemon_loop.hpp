// pgwardend's event loop: one io_context; the failover machines from lib/failover decide, this
// class observes (an idle connection to the upstream that reports a drop at once, checks and
// queries on worker threads) and performs what they decide. Its members live in four files:
// daemon_loop.cpp (life-cycle, timers, the job boundary), daemon_reload.cpp (SIGHUP),
// standby_mode.cpp (the standby's and witness's actions, the upstream watch) and
// primary_mode.cpp (the primary's actions).
#pragma once

#include "cluster_io.hpp"
#include "daemon_options.hpp"
#include "election_io.hpp"
#include "failover_jobs.hpp"
#include "fence_events.hpp"
#include "fencing_settings.hpp"
#include "startup.hpp"
#include "sync_management_io.hpp"
#include "view_sweep.hpp"

#include "cluster/node_record.hpp"
#include "config/repmgr_config.hpp"
#include "failover/lease.hpp"
#include "failover/mode.hpp"
#include "failover/primary_monitor.hpp"
#include "failover/replication_record.hpp"
#include "failover/standby_monitor.hpp"
#include "log/log.hpp"
#include "pg/async_connection.hpp"
#include "pg/host_resolver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pgwarden::daemon {

// How long a job of kind `what` (background()'s name for it) may run before its step counts as
// failed, from the configuration's timeouts; nothing for the kinds that are not cut (see
// daemon_loop.cpp for which and why).
std::optional<std::chrono::seconds> job_time_limit(std::string_view what,
                                                   const config::RepmgrConfig& config);

// The deadlines of the loop's jobs. A job settles once, on the loop thread: by its result or by
// its deadline, whichever comes first; the other is dropped.
class JobDeadlines {
  public:
    struct Ticket {
        std::uint64_t id = 0;  // 0: no deadline
        // Set when the deadline passed: a job still queued then is not worth starting.
        std::shared_ptr<std::atomic<bool>> expired = std::make_shared<std::atomic<bool>>(false);
    };

    explicit JobDeadlines(boost::asio::io_context& io) : io_(io) {}
    ~JobDeadlines() { *alive_ = false; }
    JobDeadlines(const JobDeadlines&) = delete;
    JobDeadlines& operator=(const JobDeadlines&) = delete;

    // A deadline `limit` from now; `on_expiry` runs on the loop when it passes unsettled.
    Ticket arm(std::chrono::steady_clock::duration limit, std::function<void()> on_expiry);
    // The job's result is in (on the loop): true when it still counts (its deadline is
    // cancelled), false when the deadline came first. Always true without a deadline.
    bool settle(const Ticket& ticket);
    // Deadlines not yet passed or settled.
    std::size_t pending() const { return timers_.size(); }

  private:
    boost::asio::io_context& io_;
    std::uint64_t last_id_ = 0;
    std::map<std::uint64_t, boost::asio::steady_timer> timers_;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    // Set by stop(), read by the long jobs (a switchover's hand-over) on the workers: the
    // destructor joins them.
    std::shared_ptr<std::atomic<bool>> stop_requested_ = std::make_shared<std::atomic<bool>>(false);
};

// What the loop needs to know of the process around it.
struct DaemonHooks {
    // Re-reads the configuration file on SIGHUP; throws config::ConfigError when it is bad.
    std::function<config::RepmgrConfig()> reload_config;
    // systemd notifications ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=..."); may be empty.
    std::function<void(const std::string&)> notify;
    // The PID file in use ("" without one), for the daemon_status row where there is no extension.
    std::string pid_file;
    // pgwarden.ini [daemon]: the fence action and timeouts, where the lease is written.
    FencingSettings fencing;
};

class DaemonLoop {
  public:
    // `node`: this node's record, what the local node said at start and what a standby monitors.
    DaemonLoop(boost::asio::io_context& io, config::RepmgrConfig config, const PreparedNode& node,
               DaemonHooks hooks);
    ~DaemonLoop();

    // Records repmgrd_start and starts monitoring; returns at once (run the io_context).
    void start();
    // SIGHUP: re-read repmgr.conf (rolled back when node_id or node_name changed, or the new
    // conninfo does not connect) and reopen log_file.
    void reload();
    // SIGTERM/SIGINT (code 0) or giving up: record repmgrd_shutdown, then stop the io_context.
    void stop(int code, const std::string& why);
    // 0 after SIGTERM/SIGINT; repmgr's exit code when the daemon gave up.
    int exit_code() const { return exit_code_; }

  private:
    // --- standby (and witness) mode: standby_mode.cpp ---
    void begin_standby(const cluster::NodeRecord& upstream);
    void feed(const failover::Observation& observation);
    void watch_upstream();
    // Drops the watch: its name lookup, its connection and its deadline.
    void stop_watching_upstream();
    void connect_upstream_watch(const std::string& conninfo);
    void on_upstream_checked(const CheckResult& check, const LocalCheck& local,
                             const cluster::NodeRecord& upstream);
    void on_followed(const cluster::NodeRecord& primary);
    void on_standby(const failover::CheckUpstream& action);
    void on_standby(const failover::LookForPrimary& action);
    void on_standby(const failover::RunElection& action);
    void on_standby(const failover::Promote& action);
    void on_standby(const failover::Follow& action);
    void on_standby(const failover::BecomePrimary& action);
    void on_standby(const failover::SetLocalActive& action);
    void on_standby(const failover::CheckLocal& action);
    void on_standby(const failover::RecordEvent& action) { on_record(action); }
    void on_standby(const failover::Explain& action) { on_explain(action); }
    void on_standby(const failover::GiveUp& action) { on_give_up(action); }

    // --- primary mode: primary_mode.cpp ---
    void begin_primary(const std::string& why);
    void feed_primary(const failover::PrimaryObservation& observation);
    void on_primary(const failover::CheckLocal& action);
    void on_primary(const failover::CheckChildren& action);
    void on_primary(const failover::RunChildDisconnectCommand& action);
    void on_primary(const failover::BecomeStandby& action);
    void on_primary(const failover::CheckPeers& action);
    void on_primary(const failover::RenewLease& action);
    void on_primary(const failover::Fence& action);
    void on_primary(const failover::LiftFence& action);
    void on_primary(const failover::HandOver& action);
    // The fence action or its lift with the step's events, ordered on a worker (fencing_io.hpp).
    void run_fence(FenceJob job, int superseded_by);
    void on_primary(const failover::RecordEvent& action) { on_record(action); }
    void on_primary(const failover::GiveUp& action) { on_give_up(action); }

    // --- synchronous replication's record beside the lease: sync_record.cpp ---
    void load_replication_record();
    void note_sync_seen(failover::SyncSnapshot snapshot);
    // Why the election promoted nobody, kept for service status; cleared by any other outcome.
    void note_election_outcome(const failover::ElectionOutcome& outcome);
    void save_replication_record();
    // The last snapshot when it is `primary_id`'s: a snapshot of an earlier primary says nothing.
    std::optional<failover::SyncSnapshot> sync_snapshot_of(int primary_id) const;

    // --- both: daemon_loop.cpp ---
    void on_record(const failover::RecordEvent& action);
    void on_explain(const failover::Explain& action);
    void on_give_up(const failover::GiveUp& action);
    void log_notes(const std::vector<std::string>& notes);
    // The lease the probe reads (lease_file.hpp): `valid_until` only for a primary verdict; a
    // primary verdict before first_primary_lease_at_ is written as fenced.
    void write_lease(failover::LeaseVerdict verdict, const std::string& reason,
                     std::optional<failover::TimePoint> valid_until = std::nullopt);
    void schedule();
    // Every log_status_interval seconds, one line on what the daemon is doing (repmgrd's).
    void log_status_later();
    // Where events go when the local node cannot say where the primary is.
    std::string upstream_conninfo_if_primary() const;
    void record(const std::string& event, bool successful, const std::string& detail);
    // A handler on the loop threw: an internal error, logged, and the daemon stops through
    // stop() (repmgrd_shutdown recorded) instead of terminating.
    template <typename Handler>
    void guarded(const char* what, Handler handler);

    // SIGHUP's two endings: the file is refused (the log is reopened all the same), or taken.
    void reject_reload(const std::string& why);
    void apply_reload(config::RepmgrConfig fresh);

    // Runs `work` on a worker thread, then `done(result)` back on the loop (unless stopping).
    // The job boundary: when `work` throws, or does not finish within job_time_limit(what), the
    // step counts as failed: `failed(why)` runs on the loop instead, after a log line. A late
    // result is dropped; the worker is not interrupted (it is bounded by the connections'
    // keepalives and timeouts), and a job whose deadline passed before it started never runs.
    template <typename Work, typename Done, typename Failed>
    void background(const char* what, Work work, Done done, Failed failed);
    // A job nobody waits for (an event, a record's flag): a failure is only logged.
    template <typename Work>
    void background(const char* what, Work work);

    boost::asio::io_context& io_;
    config::RepmgrConfig config_;
    // This node's record, but upstream_node_id is the node monitored now (in standby mode).
    cluster::NodeRecord self_;
    // Whether this node's record in repmgr.nodes names an upstream (the promotion rule needs it).
    // Refreshed by each upstream check.
    bool record_has_upstream_;
    DaemonHooks hooks_;
    failover::DaemonMode mode_;

    std::optional<failover::StandbyMonitor> standby_;
    std::optional<failover::PrimaryMonitor> primary_;
    std::optional<cluster::NodeRecord> upstream_;
    std::shared_ptr<ElectionLocks> election_locks_;

    boost::asio::thread_pool workers_{4};
    boost::asio::steady_timer timer_;
    boost::asio::steady_timer watch_timer_;
    boost::asio::steady_timer status_timer_;
    JobDeadlines deadlines_{io_};
    pg::AsyncConnection upstream_watch_;
    // The upstream's host names, off the loop: the watch's libpq gets hostaddr=.
    pg::HostResolver watch_resolver_;
    bool watch_connecting_ = false;
    std::uint64_t watch_attempt_ = 0;  // a deadline fires for its own attempt only
    // Bumped when the upstream changes or its connection drops: results of checks started before
    // are stale and dropped.
    std::uint64_t check_generation_ = 0;
    bool looking_for_primary_ = false;
    // Bumped by every SIGHUP: a slower conninfo test of an earlier one is dropped.
    std::uint64_t reload_generation_ = 0;
    failover::TimePoint next_witness_sync_{};
    // When this node won its last election holding the lock on a majority: the first lease of a
    // new primary counts from there.
    failover::TimePoint election_won_at_{};
    // After a promotion outside pgwardend: no primary lease is written before then (an old
    // primary's last lease may still run), whatever the primary machine decides.
    std::optional<failover::TimePoint> first_primary_lease_at_;
    std::uint32_t own_timeline_ = 0;  // as the last standing check read it
    std::string lease_path_;
    std::string boot_id_;
    bool lease_write_failed_ = false;  // said once, not every interval
    failover::ReplicationRecord replication_;
    SyncManagement sync_management_;  // managed synchronous mode's memory, on the loop thread
    std::string replication_path_;
    bool replication_write_failed_ = false;
    failover::TimePoint upstream_settled_at_{};
    bool stopping_ = false;
    int exit_code_ = 0;
    ViewSweep view_sweep_{io_, config_};  // what this node reaches, for cluster matrix
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
    // Set by stop(), read by the long jobs (a switchover's hand-over) on the workers: the
    // destructor joins them.
    std::shared_ptr<std::atomic<bool>> stop_requested_ = std::make_shared<std::atomic<bool>>(false);
};

template <typename Handler>
void DaemonLoop::guarded(const char* what, Handler handler) {
    try {
        handler();
    } catch (const std::exception& e) {
        log::error("internal error in {}: {}", what, e.what());
        stop(model::kErrInternal, fmt::format("internal error in {}", what));
    } catch (...) {
        log::error("internal error in {}: unknown exception", what);
        stop(model::kErrInternal, fmt::format("internal error in {}", what));
    }
}

template <typename Work, typename Done, typename Failed>
void DaemonLoop::background(const char* what, Work work, Done done, Failed failed) {
    // Shared by the deadline and the result, both on the loop: whichever settles first calls it.
    auto on_failure = std::make_shared<Failed>(std::move(failed));
    JobDeadlines::Ticket ticket;
    if (const auto limit = job_time_limit(what, config_))
        ticket = deadlines_.arm(*limit, [this, alive = alive_, what, on_failure, limit] {
            if (!*alive || stopping_)
                return;
            guarded(what, [&] {
                const auto why = fmt::format("no result within {} s", limit->count());
                log::error("{} failed: {}", what, why);
                (*on_failure)(why);
            });
        });
    boost::asio::post(workers_, [this, alive = alive_, what, ticket, work = std::move(work),
                                 done = std::move(done), on_failure]() mutable {
        if (ticket.expired->load())
            return;
        std::optional<decltype(work())> result;
        std::string error;
        try {
            result.emplace(work());
        } catch (const std::exception& e) {
            error = e.what();
        } catch (...) {
            error = "unknown exception";
        }
        boost::asio::post(io_, [this, alive, what, ticket, done = std::move(done), on_failure,
                                result = std::move(result), error = std::move(error)]() mutable {
            if (!*alive || stopping_)
                return;
            if (!deadlines_.settle(ticket)) {
                log::info("{} ended after its time limit: its result is dropped", what);
                return;
            }
            guarded(what, [&] {
                if (result) {
                    done(std::move(*result));
                    return;
                }
                log::error("{} failed: {}", what, error);
                (*on_failure)(error);
            });
        });
    });
}

template <typename Work>
void DaemonLoop::background(const char* what, Work work) {
    background(
        what,
        [work = std::move(work)]() mutable {
            work();
            return true;
        },
        [](bool) {}, [](const std::string&) {});
}

}  // namespace pgwarden::daemon
