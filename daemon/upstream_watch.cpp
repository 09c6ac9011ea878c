// The standby's idle connection to its upstream: a dropped connection is reported to the
// machine at once instead of at the next monitor_interval_secs check.
#include "daemon_loop.hpp"

namespace pgwarden::daemon {
namespace {

// libpq's non-blocking connect ignores connect_timeout: the watch connection gets its own.
constexpr std::chrono::seconds kWatchConnectTimeout{3};

}  // namespace

void DaemonLoop::watch_upstream() {
    if (!standby_ || !upstream_ || watch_connecting_ || upstream_watch_.connected())
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
                if (!*alive || stopping_ || !standby_ || !upstream_ ||
                    standby_->state() != failover::StandbyState::monitoring)
                    return;
                guarded("the upstream watch", [this, &why] {
                    log::warning("connection to upstream node {} lost: {}",
                                 model::describe(*upstream_), why);
                    ++check_generation_;
                    feed({failover::Observed::upstream_lost, 0,
                          fmt::format("unable to connect to upstream node {}",
                                      model::describe(*upstream_))});
                });
            });
        });
}

}  // namespace pgwarden::daemon
