#include "daemon_loop.hpp"

#include "failover_jobs.hpp"

#include "exec/shell.hpp"
#include "failover/settings.hpp"
#include "lease/lease_file.hpp"
#include "lease/replication_file.hpp"
#include "text/keepalives.hpp"

#include <unistd.h>

#include <algorithm>

namespace pgwarden::daemon {
namespace asio = boost::asio;

namespace {

// What the loop waits on for each kind of job it bounds, in conversations: a connection (one
// node at a time, or several at once, which costs one) and its queries.
struct BoundedJob {
    std::string_view what;
    int conversations;
    // The election's own waits: the WAL receivers' freeze and the validation command.
    bool election_waits = false;
};
constexpr BoundedJob kBoundedJobs[] = {
    // The upstream, the witness's copy of the metadata from it, then the local node.
    {"checking the upstream", 3},
    // The local node's role, then (on a primary) its heartbeat and any switchover request.
    {"checking the local node", 3},
    {"claiming the switchover request", 1},
    {"checking the child nodes", 1},
    // The local metadata, then every candidate at once.
    {"looking for a new primary", 2},
    // The metadata, the local node's view, every sibling's at once, the lock round (live voters
    // answer at once; a silent one costs a connect or a silence budget), the thaw, one spare.
    {"the election", 6, true},
    // Managed synchronous mode: one read; the write, its reload, the wait to see it, the event.
    {"reading the synchronous standbys", 1},
    {"writing synchronous_standby_names", 3},
};

// Past its own waits, what standby_disconnect_on_failover's freeze may take: two reloads
// (2 s each), three receiver stops (5 s each) and the thaw's retries (5 x 1 s), rounded up.
constexpr std::chrono::seconds kFreezeWaits{30};
// Scheduling and logging between the conversations.
constexpr std::chrono::seconds kJobMargin{5};

}  // namespace

// A job's limit is a bound, not a schedule: the sum of what its conversations may take when
// every one of them ends at its own limit. One conversation may take connect_timeout C, then
// either a live server's slowest answer statement_timeout lets through (async_query_timeout Q)
// or a silent peer's silence budget S (text::conversation_bound_secs), so C + max(Q, S); with
// the defaults (C = 2, Q = 60, S = 5), 62 s. Passing it means a bound did not hold (keepalives off
// in a conninfo, a hung name lookup, which connect_timeout does not cover), and the machine
// would otherwise wait for good. The local node's conninfo speaks for every node's C: repmgr
// clusters write them alike. Not cut: the promotion and the follow (a promotion finishing after
// the machine gave up on it would leave a primary it does not know of; they have their own
// limits, promote_check_timeout and standby_follow_timeout), events and records (nobody waits
// for them), and the reload's conninfo test (it holds nothing up).
std::optional<std::chrono::seconds> job_time_limit(std::string_view what,
                                                   const config::RepmgrConfig& config) {
    const auto job = std::find_if(std::begin(kBoundedJobs), std::end(kBoundedJobs),
                                  [what](const BoundedJob& j) { return j.what == what; });
    if (job == std::end(kBoundedJobs))
        return std::nullopt;
    const int conversation = text::conversation_bound_secs(
        text::connect_timeout_secs(daemon_conninfo(config.conninfo), 2),
        config.async_query_timeout);
    auto limit = std::chrono::seconds(job->conversations * conversation) + kJobMargin;
    if (job->election_waits) {
        if (config.standby_disconnect_on_failover)
            limit += std::chrono::seconds(config.sibling_nodes_disconnect_timeout) + kFreezeWaits;
        if (!config.failover_validation_command.empty())
            limit += std::chrono::duration_cast<std::chrono::seconds>(exec::kDefaultCommandTimeout);
    }
    return limit;
}

JobDeadlines::Ticket JobDeadlines::arm(std::chrono::steady_clock::duration limit,
                                       std::function<void()> on_expiry) {
    Ticket ticket;
    ticket.id = ++last_id_;
    auto& timer = timers_.try_emplace(ticket.id, io_).first->second;
    timer.expires_after(limit);
    timer.async_wait([this, alive = alive_, ticket,
                      on_expiry = std::move(on_expiry)](const boost::system::error_code& ec) {
        // A timer that fired just before its job settled is no longer in timers_.
        if (ec || !*alive || timers_.erase(ticket.id) == 0)
            return;
        ticket.expired->store(true);
        on_expiry();
    });
    return ticket;
}

bool JobDeadlines::settle(const Ticket& ticket) {
    if (ticket.id == 0)
        return true;
    // Destroying the timer cancels its wait; its handler sees operation_aborted.
    return timers_.erase(ticket.id) == 1;
}

DaemonLoop::DaemonLoop(asio::io_context& io, config::RepmgrConfig config, const PreparedNode& node,
                       DaemonHooks hooks)
    : io_(io),
      config_(std::move(config)),
      self_(node.self),
      record_has_upstream_(node.self.upstream_node_id.has_value()),
      hooks_(std::move(hooks)),
      mode_(node.mode),
      timer_(io),
      watch_timer_(io),
      status_timer_(io),
      upstream_watch_(io),
      watch_resolver_(io),
      lease_path_(lease::lease_path(hooks_.fencing.lease_directory, node.self.node_id)),
      boot_id_(lease::boot_id()),
      replication_path_(
          lease::replication_record_path(hooks_.fencing.lease_directory, node.self.node_id)) {
    self_.upstream_node_id = node.monitored_upstream_id;
    load_replication_record();
}

DaemonLoop::~DaemonLoop() {
    *alive_ = false;
    stop_watching_upstream();
    // Jobs in flight are bounded (connect and statement timeouts, keepalives, command limits).
    workers_.join();
}

void DaemonLoop::start() {
    if (mode_ == failover::DaemonMode::primary) {
        begin_primary(fmt::format("monitoring cluster primary {}", model::describe(self_)));
    } else {
        const auto upstream =
            self_.upstream_node_id ? find_record(config_, *self_.upstream_node_id) : std::nullopt;
        if (!upstream) {
            stop(1, "this node's upstream node is not in the metadata");
            return;
        }
        begin_standby(*upstream);
    }
    const std::string detail =
        mode_ == failover::DaemonMode::primary
            ? fmt::format("monitoring cluster primary {}", model::describe(self_))
            : fmt::format("monitoring connection to upstream node {}", model::describe(*upstream_));
    record("repmgrd_start", true, detail);
    view_sweep_.start();
    if (hooks_.notify)
        hooks_.notify("READY=1\nSTATUS=" + detail);
    log_status_later();
}

void DaemonLoop::log_status_later() {
    if (config_.log_status_interval <= 0 || stopping_)
        return;
    status_timer_.expires_after(std::chrono::seconds(config_.log_status_interval));
    status_timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (ec || !*alive || stopping_)
            return;
        guarded("the status log", [this] {
            if (standby_ && upstream_)
                log::info("node {} monitoring upstream node {}: {} ({})", model::describe(self_),
                          model::describe(*upstream_), failover::state_name(standby_->state()),
                          standby_->reason());
            else if (primary_)
                log::info("monitoring primary node {}: {}", model::describe(self_),
                          failover::state_name(primary_->state()));
            log_status_later();
        });
    });
}

