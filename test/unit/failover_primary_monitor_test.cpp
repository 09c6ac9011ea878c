// The primary's state machine: local restarts and the standbys attached to it.
#include "failover/primary_monitor.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;
using namespace std::chrono_literals;

namespace {

const TimePoint t0 = TimePoint{} + 1000s;

std::vector<std::string> events_of(const PrimaryStep& step) {
    std::vector<std::string> events;
    for (const auto& a : step.actions)
        if (const auto* event = std::get_if<RecordEvent>(&a))
            events.push_back(event->event);
    return events;
}

template <typename What>
bool has(const PrimaryStep& step) {
    return std::any_of(step.actions.begin(), step.actions.end(),
                       [](const PrimaryAction& a) { return std::holds_alternative<What>(a); });
}

const std::vector<ChildNode> kChildren{{2, "node2", false}, {3, "node3", false}, {9, "w", true}};

}  // namespace

TEST_CASE("a primary restarting inside the window is ridden out", "[failover]") {
    PrimaryMonitor monitor(PrimaryTiming{}, t0);
    auto actions = monitor.tick(t0);
    CHECK(has<CheckLocal>(actions));
    actions = monitor.local(LocalSeen::unreachable, "connection refused", t0);
    CHECK(events_of(actions) == std::vector<std::string>{"repmgrd_local_disconnect"});
    CHECK(monitor.state() == PrimaryState::local_down);
    CHECK(monitor.next_wake() == t0 + 1s);
    CHECK(has<CheckLocal>(monitor.tick(t0 + 1s)));
    actions = monitor.local(LocalSeen::primary, "", t0 + 1s);
    CHECK(events_of(actions) == std::vector<std::string>{"repmgrd_local_reconnect"});
    CHECK(monitor.state() == PrimaryState::running);
}

TEST_CASE("a primary that comes back as a standby hands over to standby monitoring", "[failover]") {
    PrimaryMonitor monitor(PrimaryTiming{}, t0);
    monitor.tick(t0);
    monitor.local(LocalSeen::unreachable, "gone", t0);
    monitor.tick(t0 + 1s);
    const auto actions = monitor.local(LocalSeen::standby, "", t0 + 1s);
    CHECK(events_of(actions) == std::vector<std::string>{"repmgrd_standby_reconnect"});
    CHECK(has<BecomeStandby>(actions));
    CHECK(monitor.state() == PrimaryState::handed_over);
}

TEST_CASE("a primary down longer than degraded_monitoring_timeout gives up", "[failover]") {
    PrimaryTiming timing;
    timing.degraded_monitoring_timeout = 10s;
    PrimaryMonitor monitor(timing, t0);
    monitor.tick(t0);
    monitor.local(LocalSeen::unreachable, "gone", t0);
    CHECK_FALSE(has<GiveUp>(monitor.tick(t0 + 9s)));
    monitor.local(LocalSeen::unreachable, "gone", t0 + 9s);
    CHECK(has<GiveUp>(monitor.tick(t0 + 10s)));
    CHECK(monitor.state() == PrimaryState::giving_up);
}

TEST_CASE("child nodes disconnecting and reconnecting are recorded", "[failover]") {
    PrimaryMonitor monitor(PrimaryTiming{}, t0);
    CHECK(events_of(monitor.children(kChildren, {2, 3}, t0)).empty());
    CHECK(events_of(monitor.children(kChildren, {2}, t0 + 5s)) ==
          std::vector<std::string>{"child_node_disconnect"});
    CHECK(events_of(monitor.children(kChildren, {2}, t0 + 10s)).empty());
    CHECK(events_of(monitor.children(kChildren, {2, 3}, t0 + 15s)) ==
          std::vector<std::string>{"child_node_reconnect"});
}

TEST_CASE("a child absent at start is not counted, and its first connection is new", "[failover]") {
    PrimaryTiming timing;
    timing.child_nodes_disconnect_min_count = 0;
    timing.child_nodes_disconnect_timeout = 0s;
    timing.has_disconnect_command = true;
    PrimaryMonitor monitor(timing, t0);
    auto actions = monitor.children(kChildren, {2}, t0);
    CHECK_FALSE(has<RunChildDisconnectCommand>(actions));
    actions = monitor.children(kChildren, {2, 3}, t0 + 5s);
    CHECK(events_of(actions) == std::vector<std::string>{"child_node_new_connect"});
}

TEST_CASE("the disconnect command runs once per episode after the timeout", "[failover]") {
    PrimaryTiming timing;
    timing.child_nodes_connected_min_count = 2;
    timing.child_nodes_disconnect_timeout = 30s;
    timing.has_disconnect_command = true;
    PrimaryMonitor monitor(timing, t0);
    monitor.children(kChildren, {2, 3}, t0);
    CHECK_FALSE(has<RunChildDisconnectCommand>(monitor.children(kChildren, {2}, t0 + 5s)));
    CHECK_FALSE(has<RunChildDisconnectCommand>(monitor.children(kChildren, {2}, t0 + 30s)));
    CHECK(has<RunChildDisconnectCommand>(monitor.children(kChildren, {2}, t0 + 35s)));
    CHECK_FALSE(has<RunChildDisconnectCommand>(monitor.children(kChildren, {2}, t0 + 40s)));
    // Healed, then a new episode.
    monitor.children(kChildren, {2, 3}, t0 + 45s);
    monitor.children(kChildren, {2}, t0 + 50s);
    CHECK(has<RunChildDisconnectCommand>(monitor.children(kChildren, {2}, t0 + 80s)));
}

TEST_CASE("the disconnect command never runs while paused", "[failover]") {
    PrimaryTiming timing;
    timing.child_nodes_disconnect_min_count = 0;
    timing.child_nodes_disconnect_timeout = 0s;
    timing.has_disconnect_command = true;
    PrimaryMonitor monitor(timing, t0);
    monitor.set_paused(true);
    monitor.children(kChildren, {2, 3}, t0);
    CHECK_FALSE(has<RunChildDisconnectCommand>(monitor.children(kChildren, {2}, t0 + 5s)));
}

TEST_CASE("the witness counts as a child only when asked to", "[failover]") {
    PrimaryTiming timing;
    timing.child_nodes_connected_min_count = 3;
    timing.child_nodes_disconnect_timeout = 0s;
    timing.has_disconnect_command = true;
    PrimaryMonitor without(timing, t0);
    CHECK(has<RunChildDisconnectCommand>(without.children(kChildren, {2, 3, 9}, t0)));
    timing.child_nodes_connected_include_witness = true;
    PrimaryMonitor with(timing, t0);
    CHECK_FALSE(has<RunChildDisconnectCommand>(with.children(kChildren, {2, 3, 9}, t0)));
}

TEST_CASE("the primary's rows say why, and an event no row takes is noted", "[failover]") {
    PrimaryMonitor monitor(PrimaryTiming{}, t0);
    monitor.tick(t0);
    auto step = monitor.local(LocalSeen::unreachable, "gone", t0);
    REQUIRE(step.notes.size() == 1);
    CHECK(step.notes.front() ==
          "monitoring the primary on local_unreachable: the local node does not answer: checked "
          "again in a second, a restart is ridden out");
    monitor.tick(t0 + 1s);
    monitor.local(LocalSeen::standby, "", t0 + 1s);
    REQUIRE(monitor.state() == PrimaryState::handed_over);
    step = monitor.local(LocalSeen::primary, "", t0 + 2s);
    CHECK(step.actions.empty());
    CHECK(step.notes ==
          std::vector<std::string>{"no transition from restarted as a standby on local_primary"});
}
