// pgwardend asks repmgr's check_node_can_attach before a follow: a standby that received WAL the
// new primary never had refuses to follow it, running no follow_command, and says why.
#include "daemon_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::DaemonCluster;
using pgwarden::test::DaemonClusterOptions;

TEST_CASE("a standby with WAL the new primary never had refuses to follow it", "[daemon]") {
    DaemonClusterOptions options;
    // node3 can never be promoted, so the lagging node2 wins although node3 has more WAL.
    options.extra_conf = [](int i) {
        return i == 3 ? std::vector<std::string>{"priority=0"} : std::vector<std::string>{};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    dc.start_daemons();
    for (int i = 2; i <= 3; ++i)
        cluster.wait_caught_up(i, 1);

    // node2 stops receiving WAL (an empty primary_conninfo ends its walreceiver on reload); node3
    // goes on and receives WAL past the point where node2's new timeline will fork off.
    cluster.psql(2, "ALTER SYSTEM SET primary_conninfo = ''");
    cluster.psql(2, "SELECT pg_reload_conf()");
    cluster.wait_for_result(2, "SELECT count(*) FROM pg_stat_wal_receiver", "0", 20s);
    cluster.psql(1, "CREATE TABLE only_node3_has AS SELECT g FROM generate_series(1, 1000) g");
    cluster.wait_caught_up(3, 1);
    const auto lsn2 = cluster.psql(2, "SELECT pg_last_wal_receive_lsn()");
    REQUIRE(cluster.psql(3, fmt::format("SELECT pg_last_wal_receive_lsn() > '{}'", lsn2)) == "t");

    cluster.kill9(1);
    {
        INFO(dc.all_logs());
        REQUIRE(dc.wait_primary(2, 30s));
    }
    // The failed follow is reported as repmgrd reports one: repmgrd_failover_follow, unsuccessful.
    const bool refused = pgwarden::test::wait_until(
        [&] { return dc.notified(3, "3 repmgrd_failover_follow 0"); }, 30s, 500ms);
    const auto log3 = dc.daemon_log(3);
    INFO(dc.all_logs());
    REQUIRE(refused);
    CHECK(log3.find("this node cannot attach to follow target node \"node2\" (ID: 2)") !=
          std::string::npos);
    CHECK(log3.find("forked off current database system timeline 1") != std::string::npos);
    CHECK(log3.find("follow_command is:") == std::string::npos);
    CHECK(cluster.is_in_recovery(3));
    CHECK_FALSE(dc.has_event(2, 3, "standby_follow"));
}
