// The accept check: a fresh connection to the local server once an interval, so a frozen
// postmaster (SIGSTOP, a hung fork) is noticed although the probe's own backend keeps answering.
// HTTP checks never start one; they read the latest verdict.
#pragma once

#include "accept_health.hpp"
#include "metrics.hpp"
#include "pg/async_connection.hpp"
#include "pg/host_resolver.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <string>

namespace pgwarden::probe {

struct AcceptCheckSettings {
    std::string conninfo;  // the role checker's; the session gets its own application name
    AcceptTiming timing;
};

class AcceptChecker {
  public:
    AcceptChecker(boost::asio::io_context& io, AcceptCheckSettings settings, Metrics& metrics);
    AcceptChecker(const AcceptChecker&) = delete;
    AcceptChecker& operator=(const AcceptChecker&) = delete;

    void start();  // the first attempt at once, then one per interval
    void stop();

    // A connection the probe made elsewhere (the role checker's reconnect) just completed or
    // failed (`error` set): evidence about the accept path as good as our own attempt's.
    void note_connect_result(const std::string& error);

    // The latest verdict; the first call after it changes logs the change.
    bool accepting();

  private:
    using Clock = AcceptHealth::Clock;

    void start_attempt();
    void finish_attempt(const std::string& error);  // empty: the connection completed
    void schedule_next_attempt();

    AcceptCheckSettings settings_;
    Metrics& metrics_;
    AcceptHealth health_;
    pg::AsyncConnection conn_;
    pg::HostResolver resolver_;  // host names, off the loop: libpq gets hostaddr=
    boost::asio::steady_timer interval_timer_;
    boost::asio::steady_timer deadline_timer_;
    Clock::time_point attempt_start_{};
    bool attempt_in_flight_ = false;
    bool stopped_ = false;
};

}  // namespace pgwarden::probe
