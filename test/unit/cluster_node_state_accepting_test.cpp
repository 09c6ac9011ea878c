// The fencing rule's first input: a node whose server takes no new connections serves nobody.
#include "cluster/node_state.hpp"
#include "cluster/state_query.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::cluster;

TEST_CASE("a one-off look at a node counts as accepting: it made its own fresh connection",
          "[node_state]") {
    const auto state = parse_node_state("f", "1", std::nullopt, std::nullopt);
    CHECK(state.accepting_connections);
    CHECK(is_serving(state));
    CHECK(is_writable_primary(state));
}

TEST_CASE("a primary that answers on an old connection but takes no new ones is not writable",
          "[node_state]") {
    auto state = parse_node_state("f", "1", std::nullopt, std::nullopt);
    state.accepting_connections = false;
    CHECK(role_of(state) == Role::primary);  // the role is what the server says...
    CHECK_FALSE(is_serving(state));          // ...but clients cannot reach it
    CHECK_FALSE(is_writable_primary(state));
}

TEST_CASE("an unreachable node is not serving whatever the accept check said", "[node_state]") {
    NodeState state;
    state.accepting_connections = true;
    CHECK_FALSE(is_serving(state));
}
