#include "role_checker.hpp"

#include "cluster/state_query.hpp"
#include "log/log.hpp"
#include "receiver_freshness.hpp"
#include "text/conninfo.hpp"

#include <algorithm>

namespace pgwarden::probe {

namespace asio = boost::asio;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {
constexpr milliseconds kFirstBackoff{20};
}

RoleChecker::RoleChecker(asio::io_context& io, CheckerSettings settings, Metrics& metrics,
                         AcceptChecker& accept, LeaseReader& lease)
    : io_(io),
      settings_(std::move(settings)),
      metrics_(metrics),
      accept_(accept),
      lease_(lease),
      conn_(io),
      resolver_(io),
      deadline_timer_(io),
      backoff_timer_(io) {
    // Name the session so operators can find the probe's single backend in pg_stat_activity.
    settings_.conninfo =
        text::with_default(settings_.conninfo, "fallback_application_name", "pgwarden-probe");
    conn_.on_broken([](const std::string& error) {
        log::info("connection to PostgreSQL closed while idle ({}); reconnecting on next check",
                  error);
    });
}

void RoleChecker::check(Callback done) {
    if (stopped_) {
        asio::post(io_, [done = std::move(done), state = unreachable("the probe is stopping")] {
            done(state);
        });
        return;
    }
    const bool first_waiter = waiters_.empty();
    waiters_.push_back({std::move(done), Clock::now()});
    if (first_waiter)
        arm_deadline();
    if (!attempt_in_flight_ && !backoff_pending_)
        schedule_next_attempt();
}

void RoleChecker::stop() {
    stopped_ = true;
    deadline_timer_.cancel();
    backoff_timer_.cancel();
    resolver_.cancel();
    conn_.close();
    attempt_in_flight_ = false;
    answer_waiters(unreachable("the probe is stopping"), Clock::time_point::max());
}

cluster::NodeState RoleChecker::unreachable(std::string error) const {
    cluster::NodeState state;
    state.error = std::move(error);
    return state;
}

void RoleChecker::schedule_next_attempt() {
    if (waiters_.empty() || stopped_)
        return;
    milliseconds delay{0};
    if (consecutive_failures_ > 1) {
        const auto exponent = std::min(consecutive_failures_ - 2, 16);
        delay = std::min(settings_.max_backoff, kFirstBackoff * (1 << exponent));
    }
    const auto start_at = last_failure_ + delay;
    if (consecutive_failures_ <= 1 || Clock::now() >= start_at) {
        start_attempt();
        return;
    }
    backoff_pending_ = true;
    backoff_timer_.expires_at(start_at);
    backoff_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec)
            return;
        backoff_pending_ = false;
        schedule_next_attempt();
    });
}

void RoleChecker::start_attempt() {
    attempt_in_flight_ = true;
    attempt_start_ = Clock::now();
    arm_deadline();
    if (conn_.connected()) {
        reused_connection_ = true;
        send_query();
    } else {
        connect();
    }
}

void RoleChecker::connect() {
    reused_connection_ = false;
    resolver_.resolve(
        settings_.conninfo, [this](const std::string& conninfo, const std::string& resolve_error) {
            if (!resolve_error.empty()) {
                accept_.note_connect_result(resolve_error);
                finish_attempt(unreachable(fmt::format("cannot connect: {}", resolve_error)));
                return;
            }
            conn_.async_connect(conninfo, [this](const std::string& error) {
                accept_.note_connect_result(error);
                if (!error.empty()) {
                    finish_attempt(unreachable(fmt::format("cannot connect: {}", error)));
                    return;
                }
                if (ever_connected_)
                    metrics_.count_reconnect();
                ever_connected_ = true;
                log::debug("connected to PostgreSQL \"{}\" (backend pid {})",
                           text::mask_password(settings_.conninfo), conn_.server_pid());
                send_query();
            });
        });
}

void RoleChecker::send_query() {
    query_start_ = Clock::now();
    conn_.async_query(probe_state_query(), [this](pg::Result result, const std::string& error) {
        const double seconds = std::chrono::duration<double>(Clock::now() - query_start_).count();
        metrics_.observe_query(seconds, error.empty());
        if (!error.empty()) {
            // A connection made earlier may have died unnoticed (server restart): one fresh
            // connection within the same attempt before declaring the node unreachable.
            if (reused_connection_ && !conn_.connected()) {
                connect();
                return;
            }
            conn_.close();
            finish_attempt(unreachable(fmt::format("check query failed: {}", error)));
            return;
        }
        if (result.rows() != 1 || result.columns() != kProbeStateColumns) {
            conn_.close();
            finish_attempt(unreachable("check query returned an unexpected shape"));
            return;
        }
        Observation state =
            cluster::parse_node_state(result.optional_value(0, 0), result.optional_value(0, 1),
                                      result.optional_value(0, 2), result.optional_value(0, 3));
        if (state.streaming)
            state.receive_lag_bytes = parse_receive_lag(result.optional_value(0, 6));
        const auto why = distrust_stale_lag(
            state, parse_receiver_silence(result.optional_value(0, 4), result.optional_value(0, 5)),
            settings_.max_receiver_silence);
        note_lag_trust(why);
        finish_attempt(state);
    });
}

