#include "daemon_loop.hpp"

#include "failover_jobs.hpp"

#include "cluster/connect.hpp"
#include "cluster/node_write.hpp"
#include "failover/settings.hpp"
#include "log/log.hpp"

#include <boost/asio/post.hpp>

namespace pgwarden::daemon {
namespace asio = boost::asio;
using failover::Act;
using failover::Observed;

namespace {

constexpr int kErrMonitoringTimeout = 9;  // repmgr's ERR_MONITORING_TIMEOUT
// After this daemon changes its upstream, how long its local copy of the metadata may lag.
constexpr std::chrono::seconds kMetadataSettle{10};
// libpq's non-blocking connect ignores connect_timeout: the watch connection gets its own.
constexpr std::chrono::seconds kWatchConnectTimeout{3};

std::string describe(const cluster::NodeRecord& node) {
    return fmt::format("\"{}\" (ID: {})", node.node_name, node.node_id);
}

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

std::optional<cluster::NodeRecord> find_record(const config::RepmgrConfig& config, int node_id) {
    if (const auto nodes = load_nodes_locally(config))
        for (const auto& node : *nodes)
            if (node.node_id == node_id)
                return node;
    return std::nullopt;
}

}  // namespace

DaemonLoop::DaemonLoop(asio::io_context& io, config::RepmgrConfig config, const PreparedNode& node,
                       DaemonHooks hooks)
    : io_(io),
      config_(std::move(config)),
      self_(node.self),
      record_has_upstream_(node.self.upstream_node_id.has_value()),
      hooks_(std::move(hooks)),
      start_as_primary_(node.local_is_primary),
      timer_(io),
      watch_timer_(io),
      status_timer_(io),
      upstream_watch_(io) {
    self_.upstream_node_id = node.monitored_upstream_id;
}

DaemonLoop::~DaemonLoop() {
    *alive_ = false;
    upstream_watch_.close();
    // Jobs in flight are bounded (connect and statement timeouts, command time limits).
    workers_.join();
}

template <typename Work, typename Done>
void DaemonLoop::background(Work work, Done done) {
    asio::post(
        workers_, [this, alive = alive_, work = std::move(work), done = std::move(done)]() mutable {
            auto result = work();
            asio::post(io_,
                       [this, alive, done = std::move(done), result = std::move(result)]() mutable {
                           if (*alive && !stopping_)
                               done(std::move(result));
                       });
        });
}

void DaemonLoop::start() {
    if (start_as_primary_) {
        begin_primary(fmt::format("monitoring cluster primary {}", describe(self_)));
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
        mode_ == Mode::primary
            ? fmt::format("monitoring cluster primary {}", describe(self_))
            : fmt::format("monitoring connection to upstream node {}", describe(*upstream_));
    record("repmgrd_start", true, detail);
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
        if (mode_ == Mode::standby && standby_ && upstream_)
            log::info("node {} monitoring upstream node {}: {} ({})", describe(self_),
                      describe(*upstream_), failover::state_name(standby_->state()),
                      standby_->reason());
        else if (primary_)
            log::info("monitoring primary node {}: {}", describe(self_),
                      failover::state_name(primary_->state()));
        log_status_later();
    });
}

// --- standby mode ---

void DaemonLoop::begin_standby(const cluster::NodeRecord& upstream) {
    mode_ = Mode::standby;
    primary_.reset();
    upstream_ = upstream;
    self_.upstream_node_id = upstream.node_id;
    upstream_settled_at_ = failover::Clock::now() + kMetadataSettle;
    standby_.emplace(failover::standby_timing(config_),
                     config_.failover == config::FailoverMode::automatic, failover::Clock::now());
    standby_->set_witness(self_.type == "witness");
    ++check_generation_;
    upstream_watch_.close();
    log::notice("monitoring connection to upstream node {}", describe(upstream));
    watch_upstream();
    schedule();
}

