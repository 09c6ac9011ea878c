// The whole failover policy, printed: compared with a golden file so that a change of policy
// shows in review as a change of that file (`pgwardend --describe-policy` prints the same).
#include "failover/policy.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

TEST_CASE("the printed failover policy matches the golden file", "[failover]") {
    const std::string golden_path =
        std::string(PGWARDEN_SOURCE_DIR) + "/test/unit/golden/failover_policy.txt";
    const std::string golden = read_file(golden_path);
    INFO("regenerate with: pgwardend --describe-policy > " << golden_path);
    REQUIRE_FALSE(golden.empty());
    CHECK(pgwarden::failover::describe_policy() == golden);
}

TEST_CASE("every state of both machines appears in the printed policy", "[failover]") {
    const std::string policy = pgwarden::failover::describe_policy();
    for (const char* state :
         {"monitoring", "reconnecting", "electing", "promoting", "waiting for the new primary",
          "following", "degraded", "local node down", "monitoring the primary",
          "local node unreachable"})
        CHECK(policy.find(state) != std::string::npos);
}
