#include "cluster/node_state.hpp"
#include "cluster/state_query.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cluster;

TEST_CASE("a primary's check row reads as a writable primary", "[node_state]") {
    const auto state = parse_node_state("f", "3", std::nullopt, std::nullopt);
    CHECK(state.reachable);
    CHECK_FALSE(state.in_recovery);
    CHECK(state.timeline == 3U);
    CHECK_FALSE(state.streaming);
    CHECK_FALSE(state.replay_lag_bytes);
    CHECK(role_of(state) == Role::primary);
    CHECK(is_writable_primary(state));
}

TEST_CASE("a streaming standby's row carries its lag", "[node_state]") {
    const auto state = parse_node_state("t", "1", "streaming", "4096");
    CHECK(role_of(state) == Role::standby);
    CHECK_FALSE(is_writable_primary(state));
    CHECK(state.streaming);
    CHECK(state.replay_lag_bytes == 4096U);
}

TEST_CASE("a standby whose WAL receiver is not streaming has unknown lag", "[node_state]") {
    const auto state = parse_node_state("t", std::nullopt, "waiting", "10");
    CHECK(role_of(state) == Role::standby);
    CHECK_FALSE(state.streaming);
    CHECK_FALSE(state.replay_lag_bytes);
    CHECK_FALSE(state.timeline);
}

TEST_CASE("an unreachable node is never a writable primary", "[node_state]") {
    NodeState state;
    state.in_recovery = false;  // a stale field must not matter
    CHECK(role_of(state) == Role::unknown);
    CHECK_FALSE(is_writable_primary(state));
    CHECK(role_name(Role::unknown) == "unknown");
}

TEST_CASE("pg_is_in_recovery() gives the role the probe, the daemon and the CLI all use",
          "[node_state]") {
    CHECK(role_from_recovery(false) == Role::primary);
    CHECK(role_from_recovery(true) == Role::standby);
    CHECK(role_from_recovery(std::nullopt) == Role::unknown);
    CHECK(role_name(Role::primary) == "primary");
    CHECK(role_name(Role::standby) == "standby");
}

TEST_CASE("a reachable node's state has the role its recovery flag gives", "[node_state]") {
    for (const bool in_recovery : {false, true}) {
        NodeState state;
        state.reachable = true;
        state.in_recovery = in_recovery;
        CHECK(role_of(state) == role_from_recovery(in_recovery));
    }
}