void DaemonLoop::watch_upstream() {
    if (mode_ != Mode::standby || !upstream_ || watch_connecting_ || upstream_watch_.connected())
        return;
    watch_connecting_ = true;
    const auto generation = check_generation_;
    watch_timer_.expires_after(kWatchConnectTimeout);
    watch_timer_.async_wait(
        [this, alive = alive_, generation](const boost::system::error_code& ec) {
            if (ec || !*alive || !watch_connecting_ || generation != check_generation_)
                return;
            watch_connecting_ = false;
            upstream_watch_.close();
        });
    upstream_watch_.async_connect(
        daemon_conninfo(upstream_->conninfo),
        [this, alive = alive_, generation](const std::string& error) {
            if (!*alive || generation != check_generation_)
                return;
            watch_connecting_ = false;
            watch_timer_.cancel();
            if (!error.empty()) {
                log::debug("upstream watch connection failed: {}", error);
                return;
            }
            upstream_watch_.on_broken([this, alive](const std::string& why) {
                if (!*alive || stopping_ || mode_ != Mode::standby || !standby_ || !upstream_ ||
                    standby_->state() != failover::StandbyState::monitoring)
                    return;
                log::warning("connection to upstream node {} lost: {}", describe(*upstream_), why);
                ++check_generation_;
                feed({Observed::upstream_lost, 0,
                      fmt::format("unable to connect to upstream node {}", describe(*upstream_))});
            });
        });
}

void DaemonLoop::feed(const failover::Observation& observation) {
    if (!standby_ || stopping_)
        return;
    const auto before = standby_->state();
    const auto actions = standby_->handle(observation, failover::Clock::now());
    // The debug log tells every step but the frequent ticks and polls.
    if (observation.what != Observed::tick)
        log::debug("observed {} in state {}", failover::observed_name(observation.what),
                   failover::state_name(before));
    for (const auto& action : actions)
        if (action.act != Act::look_for_primary)
            log::debug("action: {} {}", failover::act_name(action.act), action.node_id);
    if (standby_->state() != before) {
        // Whatever was started in the old state reports to nobody.
        ++check_generation_;
        log::info("state: {} ({})", failover::state_name(standby_->state()), standby_->reason());
    }
    for (const auto& action : actions) {
        if (mode_ != Mode::standby || stopping_)
            break;
        perform(action);
    }
    if (mode_ == Mode::standby)
        schedule();
}