// --- the actions both machines ask for ---

void DaemonLoop::on_record(const failover::RecordEvent& action) {
    // repmgr fills %p only for the events the promote and follow steps record.
    record(action.event, action.successful, action.detail);
}

void DaemonLoop::on_explain(const failover::Explain& action) {
    const auto level = action.severity == failover::Severity::error     ? log::Level::error
                       : action.severity == failover::Severity::warning ? log::Level::warning
                                                                        : log::Level::info;
    log::at(level, "{}{}", action.message, action.hint.empty() ? "" : "\nHINT: " + action.hint);
}

void DaemonLoop::on_give_up(const failover::GiveUp& action) {
    stop(model::kErrMonitoringTimeout, action.detail);
}

void DaemonLoop::write_lease(failover::LeaseVerdict verdict, const std::string& reason,
                             std::optional<failover::TimePoint> valid_until) {
    failover::Lease lease;
    lease.node_id = self_.node_id;
    lease.verdict = verdict;
    lease.timeline = own_timeline_;
    lease.boot_id = boot_id_;
    lease.daemon_pid = static_cast<int>(::getpid());
    lease.reason = reason;
    if (verdict == failover::LeaseVerdict::primary && first_primary_lease_at_ &&
        failover::Clock::now() < *first_primary_lease_at_) {
        lease.verdict = failover::LeaseVerdict::fenced;
        lease.reason = fmt::format(
            "promoted outside pgwardend: no primary lease for {} ms more, until an old "
            "primary's last lease has run out ({})",
            std::chrono::duration_cast<std::chrono::milliseconds>(*first_primary_lease_at_ -
                                                                  failover::Clock::now())
                .count(),
            reason);
        valid_until.reset();
    }
    // steady_clock is CLOCK_MONOTONIC, the clock the probe compares with: only the offset from
    // now is carried over, so the two need not share an epoch.
    const auto now_ms = lease::monotonic_ms();
    lease.valid_until_ms = valid_until
                               ? now_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                                              *valid_until - failover::Clock::now())
                                              .count()
                               : now_ms;
    if (const auto error = lease::write_lease(lease_path_, lease)) {
        if (!lease_write_failed_)
            log::error("unable to write the lease for the probe: {}", *error);
        lease_write_failed_ = true;
        return;
    }
    if (lease_write_failed_)
        log::notice("the lease for the probe is written again ({})", lease_path_);
    lease_write_failed_ = false;
}

