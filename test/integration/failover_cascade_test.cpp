// A standby repointed while pgwardend runs (here: made a cascaded standby of node2) is watched
// where it now streams from, and when that upstream standby fails it follows the primary:
// never an election while a primary is alive.
#include "daemon_cluster.hpp"
#include "wait.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace pgwarden::test;

TEST_CASE("a cascaded standby whose upstream standby fails follows the primary", "[daemon]") {
    DaemonCluster dc;
    dc.start_daemons();
    auto& cluster = dc.cluster();

    // Repointed by hand, then re-registered, as an operator would.
    cluster.follow(3, 2);
    const auto registered =
        dc.repmgr().pgwarden(3, {"standby", "register", "--upstream-node-id=2", "-F"});
    INFO(registered.describe());
    REQUIRE(registered.ok());
    const bool watching = wait_until(
        [&] {
            return dc.daemon_log(3).find("monitoring connection to upstream node \"node2\"") !=
                   std::string::npos;
        },
        40s, 200ms);
    INFO(dc.all_logs());
    REQUIRE(watching);

    cluster.stop(2);
    std::string why;
    const bool followed = dc.wait_streaming(3, 1, 40s, &why);
    INFO(why << "\n" << dc.all_logs());
    CHECK(followed);
    CHECK(cluster.is_in_recovery(3));
    CHECK_FALSE(cluster.is_in_recovery(1));
    CHECK(dc.daemon_log(3).find("failed: following the primary") != std::string::npos);
}