void DaemonLoop::perform(const failover::Action& action) {
    const auto generation = check_generation_;
    const auto config = config_;
    const auto self = self_;
    switch (action.act) {
        case Act::check_upstream: {
            const auto upstream = *upstream_;
            // A witness copies the metadata from the primary every witness_sync_interval.
            const auto now = failover::Clock::now();
            const bool sync_witness = self.type == "witness" && now >= next_witness_sync_;
            if (sync_witness)
                next_witness_sync_ = now + std::chrono::seconds(config.witness_sync_interval);
            background(
                [config, self, upstream, sync_witness] {
                    auto result = check_upstream(config, upstream.conninfo);
                    if (result.alive && sync_witness)
                        sync_witness_metadata(config, upstream);
                    const auto local = result.alive ? after_upstream_seen(config, self, upstream)
                                                    : local_paused(config);
                    return std::make_pair(result, local);
                },
                [this, generation, upstream](std::pair<CheckResult, LocalCheck> outcome) {
                    if (generation != check_generation_ || !standby_)
                        return;
                    standby_->set_paused(outcome.second.paused);
                    if (outcome.second.record_has_upstream)
                        record_has_upstream_ = *outcome.second.record_has_upstream;
                    if (!outcome.second.reachable) {
                        log::warning("unable to connect to local node: {}", outcome.second.error);
                        feed({Observed::local_lost, 0, outcome.second.error});
                        return;
                    }
                    if (outcome.first.alive) {
                        // Moved by someone else (a switchover, a manual follow): watch the new
                        // upstream, or its failure would be taken for the old one's.
                        // Not right after this daemon moved it itself: the local copy of the
                        // metadata may not have replayed that yet.
                        const auto& recorded = outcome.second.recorded_upstream;
                        if (recorded && recorded->active &&
                            failover::Clock::now() >= upstream_settled_at_ &&
                            standby_->state() == failover::StandbyState::monitoring) {
                            log::notice("this node's upstream is now {} in the metadata",
                                        describe(*recorded));
                            begin_standby(*recorded);
                            return;
                        }
                        watch_upstream();
                        feed({Observed::upstream_alive, 0, {}});
                        return;
                    }
                    // Each attempt is worth a line; degraded monitoring's repeats are not.
                    log::at(standby_->state() == failover::StandbyState::degraded
                                ? log::Level::debug
                                : log::Level::warning,
                            "unable to connect to upstream node {}: {}", describe(upstream),
                            outcome.first.error);
                    feed(
                        {Observed::upstream_lost, 0,
                         fmt::format("unable to connect to upstream node {}", describe(upstream))});
                });
            break;
        }
        case Act::look_for_primary: {
            if (looking_for_primary_)
                break;
            looking_for_primary_ = true;
            const int failed = upstream_->node_id;
            const bool newly_promoted_only =
                standby_->state() == failover::StandbyState::reconnecting;
            background(
                [config, self, failed, newly_promoted_only] {
                    return find_new_primary(config, self.node_id, failed, newly_promoted_only);
                },
                [this](std::optional<int> found) {
                    looking_for_primary_ = false;
                    if (found)
                        feed({Observed::new_primary, *found, {}});
                });
            break;
        }
        case Act::run_election: {
            const auto upstream = *upstream_;
            log::notice("upstream node {} is gone: starting the election", describe(upstream));
            background(
                [config, self, upstream] { return run_election(config, self, upstream); },
                [this](ElectionRun run) {
                    for (const auto& reason : run.outcome.reasons)
                        log::info("election: {}", reason);
                    election_locks_ = std::move(run.locks);
                    feed(
                        {verdict_observation(run.outcome.verdict), run.outcome.winner_node_id,
                         run.outcome.reasons.empty() ? std::string() : run.outcome.reasons.back()});
                });
            break;
        }
        case Act::promote: {
            const auto old_primary = *upstream_;
            const bool record_has_upstream = record_has_upstream_;
            background(
                [config, self, old_primary, record_has_upstream] {
                    return promote(config, self, old_primary, record_has_upstream);
                },
                [this](StepResult result) {
                    election_locks_.reset();
                    if (!result.ok)
                        log::error("promotion failed: {}{}", result.detail,
                                   result.hint.empty() ? "" : "\nHINT: " + result.hint);
                    feed({result.ok ? Observed::promote_succeeded : Observed::promote_failed, 0,
                          result.detail});
                });
            break;
        }
        case Act::notify_siblings:
            // The promote step told the siblings already (before its own bookkeeping, so they
            // follow sooner); what is left is to monitor as the primary.
            begin_primary(fmt::format("this node {} is now the primary", describe(self_)));
            break;
        case Act::follow: {
            const int target = action.node_id;
            background(
                [config, self,
                 target]() -> std::pair<StepResult, std::optional<cluster::NodeRecord>> {
                    const auto primary = find_record(config, target);
                    if (!primary)
                        return {{false, fmt::format("node {} is not in the metadata", target)},
                                std::nullopt};
                    log::notice("following new primary {}", describe(*primary));
                    if (self.type == "witness")
                        return {witness_follow(config, self, *primary), primary};
                    return {follow(config, self, *primary), primary};
                },
                [this](std::pair<StepResult, std::optional<cluster::NodeRecord>> outcome) {
                    if (!outcome.first.ok || !outcome.second) {
                        log::error("follow failed: {}", outcome.first.detail);
                        feed({Observed::follow_failed, 0, outcome.first.detail});
                        return;
                    }
                    upstream_ = outcome.second;
                    upstream_settled_at_ = failover::Clock::now() + kMetadataSettle;
                    // The record was read from this node's copy of the metadata, which cannot
                    // have seen the promotion yet: it still says "standby", and the next failure
                    // of this upstream would be taken for a cascaded standby's.
                    upstream_->type = "primary";
                    self_.upstream_node_id = upstream_->node_id;
                    upstream_watch_.close();
                    feed({Observed::follow_succeeded, upstream_->node_id, {}});
                    log::notice("monitoring connection to upstream node {}", describe(*upstream_));
                    watch_upstream();
                });
            break;
        }
        case Act::check_local:
            background(
                [config] {
                    std::string error;
                    return check_local(config, &error) != failover::LocalSeen::unreachable;
                },
                [this, generation](bool back) {
                    if (generation != check_generation_)
                        return;
                    feed({back ? Observed::local_back : Observed::local_lost, 0, {}});
                });
            break;
        case Act::set_local_active: {
            const bool active = action.successful;
            const auto primary_conninfo = upstream_conninfo_if_primary();
            background(
                [config, active, primary_conninfo] {
                    set_local_active(config, active, primary_conninfo);
                    return true;
                },
                [](bool) {});
            break;
        }
        default:
            perform_either(action, "standby");
            break;
    }
}

