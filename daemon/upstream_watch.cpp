// The standby's idle connection to its upstream: a dropped connection is reported to the
// machine at once instead of at the next monitor_interval_secs check. Its host names are looked
// up off the loop (pg/host_resolver.hpp): libpq's own getaddrinfo would freeze the daemon's
// timers and signals for as long as a resolver is slow.
#include "daemon_loop.hpp"

namespace pgwarden::daemon {
namespace {

// libpq's non-blocking connect ignores connect_timeout: the watch connection gets its own,
// which also bounds the name lookup before it.
constexpr std::chrono::seconds kWatchConnectTimeout{3};

}  // namespace

void DaemonLoop::watch_upstream() {
    if (!standby_ || !upstream_ || watch_connecting_ || upstream_watch_.connected())
        return;
    watch_connecting_ = true;
    const auto attempt = ++watch_attempt_;
    watch_timer_.expires_after(kWatchConnectTimeout);
    watch_timer_.async_wait([this, alive = alive_, attempt](const boost::system::error_code& ec) {
        if (ec || !*alive || !watch_connecting_ || attempt != watch_attempt_)
            return;
        log::debug("upstream watch connection: no connection within {} s",
                   kWatchConnectTimeout.count());
        stop_watching_upstream();
    });
    // stop_watching_upstream() cancels the lookup and closes the connection, so neither handler
    // below runs for an attempt that was dropped.
    watch_resolver_.resolve(
        daemon_conninfo(upstream_->conninfo),
        [this, alive = alive_](const std::string& conninfo, const std::string& resolve_error) {
            if (!*alive)
                return;
            if (!resolve_error.empty()) {
                log::debug("upstream watch connection failed: {}", resolve_error);
                stop_watching_upstream();
                return;
            }
            // The resolver's completion runs outside any guarded handler: a throw from the
            // connect (no memory, no epoll slot) must cost this attempt (its deadline still
            // resets the watch), not the daemon.
            guarded("the upstream watch", [&] { connect_upstream_watch(conninfo); });
        });
}

void DaemonLoop::connect_upstream_watch(const std::string& conninfo) {
    upstream_watch_.async_connect(conninfo, [this, alive = alive_](const std::string& error) {
        if (!*alive)
            return;
        watch_connecting_ = false;
        watch_timer_.cancel();
        if (!error.empty()) {
            log::debug("upstream watch connection failed: {}", error);
            return;
        }
        upstream_watch_.on_broken([this, alive](const std::string& why) {
            if (!*alive || stopping_ || !standby_ || !upstream_ ||
                standby_->state() != failover::StandbyState::monitoring)
                return;
            guarded("the upstream watch", [this, &why] {
                log::warning("connection to upstream node {} lost: {}", model::describe(*upstream_),
                             why);
                ++check_generation_;
                feed({failover::Observed::upstream_lost, 0,
                      fmt::format("unable to connect to upstream node {}",
                                  model::describe(*upstream_))});
            });
        });
    });
}

void DaemonLoop::stop_watching_upstream() {
    watch_resolver_.cancel();
    upstream_watch_.close();
    watch_timer_.cancel();
    watch_connecting_ = false;
}

}  // namespace pgwarden::daemon
