// The standby's state machine on a fake clock: a 60-second outage runs in microseconds.
#include "standby_monitor_world.hpp"

using namespace pgwarden::failover;
using namespace pgwarden::failover::testing;
using namespace std::chrono_literals;

TEST_CASE("a healthy upstream is checked once per monitor interval", "[failover]") {
    Run run(timing(3, 1));
    run.run_for(10s);
    CHECK(run.monitor.state() == StandbyState::monitoring);
    CHECK(run.world.checks >= 10);
    CHECK(run.world.checks <= 11);
    CHECK(run.world.events.empty());
}

TEST_CASE("a dropped upstream connection starts the attempts at once and promotes after them",
          "[failover]") {
    Run run(timing(3, 1));
    run.run_for(1500ms);
    run.world.upstream_up = false;
    const TimePoint dropped = run.now;
    run.feed({Observed::upstream_lost, 0, "connection dropped"});
    run.run_until(dropped + 10s, [&] { return run.monitor.state() == StandbyState::promoted; });
    REQUIRE(run.monitor.state() == StandbyState::promoted);
    // Three attempts, two reconnect_interval sleeps between them: (3 - 1) x 1 s.
    CHECK(run.now - dropped == 2s);
    CHECK(run.world.elections == 1);
    CHECK(run.world.events.front() == "repmgrd_upstream_disconnect");
}

TEST_CASE("the upstream back inside the window causes no failover", "[failover]") {
    Run run(timing(6, 10));
    run.world.upstream_up = false;
    run.run_for(25s);  // the first failed check, then two more attempts
    CHECK(run.monitor.state() == StandbyState::reconnecting);
    run.world.upstream_up = true;
    run.run_for(15s);
    CHECK(run.monitor.state() == StandbyState::monitoring);
    CHECK(run.world.elections == 0);
    CHECK(run.world.events ==
          std::vector<std::string>{"repmgrd_upstream_disconnect", "repmgrd_upstream_reconnect"});
}

TEST_CASE("repmgr's defaults wait 50 seconds of attempts before the election", "[failover]") {
    Run run(timing(6, 10));
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "connection dropped"});
    run.run_until(run.now + 120s, [&] { return run.world.elections > 0; });
    CHECK(run.elapsed() == 50s);
}

TEST_CASE("a loser waits for the winner's announcement and follows it", "[failover]") {
    Run run(timing(2, 1));
    run.world.upstream_up = false;
    run.world.election = Observed::election_lost;
    run.world.election_winner = 3;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(3s);
    CHECK(run.monitor.state() == StandbyState::waiting_for_primary);
    run.world.announced_primary = 3;
    run.run_for(1s);
    CHECK(run.monitor.state() == StandbyState::monitoring);
    const auto* follow = find_action<Follow>(run.world.performed);
    REQUIRE(follow != nullptr);
    CHECK(follow->node_id == 3);
}

TEST_CASE("a notification during the attempts cuts the wait short", "[failover]") {
    Run run(timing(6, 10));
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(2s);
    run.world.announced_primary = 2;
    run.run_for(1s);
    CHECK(run.monitor.state() == StandbyState::monitoring);
    CHECK(run.world.elections == 0);
}

TEST_CASE("a loser that hears nothing goes degraded after primary_notification_timeout",
          "[failover]") {
    auto t = timing(1, 1);
    t.primary_notification_timeout = 30s;
    Run run(t);
    run.world.upstream_up = false;
    run.world.election = Observed::election_lost;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(29s);
    CHECK(run.monitor.state() == StandbyState::waiting_for_primary);
    run.run_for(2s);
    CHECK(run.monitor.state() == StandbyState::degraded);
}

TEST_CASE("a failed promotion is recorded and the election reruns after the interval",
          "[failover]") {
    Run run(timing(1, 1));
    run.world.upstream_up = false;
    run.world.promote_ok = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(1s);
    CHECK(run.monitor.state() == StandbyState::degraded);
    CHECK(run.world.elections == 1);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(), "repmgrd_promote_error") ==
          1);
    run.run_for(14s);
    CHECK(run.world.elections == 1);
    run.world.promote_ok = true;
    run.run_for(2s);
    CHECK(run.world.elections == 2);
    CHECK(run.monitor.state() == StandbyState::promoted);
}

TEST_CASE("a vetoed or cancelled election reruns after election_rerun_interval", "[failover]") {
    Run run(timing(1, 1));
    run.world.upstream_up = false;
    run.world.election = Observed::election_cancelled;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(16s);
    CHECK(run.world.elections == 2);
    CHECK(run.monitor.state() == StandbyState::degraded);
}

TEST_CASE("failover manual records the disconnect and never elects", "[failover]") {
    Run run(timing(2, 1), policy(false));
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(60s);
    CHECK(run.world.elections == 0);
    CHECK(run.monitor.state() == StandbyState::degraded);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(),
                     "standby_disconnect_manual") == 1);
}

TEST_CASE("a paused daemon does not elect until unpaused", "[failover]") {
    Run run(timing(2, 1));
    run.monitor.set_paused(true);
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(60s);
    CHECK(run.world.elections == 0);
    run.monitor.set_paused(false);
    run.run_for(16s);
    CHECK(run.world.elections == 1);
}

TEST_CASE("degraded monitoring gives up after degraded_monitoring_timeout", "[failover]") {
    auto t = timing(1, 1);
    t.degraded_monitoring_timeout = 20s;
    Run run(t, policy(false));
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(19s);
    CHECK(run.monitor.state() == StandbyState::degraded);
    run.run_for(2s);
    CHECK(run.monitor.state() == StandbyState::giving_up);
}

