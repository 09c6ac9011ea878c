// The standby's state machine on a fake clock: a 60-second outage runs in microseconds.
#include "failover/standby_monitor.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <variant>

using namespace pgwarden::failover;
using namespace std::chrono_literals;

namespace {

// A scripted world: the upstream is up or down; elections, promotions and follows end as told.
// Every action the machine asks for is answered at once, as the daemon would answer later.
struct World {
    bool upstream_up = true;
    Observed election = Observed::election_won;
    int election_winner = 0;
    bool promote_ok = true;
    bool follow_ok = true;
    std::optional<int> announced_primary;  // what look_for_primary finds
    bool local_up = true;                  // what check_local finds
    // Jobs that still run: their results never come.
    bool election_hangs = false;
    bool jobs_hang = false;  // the promotion and the follow

    int checks = 0;
    int elections = 0;
    std::vector<std::string> events;
    std::vector<StandbyAction> performed;
    std::vector<std::string> notes;
};

StandbyPolicy policy(bool automatic = true) {
    StandbyPolicy p;
    p.node_id = 2;
    p.automatic = automatic;
    return p;
}

template <typename What>
const What* find_action(const std::vector<StandbyAction>& actions) {
    for (const auto& action : actions)
        if (const auto* found = std::get_if<What>(&action))
            return found;
    return nullptr;
}

template <typename What>
long count_actions(const std::vector<StandbyAction>& actions) {
    return std::count_if(actions.begin(), actions.end(),
                         [](const StandbyAction& a) { return std::holds_alternative<What>(a); });
}

struct Run {
    World world;
    TimePoint start = TimePoint{} + 1000s;
    TimePoint now = start;
    StandbyMonitor monitor;

    explicit Run(MonitorTiming timing, StandbyPolicy p = policy())
        : monitor(timing, p, TimePoint{} + 1000s) {}

    void feed(const Observation& seen) {
        auto step = monitor.handle(seen, now);
        world.notes.insert(world.notes.end(), step.notes.begin(), step.notes.end());
        for (const StandbyAction& action : step.actions) {
            world.performed.push_back(action);
            std::visit([this](const auto& what) { perform(what); }, action);
        }
    }

    void perform(const CheckUpstream&) {
        ++world.checks;
        feed({world.upstream_up ? Observed::upstream_alive : Observed::upstream_lost, 0,
              "unable to connect to upstream node \"node1\" (ID: 1)"});
    }
    void perform(const LookForPrimary&) {
        if (world.announced_primary)
            feed({Observed::new_primary, *world.announced_primary, {}});
    }
    void perform(const RunElection&) {
        ++world.elections;
        if (world.election_hangs)
            return;
        feed({world.election, world.election_winner, "test"});
    }
    void perform(const Promote&) {
        if (world.jobs_hang)
            return;
        feed({world.promote_ok ? Observed::promote_succeeded : Observed::promote_failed, 0,
              "promote_command failed"});
    }
    void perform(const Follow& action) {
        if (world.jobs_hang)
            return;
        world.upstream_up = world.follow_ok;  // the followed primary is the new upstream
        feed({world.follow_ok ? Observed::follow_succeeded : Observed::follow_failed,
              action.node_id, "follow_command failed"});
    }
    void perform(const RecordEvent& action) { world.events.push_back(action.event); }
    void perform(const CheckLocal&) {
        feed({world.local_up ? Observed::local_back : Observed::local_lost, 0, "down"});
    }
    // Nothing to answer: the daemon switches machines, logs, exits or writes a flag.
    void perform(const BecomePrimary&) {}
    void perform(const Explain&) {}
    void perform(const GiveUp&) {}
    void perform(const SetLocalActive&) {}

    // Advances the fake clock from wake-up to wake-up until `until` (or the predicate holds).
    void run_until(
        TimePoint until, const std::function<bool()>& stop = [] { return false; }) {
        for (int guard = 0; guard < 100000 && now < until && !stop(); ++guard) {
            now = std::max(now, std::min(monitor.next_wake(), until));
            feed({Observed::tick, 0, {}});
        }
    }
    void run_for(std::chrono::milliseconds span) { run_until(now + span); }
    std::chrono::milliseconds elapsed() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(now - start);
    }
};

MonitorTiming timing(int attempts, int interval_secs) {
    MonitorTiming t;
    t.monitor_interval = 1s;
    t.reconnect_attempts = attempts;
    t.reconnect_interval = std::chrono::seconds(interval_secs);
    t.primary_notification_timeout = 60s;
    t.election_rerun_interval = 15s;
    return t;
}

}  // namespace

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