// --- primary mode ---

void DaemonLoop::begin_primary(const std::string& why) {
    mode_ = Mode::primary;
    standby_.reset();
    upstream_.reset();
    self_.upstream_node_id.reset();
    ++check_generation_;
    upstream_watch_.close();
    primary_.emplace(failover::primary_timing(config_), failover::Clock::now());
    log::notice("{}", why);
    schedule();
}

void DaemonLoop::primary_tick() {
    if (primary_)
        perform_primary(primary_->tick(failover::Clock::now()));
}

void DaemonLoop::perform_primary(const std::vector<failover::Action>& actions) {
    const auto generation = check_generation_;
    const auto config = config_;
    const int self_id = self_.node_id;
    const auto pid_file = hooks_.pid_file;
    for (const auto& action : actions) {
        if (mode_ != Mode::primary || stopping_)
            return;
        switch (action.act) {
            case Act::check_local:
                background(
                    [config, pid_file] {
                        std::string error;
                        const auto seen = check_local(config, &error);
                        const bool paused = seen == failover::LocalSeen::unreachable
                                                ? false
                                                : primary_heartbeat(config, pid_file);
                        return std::make_tuple(seen, error, paused);
                    },
                    [this, generation](std::tuple<failover::LocalSeen, std::string, bool> seen) {
                        if (generation != check_generation_ || !primary_)
                            return;
                        primary_->set_paused(std::get<2>(seen));
                        // Said once when the node goes away; while it stays away, at DEBUG.
                        if (std::get<0>(seen) == failover::LocalSeen::unreachable)
                            log::at(primary_->state() == failover::PrimaryState::running
                                        ? log::Level::warning
                                        : log::Level::debug,
                                    "unable to connect to local node: {}", std::get<1>(seen));
                        perform_primary(primary_->local(std::get<0>(seen), std::get<1>(seen),
                                                        failover::Clock::now()));
                        schedule();
                    });
                break;
            case Act::check_children:
                background([config, self_id] { return check_children(config, self_id); },
                           [this, generation](ChildReport report) {
                               if (generation != check_generation_ || !primary_)
                                   return;
                               if (!report.ok)
                                   primary_->children_unknown();
                               else
                                   perform_primary(primary_->children(
                                       report.registered, report.attached, failover::Clock::now()));
                               schedule();
                           });
                break;
            case Act::run_child_disconnect_command: {
                const auto detail = action.detail;
                background(
                    [config, detail] {
                        run_child_disconnect_command(config, detail);
                        return true;
                    },
                    [](bool) {});
                break;
            }
            case Act::become_standby:
                background(
                    [config, self_id]() -> std::optional<cluster::NodeRecord> {
                        auto local = open(config.conninfo, config);
                        if (!local)
                            return std::nullopt;
                        auto primary = cluster::connect_primary(*local);
                        if (!primary)
                            return std::nullopt;
                        try {
                            cluster::set_standby_of(primary->conn, self_id,
                                                    primary->record.node_id);
                        } catch (const pg::PgError& e) {
                            log::warning("unable to update this node's record: {}", e.what());
                        }
                        return primary->record;
                    },
                    [this](std::optional<cluster::NodeRecord> primary) {
                        if (!primary) {
                            stop(1,
                                 "the local node restarted as a standby, but no primary was found "
                                 "to monitor");
                            return;
                        }
                        self_.type = "standby";
                        record_has_upstream_ = true;
                        begin_standby(*primary);
                    });
                break;
            default:
                perform_either(action, "primary");
                break;
        }
    }
}

// --- both ---

void DaemonLoop::perform_either(const failover::Action& action, const char* machine) {
    switch (action.act) {
        case Act::record_event:
            // repmgr fills %p only for the events the promote and follow steps record.
            record(action.event, action.successful, action.detail);
            break;
        case Act::give_up:
            stop(kErrMonitoringTimeout, action.detail);
            break;
        default:
            log::error("internal error: the {} monitor asked for \"{}\", which it does not own",
                       machine, failover::act_name(action.act));
            break;
    }
}

