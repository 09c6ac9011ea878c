// The primary's machine and the standby's guard on a fake clock: an isolated primary's lease
// runs out and it fences itself strictly before any standby may elect.
#include "failover/primary_monitor.hpp"
#include "failover/standby_monitor.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <variant>

using namespace pgwarden::failover;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1000s;

template <typename What>
const What* find(const PrimaryStep& step) {
    for (const auto& a : step.actions)
        if (const auto* found = std::get_if<What>(&a))
            return found;
    return nullptr;
}

StandingVerdict standing(Standing s) {
    StandingVerdict v;
    v.standing = s;
    v.reason = std::string(standing_name(s));
    return v;
}

PrimaryTiming timing(FenceAction action = FenceAction::read_only) {
    PrimaryTiming t;
    t.monitor_interval = 1s;
    t.fence.action = action;
    t.fence.timeout = 10s;
    t.fence.balancer_margin = 6s;
    return t;
}

}  // namespace

TEST_CASE("a confirmed primary renews its lease from the time the evidence was gathered",
          "[fencing]") {
    PrimaryMonitor monitor(timing(), t0);
    REQUIRE(find<CheckPeers>(monitor.tick(t0)));
    const auto step = monitor.peers(standing(Standing::confirmed), t0, t0 + 300ms);
    const auto* renew = find<RenewLease>(step);
    REQUIRE(renew != nullptr);
    CHECK(renew->valid_until == t0 + 10s);
    CHECK(monitor.state() == PrimaryState::running);
}

TEST_CASE("an isolated primary fences itself when its lease runs out, and not before",
          "[fencing]") {
    PrimaryMonitor monitor(timing(), t0);
    monitor.tick(t0);
    monitor.peers(standing(Standing::confirmed), t0, t0);
    // The partition starts just after that confirmation.
    TimePoint now = t0;
    bool fenced = false;
    TimePoint fenced_at{};
    for (int i = 0; i < 100 && !fenced; ++i) {
        now = monitor.next_wake();
        auto step = monitor.tick(now);
        if (find<CheckPeers>(step))
            step = monitor.peers(standing(Standing::isolated), now, now);
        if (const auto* fence = find<Fence>(step)) {
            fenced = true;
            fenced_at = now;
            CHECK(fence->action == FenceAction::read_only);
        }
        CHECK_FALSE(find<RenewLease>(step));
    }
    REQUIRE(fenced);
    CHECK(monitor.state() == PrimaryState::fenced);
    CHECK(fenced_at == t0 + 10s);
}

TEST_CASE("a fenced primary that sees a majority again, with nobody promoted, is unfenced",
          "[fencing]") {
    PrimaryMonitor monitor(timing(), t0);
    monitor.peers(standing(Standing::isolated), t0, t0);
    monitor.tick(t0 + 10s);
    REQUIRE(monitor.state() == PrimaryState::fenced);
    const auto step = monitor.peers(standing(Standing::confirmed), t0 + 11s, t0 + 11s);
    CHECK(find<LiftFence>(step));
    CHECK(find<RenewLease>(step));
    CHECK(monitor.state() == PrimaryState::running);
}

TEST_CASE("a superseded primary is fenced at once and stays fenced", "[fencing]") {
    PrimaryMonitor monitor(timing(FenceAction::stop), t0);
    auto step = monitor.peers(standing(Standing::superseded), t0, t0);
    const auto* fence = find<Fence>(step);
    REQUIRE(fence != nullptr);
    CHECK(fence->action == FenceAction::stop);
    CHECK(monitor.state() == PrimaryState::fenced);
    step = monitor.peers(standing(Standing::confirmed), t0 + 5s, t0 + 5s);
    CHECK_FALSE(find<LiftFence>(step));
    CHECK_FALSE(find<RenewLease>(step));
    CHECK(monitor.state() == PrimaryState::fenced);
}

TEST_CASE("with fence-action off the lease follows the local role alone", "[fencing]") {
    PrimaryMonitor monitor(timing(FenceAction::off), t0);
    const auto step = monitor.peers(standing(Standing::isolated), t0 + 20s, t0 + 20s);
    CHECK(find<RenewLease>(step));
    CHECK(monitor.state() == PrimaryState::running);
    CHECK_FALSE(find<Fence>(monitor.tick(t0 + 60s)));
}

TEST_CASE("a new primary's first lease counts from its election", "[fencing]") {
    PrimaryMonitor monitor(timing(), t0 + 3s);
    PrimaryObservation promoted;
    promoted.what = PrimaryObserved::promoted;
    promoted.checked_at = t0;
    const auto step = monitor.handle(promoted, t0 + 3s);
    const auto* renew = find<RenewLease>(step);
    REQUIRE(renew != nullptr);
    CHECK(renew->valid_until == t0 + 10s);
}

TEST_CASE("a standby waits out the old primary's lease before it elects", "[fencing]") {
    MonitorTiming t;
    t.monitor_interval = 1s;
    t.reconnect_attempts = 3;
    t.reconnect_interval = 1s;
    t.promotion_guard = 16s;
    StandbyPolicy policy;
    policy.node_id = 2;
    StandbyMonitor monitor(t, policy, t0);
    TimePoint now = t0;
    TimePoint elected_at{};
    // Every check fails at once; an election is noted with its time.
    std::function<void(const Observation&)> feed = [&](const Observation& seen) {
        for (const auto& action : monitor.handle(seen, now).actions) {
            if (std::holds_alternative<RunElection>(action))
                elected_at = now;
            else if (std::holds_alternative<CheckUpstream>(action))
                feed({Observed::upstream_lost, 0, "gone"});
        }
    };
    feed({Observed::upstream_lost, 0, "gone"});
    for (int i = 0; i < 1000 && elected_at == TimePoint{}; ++i) {
        now = monitor.next_wake();
        feed({Observed::tick, 0, {}});
        if (monitor.state() == StandbyState::lease_wait)
            CHECK(now < t0 + 16s);
    }
    // The attempts end after 2 s; the election waits until the guard has passed.
    CHECK(elected_at == t0 + 16s);
}

TEST_CASE("the upstream coming back during the lease wait cancels the failover", "[fencing]") {
    MonitorTiming t;
    t.monitor_interval = 1s;
    t.reconnect_attempts = 1;
    t.promotion_guard = 16s;
    StandbyMonitor monitor(t, StandbyPolicy{}, t0);
    monitor.handle({Observed::upstream_lost, 0, "gone"}, t0);
    monitor.handle({Observed::upstream_lost, 0, "gone"}, t0);
    REQUIRE(monitor.state() == StandbyState::lease_wait);
    monitor.handle({Observed::upstream_alive, 0, {}}, t0 + 3s);
    CHECK(monitor.state() == StandbyState::monitoring);
}