void DaemonLoop::log_notes(const std::vector<std::string>& notes) {
    for (const auto& note : notes)
        log::debug("{}", note);
}

void DaemonLoop::schedule() {
    if (stopping_)
        return;
    const auto wake = standby_   ? standby_->next_wake()
                      : primary_ ? primary_->next_wake()
                                 : failover::Clock::now() + std::chrono::seconds(1);
    timer_.expires_at(wake);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (ec || !*alive || stopping_)
            return;
        guarded("the monitor tick", [this] {
            if (standby_)
                feed({failover::Observed::tick, 0, {}});
            else if (primary_)
                feed_primary({});
            schedule();
        });
    });
}

void DaemonLoop::record(const std::string& event, bool successful, const std::string& detail) {
    const auto config = config_;
    const cluster::Event row{self_.node_id, event,        successful,  detail,
                             std::nullopt,  std::nullopt, std::nullopt};
    const auto primary_conninfo = upstream_conninfo_if_primary();
    background("recording an event", [config, row, primary_conninfo] {
        record_daemon_event(config, row, primary_conninfo);
    });
}

std::string DaemonLoop::upstream_conninfo_if_primary() const {
    return upstream_ && upstream_->type == model::NodeType::primary ? upstream_->conninfo
                                                                    : std::string();
}

void DaemonLoop::stop(int code, const std::string& why) {
    if (stopping_)
        return;
    exit_code_ = code;
    if (hooks_.notify)
        hooks_.notify("STOPPING=1");
    if (code == 0)
        log::notice("{}: pgwardend shutting down", why);
    else
        log::error("{}: pgwardend terminating", why);
    const auto config = config_;
    const cluster::Event row{self_.node_id, "repmgrd_shutdown", code == 0,   why,
                             std::nullopt,  std::nullopt,       std::nullopt};
    stopping_ = true;
    stop_requested_->store(true);
    timer_.cancel();
    status_timer_.cancel();
    stop_watching_upstream();
    view_sweep_.stop();
    asio::post(workers_, [this, alive = alive_, config, row] {
        try {
            record_daemon_event(config, row);
        } catch (const std::exception& e) {
            log::error("unable to record repmgrd_shutdown: {}", e.what());
        }
        asio::post(io_, [this, alive] {
            if (*alive)
                io_.stop();
        });
    });
}

}  // namespace pgwarden::daemon
