// The standby's state machine when its own server leaves recovery without it (a promotion by
// hand, a promote_command that failed late): monitored as a primary, under the fencing rules.
#include "standby_monitor_world.hpp"

using namespace pgwarden::failover;
using namespace pgwarden::failover::testing;
using namespace std::chrono_literals;

namespace {

// A run driven into `state` the way the daemon gets there, with promotion_guard 4 s.
void reach(Run& run, StandbyState state) {
    run.world.upstream_up = false;
    run.world.jobs_hang = true;
    switch (state) {
        case StandbyState::monitoring:
            run.world.upstream_up = true;
            run.run_for(2s);
            break;
        case StandbyState::reconnecting:
            run.feed({Observed::upstream_lost, 0, "gone"});
            break;
        case StandbyState::lease_wait:
            // Two attempts take 1 s; the old lease runs 4 s from the loss.
            run.feed({Observed::upstream_lost, 0, "gone"});
            run.run_for(2s);
            break;
        case StandbyState::electing:
        case StandbyState::promoting:
        case StandbyState::waiting_for_primary:
        case StandbyState::following:
        case StandbyState::degraded:
            run.world.election = state == StandbyState::waiting_for_primary
                                     ? Observed::election_lost
                                 : state == StandbyState::following ? Observed::election_follow
                                 : state == StandbyState::degraded  ? Observed::election_cancelled
                                                                    : Observed::election_won;
            run.world.election_winner = 3;
            run.world.election_hangs = state == StandbyState::electing;
            run.feed({Observed::upstream_lost, 0, "gone"});
            run.run_until(run.now + 10s, [&] { return run.monitor.state() == state; });
            break;
        case StandbyState::local_down:
            run.world.local_up = false;
            run.feed({Observed::local_lost, 0, "connection refused"});
            break;
        default:
            break;
    }
}

MonitorTiming fenced_timing() {
    auto t = timing(2, 1);
    t.promotion_guard = 4s;
    return t;
}

}  // namespace

TEST_CASE("a standby promoted outside the daemon is monitored as the primary from any state",
          "[failover]") {
    const auto state =
        GENERATE(StandbyState::monitoring, StandbyState::reconnecting, StandbyState::lease_wait,
                 StandbyState::electing, StandbyState::promoting, StandbyState::waiting_for_primary,
                 StandbyState::following, StandbyState::degraded, StandbyState::local_down);
    Run run(fenced_timing());
    reach(run, state);
    INFO("from " << state_name(state));
    REQUIRE(run.monitor.state() == state);
    run.world.events.clear();
    run.world.performed.clear();

    run.feed({Observed::local_promoted, 0, "pg_is_in_recovery() is false on the local node"});
    CHECK(run.monitor.state() == StandbyState::promoted);
    CHECK(run.monitor.reason() ==
          "promoted outside pgwardend: pg_is_in_recovery() is false on the local node");
    // Why, recorded first: once the daemon switches machines, nothing after it runs.
    REQUIRE(run.world.performed.size() == 2);
    const auto* event = std::get_if<RecordEvent>(&run.world.performed[0]);
    REQUIRE(event != nullptr);
    CHECK(event->event == "pgwarden_promoted_outside");
    CHECK(event->successful);
    CHECK_THAT(event->detail,
               Catch::Contains("node 2 was promoted outside pgwardend (pg_is_in_recovery() is "
                               "false on the local node) while " +
                               std::string(state_name(state))));
    const auto* become = std::get_if<BecomePrimary>(&run.world.performed[1]);
    REQUIRE(become != nullptr);
    CHECK(become->outside == "pg_is_in_recovery() is false on the local node");
    // No lease from an election: none before an old primary's last one has run out.
    CHECK(become->first_lease_at == run.now + 4s);
}

TEST_CASE("a promote_command that failed after PostgreSQL promoted is not a failed promotion",
          "[failover]") {
    Run run(fenced_timing());
    reach(run, StandbyState::promoting);
    REQUIRE(run.monitor.state() == StandbyState::promoting);
    run.feed({Observed::local_promoted, 0,
              "promote_command did not finish in time and was killed, but the local node is out "
              "of recovery"});
    CHECK(run.monitor.state() == StandbyState::promoted);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(), "repmgrd_promote_error") ==
          0);
    CHECK(std::count(run.world.events.begin(), run.world.events.end(),
                     "pgwarden_promoted_outside") == 1);
    const auto* become = find_action<BecomePrimary>(run.world.performed);
    REQUIRE(become != nullptr);
    CHECK_THAT(become->outside, Catch::Contains("killed"));
}

TEST_CASE("without fencing an outside promotion waits for no old lease", "[failover]") {
    Run run(timing(2, 1));
    run.run_for(2s);
    run.feed({Observed::local_promoted, 0, "seen"});
    const auto* become = find_action<BecomePrimary>(run.world.performed);
    REQUIRE(become != nullptr);
    CHECK(become->first_lease_at == run.now);
}

TEST_CASE("the daemon's own promotion is no outside promotion", "[failover]") {
    Run run(timing(1, 1));
    run.world.upstream_up = false;
    run.feed({Observed::upstream_lost, 0, "gone"});
    REQUIRE(run.monitor.state() == StandbyState::promoted);
    const auto* become = find_action<BecomePrimary>(run.world.performed);
    REQUIRE(become != nullptr);
    CHECK(become->outside.empty());
    CHECK(std::count(run.world.events.begin(), run.world.events.end(),
                     "pgwarden_promoted_outside") == 0);
}

TEST_CASE("a witness, never in recovery, is not taken for a promoted standby", "[failover]") {
    auto witness = policy();
    witness.witness = true;
    Run run(timing(2, 1), witness);
    run.run_for(2s);
    run.world.notes.clear();
    run.feed({Observed::local_promoted, 0, "pg_is_in_recovery() is false on the local node"});
    CHECK(run.monitor.state() == StandbyState::monitoring);
    CHECK(find_action<BecomePrimary>(run.world.performed) == nullptr);
    CHECK(run.world.events.empty());
    CHECK(run.world.notes ==
          std::vector<std::string>{"no transition from monitoring on local_promoted"});
}

TEST_CASE("a standby promoted by a switchover the old primary handed over has no guard time",
          "[failover][handover]") {
    Run run(fenced_timing());
    reach(run, StandbyState::reconnecting);
    run.world.performed.clear();
    run.feed({Observed::local_promoted, 1, "node 1 handed over to it"});
    CHECK(run.monitor.state() == StandbyState::promoted);
    const auto* become = find_action<BecomePrimary>(run.world.performed);
    REQUIRE(become != nullptr);
    // The old primary's lease said fenced before its drain: the standing check alone decides.
    CHECK(become->first_lease_at == run.now);
    const auto* event = find_action<RecordEvent>(run.world.performed);
    REQUIRE(event != nullptr);
    CHECK_THAT(event->detail, Catch::Contains("(node 1 handed over to it: no guard time)"));
}