void RoleChecker::finish_attempt(const Observation& observed) {
    attempt_in_flight_ = false;
    Observation state = observed;
    state.accepting_connections = accept_.accepting();
    // The lease matters only where the server would otherwise count as a primary.
    if (state.reachable && !state.in_recovery) {
        const auto lease = lease_.look();
        if (lease.enforced) {
            state.lease_allows_primary = lease.allows_primary;
            state.lease_note = lease.why;
        }
        metrics_.set_lease(lease.enforced, lease.allows_primary);
    }
    if (state.reachable && state.in_recovery)
        state.sync_state = lease_.sync_state();
    if (state.reachable) {
        consecutive_failures_ = 0;
    } else {
        ++consecutive_failures_;
        last_failure_ = Clock::now();
    }
    note_observation(state);
    // Only requests that arrived before this attempt started may take its answer.
    answer_waiters(state, attempt_start_);
    arm_deadline();
    schedule_next_attempt();
}

void RoleChecker::answer_waiters(const Observation& state, Clock::time_point arrived_by) {
    std::vector<Callback> ready;
    while (!waiters_.empty() && waiters_.front().arrival <= arrived_by) {
        ready.push_back(std::move(waiters_.front().done));
        waiters_.pop_front();
    }
    for (auto& done : ready)
        done(state);
}

void RoleChecker::arm_deadline() {
    std::optional<Clock::time_point> next;
    if (!waiters_.empty())
        next = waiters_.front().arrival + settings_.query_timeout;
    if (attempt_in_flight_) {
        const auto attempt_deadline = attempt_start_ + settings_.query_timeout;
        next = next ? std::min(*next, attempt_deadline) : attempt_deadline;
    }
    if (!next) {
        deadline_timer_.cancel();
        return;
    }
    deadline_timer_.expires_at(*next);
    deadline_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec)
            on_deadline();
    });
}

void RoleChecker::on_deadline() {
    const auto now = Clock::now();
    const auto timeout_ms = settings_.query_timeout.count();
    if (attempt_in_flight_ && now >= attempt_start_ + settings_.query_timeout) {
        // A hung server, network or resolver: drop the connection rather than wait on it.
        resolver_.cancel();
        conn_.close();
        finish_attempt(
            unreachable(fmt::format("no answer from PostgreSQL within {} ms", timeout_ms)));
        return;  // finish_attempt re-armed the deadline
    }
    const auto expired =
        unreachable(fmt::format("no check of PostgreSQL completed within {} ms", timeout_ms));
    answer_waiters(expired, now - settings_.query_timeout);
    arm_deadline();
}

void RoleChecker::note_lag_trust(const std::string& distrust) {
    if (distrust.empty() == lag_distrusted_.empty())
        return;
    if (distrust.empty())
        log::notice("the WAL receiver hears from the primary again: replay lag known");
    else
        log::warning("{}: replay lag unknown, ?lag= checks answer 503", distrust);
    lag_distrusted_ = distrust;
}

void RoleChecker::note_observation(const cluster::NodeState& state) {
    const cluster::Role role = cluster::role_of(state);
    metrics_.set_role(role);
    if (last_role_ == role &&
        (role == cluster::Role::unknown || last_timeline_ == state.timeline)) {
        return;
    }
    if (role == cluster::Role::unknown) {
        log::warning("PostgreSQL is unreachable: {}; answering 503", state.error);
    } else if (!last_role_) {
        log::notice("PostgreSQL is {} (timeline {})", cluster::role_name(role),
                    state.timeline ? fmt::format("{}", *state.timeline) : "unknown");
    } else {
        log::notice("role changed from {} to {} (timeline {})", cluster::role_name(*last_role_),
                    cluster::role_name(role),
                    state.timeline ? fmt::format("{}", *state.timeline) : "unknown");
    }
    last_role_ = role;
    last_timeline_ = state.timeline;
}

}  // namespace pgwarden::probe
