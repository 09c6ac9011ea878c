// The accept check's verdict over a fake clock: a frozen postmaster, stepped through in
// microseconds.
#include "accept_health.hpp"
#include "metrics.hpp"

#include <catch2/catch.hpp>

#include <string>

using pgwarden::probe::AcceptHealth;
using pgwarden::probe::AcceptTiming;
using pgwarden::probe::kAcceptStaleIntervals;
using namespace std::chrono_literals;

namespace {

using Clock = AcceptHealth::Clock;
const Clock::time_point t0 = Clock::time_point{} + 1000s;

AcceptHealth one_second_checks() {
    return AcceptHealth(AcceptTiming{1000ms, 2000ms});
}

}  // namespace

TEST_CASE("before any result the node is not known to accept, and nothing is reported",
          "[probe][accept]") {
    auto health = one_second_checks();
    CHECK_FALSE(health.verdict(t0).accepting);
    CHECK_FALSE(health.take_change(t0));
}

TEST_CASE("a probe that starts against a healthy server accepts and logs nothing",
          "[probe][accept]") {
    auto health = one_second_checks();
    health.record_success(t0);
    CHECK(health.verdict(t0).accepting);
    CHECK(health.verdict(t0).reason.empty());
    CHECK_FALSE(health.take_change(t0));
}

TEST_CASE("a failed fresh connection fails the verdict at once, reported once, with the reason",
          "[probe][accept]") {
    auto health = one_second_checks();
    health.record_success(t0);
    health.record_failure("no answer within 2000 ms");

    const auto verdict = health.verdict(t0 + 3s);
    CHECK_FALSE(verdict.accepting);
    CHECK(verdict.reason == "a new connection failed: no answer within 2000 ms");
    const auto change = health.take_change(t0 + 3s);
    REQUIRE(change);
    CHECK_FALSE(change->accepting);
    CHECK_FALSE(health.take_change(t0 + 4s));  // one line per change, not per evaluation

    health.record_success(t0 + 5s);
    const auto back = health.take_change(t0 + 5s);
    REQUIRE(back);
    CHECK(back->accepting);
    CHECK_FALSE(health.take_change(t0 + 6s));
}

TEST_CASE("a first result that fails is reported, so a probe started on a frozen server says so",
          "[probe][accept]") {
    auto health = one_second_checks();
    health.record_failure("connection refused");
    const auto change = health.take_change(t0);
    REQUIRE(change);
    CHECK_FALSE(change->accepting);
}

TEST_CASE("without a success for three intervals plus a timeout the verdict fails by itself",
          "[probe][accept]") {
    auto health = one_second_checks();
    health.record_success(t0);
    CHECK(health.stale_after() == kAcceptStaleIntervals * 1000ms + 2000ms);
    CHECK(health.verdict(t0 + health.stale_after()).accepting);

    const auto stale = health.verdict(t0 + health.stale_after() + 1ms);
    CHECK_FALSE(stale.accepting);
    CHECK(stale.reason == "no new connection succeeded in the last 5001 ms");
    REQUIRE(health.take_change(t0 + health.stale_after() + 1ms));
}

TEST_CASE("a postmaster frozen between two checks is noticed within one interval and a timeout",
          "[probe][accept]") {
    auto health = one_second_checks();
    // One check a second, each a success, until the freeze at 10.5 s.
    for (int second = 0; second <= 10; ++second)
        health.record_success(t0 + std::chrono::seconds(second));
    // The check started at 11 s hangs: until its deadline the verdict stands...
    CHECK(health.verdict(t0 + 12900ms).accepting);
    // ...and its timeout at 13 s turns it.
    health.record_failure("no answer within 2000 ms");
    CHECK_FALSE(health.verdict(t0 + 13s).accepting);
    // Later timeouts keep it failed; the first success after SIGCONT restores it.
    health.record_failure("no answer within 2000 ms");
    CHECK_FALSE(health.verdict(t0 + 15s).accepting);
    health.record_success(t0 + 16s);
    CHECK(health.verdict(t0 + 16s).accepting);
}

TEST_CASE("metrics show the accept verdict and count failed accept checks", "[probe][accept]") {
    pgwarden::probe::Metrics metrics;
    CHECK_THAT(metrics.render(), Catch::Contains("pgwarden_probe_accepting_connections 0\n"));
    metrics.set_accepting(true);
    metrics.count_accept_failure();
    metrics.count_accept_failure();
    const auto text = metrics.render();
    CHECK_THAT(text, Catch::Contains("pgwarden_probe_accepting_connections 1\n"));
    CHECK_THAT(text,
               Catch::Contains("# TYPE pgwarden_probe_accept_check_failures_total counter\n"));
    CHECK_THAT(text, Catch::Contains("pgwarden_probe_accept_check_failures_total 2\n"));
}
