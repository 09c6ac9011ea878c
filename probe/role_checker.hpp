// Answers RoleSource::check from one persistent libpq connection. Checks that arrive while a query
// is in flight share the next query, so an answer never predates its request and a burst of
// requests costs one query, not one each. Each answer carries the accept check's latest verdict.
#pragma once

#include "accept_checker.hpp"
#include "lease_reader.hpp"
#include "metrics.hpp"
#include "pg/async_connection.hpp"
#include "pg/host_resolver.hpp"
#include "role_source.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <deque>
#include <optional>
#include <string>

namespace pgwarden::probe {

struct CheckerSettings {
    std::string conninfo;
    std::chrono::milliseconds query_timeout{2000};  // connect + query, per check
    std::chrono::milliseconds max_backoff{1000};    // between failed attempts
    // How old the WAL receiver's last message may be for the lag to count (receiver_freshness.hpp);
    // none: 3/4 of the standby's wal_receiver_timeout.
    std::optional<std::chrono::milliseconds> max_receiver_silence;
};

class RoleChecker : public RoleSource {
  public:
    // `accept` must outlive the checker; it learns of this checker's own reconnects. `lease`
    // (must outlive it too) is read for every answer.
    RoleChecker(boost::asio::io_context& io, CheckerSettings settings, Metrics& metrics,
                AcceptChecker& accept, LeaseReader& lease);
    void check(Callback done) override;
    void stop();

  private:
    using Clock = std::chrono::steady_clock;
    struct Waiter {
        Callback done;
        Clock::time_point arrival;
    };

    void start_attempt();
    void connect();
    void send_query();
    void finish_attempt(const Observation& observed);
    void schedule_next_attempt();
    void arm_deadline();
    void on_deadline();
    void answer_waiters(const Observation& state, Clock::time_point arrived_by);
    void note_observation(const cluster::NodeState& state);
    void note_lag_trust(const std::string& distrust);  // one log line per change
    cluster::NodeState unreachable(std::string error) const;

    boost::asio::io_context& io_;
    CheckerSettings settings_;
    Metrics& metrics_;
    AcceptChecker& accept_;
    LeaseReader& lease_;
    pg::AsyncConnection conn_;
    pg::HostResolver resolver_;  // host names, off the loop: libpq gets hostaddr=
    boost::asio::steady_timer deadline_timer_;
    boost::asio::steady_timer backoff_timer_;
    std::deque<Waiter> waiters_;  // in arrival order
    bool attempt_in_flight_ = false;
    bool backoff_pending_ = false;
    bool reused_connection_ = false;  // the attempt's query runs on a connection made earlier
    bool ever_connected_ = false;
    bool stopped_ = false;
    Clock::time_point attempt_start_{};
    Clock::time_point query_start_{};
    Clock::time_point last_failure_{};
    int consecutive_failures_ = 0;
    std::optional<cluster::Role> last_role_;
    std::optional<std::uint32_t> last_timeline_;
    std::string lag_distrusted_;  // why the lag was last forgotten; "" while it is believed
};

}  // namespace pgwarden::probe
