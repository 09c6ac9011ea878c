#include "daemon_loop.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using pgwarden::config::RepmgrConfig;
using pgwarden::daemon::job_time_limit;
using pgwarden::daemon::JobDeadlines;

TEST_CASE("a job that blocks the machine gets a limit from the connection timeouts",
          "[daemon][deadline]") {
    RepmgrConfig config;
    config.conninfo = "host=db1 dbname=repmgr";
    // One conversation with the defaults: connect_timeout 2 + async_query_timeout 60 = 62 s.
    CHECK(job_time_limit("checking the upstream", config) == 3 * 62s + 5s);
    CHECK(job_time_limit("checking the local node", config) == 3 * 62s + 5s);
    CHECK(job_time_limit("checking the child nodes", config) == 62s + 5s);
    CHECK(job_time_limit("looking for a new primary", config) == 2 * 62s + 5s);
    CHECK(job_time_limit("the election", config) == 6 * 62s + 5s);

    config.conninfo = "host=db1 connect_timeout=10";
    config.async_query_timeout = 20;
    CHECK(job_time_limit("checking the child nodes", config) == 30s + 5s);
    // A silence budget longer than the statement bound is what a conversation may take.
    config.async_query_timeout = 3;
    CHECK(job_time_limit("checking the child nodes", config) == 20s + 5s);
    // Neither a statement bound nor a connect limit: stand-ins, never no limit.
    config.conninfo = "host=db1 connect_timeout=0";
    config.async_query_timeout = 0;
    CHECK(job_time_limit("checking the child nodes", config) == 30s + 60s + 5s);
}

TEST_CASE("the election's limit includes its freeze and its validation command",
          "[daemon][deadline]") {
    RepmgrConfig config;
    config.conninfo = "host=db1";
    config.standby_disconnect_on_failover = true;
    config.sibling_nodes_disconnect_timeout = 30;
    CHECK(job_time_limit("the election", config) == 6 * 62s + 5s + 30s + 30s);
    config.failover_validation_command = "/bin/true";
    CHECK(job_time_limit("the election", config) == 6 * 62s + 5s + 30s + 30s + 60s);
}

TEST_CASE("promotions, follows and events are not cut", "[daemon][deadline]") {
    RepmgrConfig config;
    CHECK_FALSE(job_time_limit("the promotion", config));
    CHECK_FALSE(job_time_limit("the follow", config));
    CHECK_FALSE(job_time_limit("recording an event", config));
    CHECK_FALSE(job_time_limit("testing the new conninfo", config));
}

TEST_CASE("a deadline that passes first runs its failure and drops the late result",
          "[daemon][deadline]") {
    boost::asio::io_context io;
    JobDeadlines deadlines(io);
    int expired = 0;
    const auto ticket = deadlines.arm(10ms, [&] { ++expired; });
    CHECK(deadlines.pending() == 1);
    CHECK_FALSE(ticket.expired->load());
    io.run_for(2s);
    CHECK(expired == 1);
    CHECK(ticket.expired->load());
    CHECK(deadlines.pending() == 0);
    CHECK_FALSE(deadlines.settle(ticket));
}

TEST_CASE("a result that comes first cancels its deadline", "[daemon][deadline]") {
    boost::asio::io_context io;
    JobDeadlines deadlines(io);
    int expired = 0;
    const auto ticket = deadlines.arm(10ms, [&] { ++expired; });
    CHECK(deadlines.settle(ticket));
    CHECK_FALSE(deadlines.settle(ticket));  // settles once
    const auto started = std::chrono::steady_clock::now();
    io.run_for(2s);  // returns as soon as the cancelled wait has run
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(expired == 0);
    CHECK_FALSE(ticket.expired->load());
}

TEST_CASE("a deadline that fired but was not yet handled loses to the result",
          "[daemon][deadline]") {
    boost::asio::io_context io;
    JobDeadlines deadlines(io);
    int expired = 0;
    const auto ticket = deadlines.arm(1ms, [&] { ++expired; });
    std::this_thread::sleep_for(20ms);  // expired, its handler not run: io is not running
    CHECK(deadlines.settle(ticket));
    io.run_for(1s);
    CHECK(expired == 0);
}

TEST_CASE("a job without a deadline always settles", "[daemon][deadline]") {
    boost::asio::io_context io;
    JobDeadlines deadlines(io);
    const JobDeadlines::Ticket none;
    CHECK(deadlines.settle(none));
    CHECK(deadlines.settle(none));
}