TEST_CASE("zero reconnect attempts go straight to the election", "[failover]") {
    Run run(timing(0, 10));
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    CHECK(run.world.elections == 1);
    CHECK(run.elapsed() == 0s);
}

TEST_CASE("a witness that loses the primary never elects and follows the new one", "[failover]") {
    auto witness = policy();
    witness.witness = true;
    Run run(timing(2, 1), witness);
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(30s);
    CHECK(run.world.elections == 0);
    CHECK(run.monitor.state() == StandbyState::degraded);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(),
                     "standby_disconnect_manual") == 0);
    run.world.announced_primary = 2;
    run.run_for(2s);
    CHECK(run.monitor.state() == StandbyState::monitoring);
    const auto* follow = find_action<Follow>(run.world.performed);
    REQUIRE(follow != nullptr);
    CHECK(follow->node_id == 2);
}

TEST_CASE("a standby whose own server stops records standby_failure, then standby_recovery",
          "[failover]") {
    Run run(timing(3, 1));
    run.run_for(2s);
    run.world.local_up = false;
    run.feed({Observed::local_lost, 0, "connection refused"});
    CHECK(run.monitor.state() == StandbyState::local_down);
    CHECK(run.world.events == std::vector<std::string>{"standby_failure"});
    const auto* inactive = find_action<SetLocalActive>(run.world.performed);
    REQUIRE(inactive != nullptr);
    CHECK_FALSE(inactive->active);
    // Down, it checks its own server each interval and nothing else.
    const auto checks_before = run.world.checks;
    run.run_for(3s);
    CHECK(run.world.checks == checks_before);
    CHECK(count_actions<CheckLocal>(run.world.performed) >= 3);
    run.world.local_up = true;
    run.run_for(1s);
    CHECK(run.monitor.state() == StandbyState::monitoring);
    CHECK(run.world.events.back() == "standby_recovery");
    CHECK(run.world.elections == 0);
}

TEST_CASE(
    "the standby machine refuses a win without an upstream record, with the reason and the hint",
    "[failover]") {
    Run run(timing(1, 1));
    run.monitor.set_record_has_upstream(false);
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    CHECK(run.world.elections == 1);
    CHECK(count_actions<Promote>(run.world.performed) == 0);
    CHECK(run.monitor.state() == StandbyState::degraded);
    CHECK(run.world.events.back() == "repmgrd_promote_error");
    const auto* explained = find_action<Explain>(run.world.performed);
    REQUIRE(explained != nullptr);
    CHECK(explained->severity == Severity::error);
    CHECK(explained->message.find("has no upstream node") != std::string::npos);
    CHECK(explained->hint.find("always_promote=true") != std::string::npos);
}

TEST_CASE("with always_promote a winner without an upstream promotes, with a warning",
          "[failover]") {
    auto p = policy();
    p.always_promote = true;
    Run run(timing(1, 1), p);
    run.monitor.set_record_has_upstream(false);
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    CHECK(run.monitor.state() == StandbyState::promoted);
    CHECK(count_actions<Promote>(run.world.performed) == 1);
    CHECK(count_actions<BecomePrimary>(run.world.performed) == 1);
    const auto* explained = find_action<Explain>(run.world.performed);
    REQUIRE(explained != nullptr);
    CHECK(explained->severity == Severity::warning);
}

TEST_CASE("every row that runs says why, and an event no row takes is noted", "[failover]") {
    Run run(timing(2, 1));
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    REQUIRE_FALSE(run.world.notes.empty());
    CHECK(run.world.notes.front() ==
          "monitoring on upstream_lost: the upstream is lost: the first reconnect attempt at "
          "once, a dropped connection is not yet a dead server");
    run.world.notes.clear();
    // A promotion result while reconnecting belongs to no row of that state.
    run.feed({Observed::promote_succeeded, 0, {}});
    CHECK(run.world.notes == std::vector<std::string>{"no transition from reconnecting on "
                                                      "promote_succeeded"});
    CHECK(run.monitor.state() == StandbyState::reconnecting);
}

TEST_CASE("a tick that only starts a due check says nothing", "[failover]") {
    Run run(timing(3, 1));
    run.run_for(5s);
    CHECK(run.world.checks >= 5);
    REQUIRE_FALSE(run.world.notes.empty());
    for (const auto& note : run.world.notes)
        CHECK(note == "monitoring on upstream_alive: the upstream answered");
}

TEST_CASE(
    "a failed promotion with the original primary back is repmgrd's failover abort: "
    "monitoring resumes, no election rerun",
    "[failover]") {
    Run run(timing(1, 1));
    run.world.upstream_up = false;
    run.world.promote_ok = false;
    run.world.original_primary_back = true;
    run.feed({Observed::upstream_lost, 0, "gone"});
    CHECK(run.monitor.state() == StandbyState::monitoring);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(), "repmgrd_failover_abort") ==
          1);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(), "repmgrd_promote_error") ==
          0);
    run.world.upstream_up = true;
    run.run_for(30s);
    CHECK(run.world.elections == 1);
    CHECK(run.monitor.state() == StandbyState::monitoring);
}

TEST_CASE("a failed follow with the original primary back is repmgrd's failover aborted",
          "[failover]") {
    Run run(timing(1, 1));
    run.world.upstream_up = false;
    run.world.election = Observed::election_lost;
    run.world.election_winner = 2;
    run.world.announced_primary = 2;
    run.world.follow_ok = false;
    run.world.original_primary_back = true;
    run.feed({Observed::upstream_lost, 0, "gone"});
    run.run_for(10s);
    CHECK(run.monitor.state() == StandbyState::monitoring);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(),
                     "repmgrd_failover_aborted") == 1);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(), "repmgrd_failover_follow") ==
          0);
}