void DaemonLoop::schedule() {
    if (stopping_)
        return;
    const auto wake = mode_ == Mode::standby && standby_ ? standby_->next_wake()
                      : primary_                         ? primary_->next_wake()
                                 : failover::Clock::now() + std::chrono::seconds(1);
    timer_.expires_at(wake);
    timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
        if (ec || !*alive || stopping_)
            return;
        if (mode_ == Mode::standby)
            feed({Observed::tick, 0, {}});
        else
            primary_tick();
        schedule();
    });
}

void DaemonLoop::record(const std::string& event, bool successful, const std::string& detail) {
    const auto config = config_;
    const cluster::Event row{self_.node_id, event,        successful,  detail,
                             std::nullopt,  std::nullopt, std::nullopt};
    const auto primary_conninfo = upstream_conninfo_if_primary();
    background(
        [config, row, primary_conninfo] {
            record_daemon_event(config, row, primary_conninfo);
            return true;
        },
        [](bool) {});
}

std::string DaemonLoop::upstream_conninfo_if_primary() const {
    return upstream_ && upstream_->type == "primary" ? upstream_->conninfo : std::string();
}

void DaemonLoop::reload() {
    if (hooks_.notify)
        hooks_.notify("RELOADING=1");
    log::notice("received SIGHUP: reloading the configuration file \"{}\"", config_.config_file);
    const std::uint64_t generation = ++reload_generation_;
    config::RepmgrConfig fresh;
    try {
        fresh = hooks_.reload_config();
        if (fresh.node_id != config_.node_id)
            throw std::runtime_error(
                fmt::format("node_id cannot be changed by a reload (from {} to {})",
                            config_.node_id, fresh.node_id));
        if (fresh.node_name != config_.node_name)
            throw std::runtime_error(
                fmt::format("node_name cannot be changed by a reload (from \"{}\" to \"{}\")",
                            config_.node_name, fresh.node_name));
    } catch (const std::exception& e) {
        reject_reload(e.what());
        return;
    }
    if (fresh.conninfo == config_.conninfo) {
        apply_reload(std::move(fresh));
        return;
    }
    // A new conninfo must connect before it is taken; the test runs off the loop (it may take
    // connect_timeout), and a later SIGHUP supersedes this one.
    background(
        [fresh]() -> std::pair<config::RepmgrConfig, std::string> {
            std::string error;
            if (!open(fresh.conninfo, fresh, &error) && error.empty())
                error = "unknown error";
            return {fresh, error};
        },
        [this, generation](std::pair<config::RepmgrConfig, std::string> tested) {
            if (generation != reload_generation_)
                return;
            if (!tested.second.empty())
                reject_reload("the new conninfo does not connect: " + tested.second);
            else
                apply_reload(std::move(tested.first));
        });
}

void DaemonLoop::reject_reload(const std::string& why) {
    log::error("configuration not reloaded, the current one stays in use: {}", why);
    // The log file is reopened all the same: logrotate sends SIGHUP for that.
    if (const auto error = log::open_file(config_.log_file))
        log::error("{}", *error);
    if (hooks_.notify)
        hooks_.notify("READY=1");
}

void DaemonLoop::apply_reload(config::RepmgrConfig fresh) {
    if (const auto error = log::open_file(fresh.log_file)) {
        log::error("{}; keeping the previous log destination", *error);
        fresh.log_file = config_.log_file;
        log::open_file(config_.log_file);
    }
    if (fresh.log_level)
        log::set_level(*fresh.log_level);
    config_ = std::move(fresh);
    if (standby_)
        standby_->reconfigure(failover::standby_timing(config_),
                              config_.failover == config::FailoverMode::automatic);
    if (primary_)
        primary_->reconfigure(failover::primary_timing(config_));
    log::notice("configuration file reloaded");
    log_status_later();
    record("repmgrd_reload", true,
           fmt::format("configuration file \"{}\" reloaded", config_.config_file));
    schedule();
    if (hooks_.notify)
        hooks_.notify("READY=1");
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
    timer_.cancel();
    watch_timer_.cancel();
    status_timer_.cancel();
    upstream_watch_.close();
    asio::post(workers_, [this, alive = alive_, config, row] {
        record_daemon_event(config, row);
        asio::post(io_, [this, alive] {
            if (*alive)
                io_.stop();
        });
    });
}

}  // namespace pgwarden::daemon
