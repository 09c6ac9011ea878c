// Which machine the daemon runs, from the record's type and the local recovery state.
#include "failover/mode.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::failover;
using pgwarden::model::NodeType;

TEST_CASE("a node out of recovery is monitored as the primary, whatever its record says",
          "[failover]") {
    CHECK(mode_for(NodeType::primary, false) == DaemonMode::primary);
    CHECK(mode_for(NodeType::standby, false) == DaemonMode::primary);
    CHECK(mode_for(NodeType::primary, true) == DaemonMode::standby);
    CHECK(mode_for(NodeType::standby, true) == DaemonMode::standby);
}

TEST_CASE("a witness is never monitored as the primary, though it is not in recovery",
          "[failover]") {
    CHECK(mode_for(NodeType::witness, false) == DaemonMode::witness);
    CHECK(mode_name(DaemonMode::witness) == "witness");
}
