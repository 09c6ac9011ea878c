// The standby machine's test world on a fake clock (failover_standby_*_test.cpp): a scripted
// upstream, elections, promotions and follows, every action answered at once.
#pragma once

#include "failover/standby_monitor.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pgwarden::failover::testing {

using namespace std::chrono_literals;

// A scripted world: the upstream is up or down; elections, promotions and follows end as told.
// Every action the machine asks for is answered at once, as the daemon would answer later.
struct World {
    bool upstream_up = true;
    Observed election = Observed::election_won;
    int election_winner = 0;
    bool promote_ok = true;
    bool follow_ok = true;
    // After a failed promotion or follow: the failed primary is the primary again.
    bool original_primary_back = false;
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

inline StandbyPolicy policy(bool automatic = true) {
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
        if (!world.promote_ok && world.original_primary_back) {
            feed({Observed::promote_aborted, 1,
                  "original primary \"node1\" (node ID: 1) reappeared"});
            return;
        }
        feed({world.promote_ok ? Observed::promote_succeeded : Observed::promote_failed, 0,
              "promote_command failed"});
    }
    void perform(const Follow& action) {
        if (world.jobs_hang)
            return;
        if (!world.follow_ok && world.original_primary_back) {
            world.upstream_up = true;
            feed({Observed::follow_aborted, 0, "original primary reappeared - no action taken"});
            return;
        }
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

inline MonitorTiming timing(int attempts, int interval_secs) {
    MonitorTiming t;
    t.monitor_interval = 1s;
    t.reconnect_attempts = attempts;
    t.reconnect_interval = std::chrono::seconds(interval_secs);
    t.primary_notification_timeout = 60s;
    t.election_rerun_interval = 15s;
    return t;
}

}  // namespace pgwarden::failover::testing
