// repmgrd's failover abort on real PostgreSQL 15: promote_command fails while the original
// primary comes back, so the standby records repmgrd_failover_abort (not repmgrd_promote_error)
// and monitors the original primary again, as repmgrd 5.3 does.
#include "daemon_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fstream>

using namespace std::chrono_literals;
using pgwarden::test::DaemonCluster;
using pgwarden::test::PgCluster;

TEST_CASE(
    "promote_command fails as the original primary comes back: repmgrd_failover_abort, "
    "and the original primary is monitored again",
    "[failover]") {
    // node2 wins (node3 has priority 0); its promote_command starts node1 again and fails.
    DaemonCluster dc;
    auto& cluster = dc.cluster();
    const auto& node1 = cluster.node(1);
    {
        std::ofstream conf(dc.conf(2), std::ios::app);
        conf << fmt::format(
            "promote_command='{} -D {} -o \"-p {}\" -l {} -w -t 30 start ; exit 1'\n",
            PgCluster::pg_bin("pg_ctl"), node1.data_dir, node1.port, node1.log_file);
    }
    cluster.psql(1, "UPDATE repmgr.nodes SET priority = 0 WHERE node_id = 3");
    cluster.wait_caught_up(2, 1);
    cluster.wait_caught_up(3, 1);
    dc.start_daemons();

    cluster.stop(1);
    INFO(dc.all_logs());
    REQUIRE(dc.wait_event(1, 2, "repmgrd_failover_abort", 60s));
    CHECK_FALSE(dc.has_event(1, 2, "repmgrd_promote_error"));
    CHECK(cluster.is_in_recovery(2));
    CHECK_FALSE(cluster.is_in_recovery(1));
    // Monitoring node1 again: the log says so after the abort.
    CHECK(pgwarden::test::wait_until(
        [&] {
            const auto log = dc.daemon_log(2);
            const auto abort = log.find("reappeared before this standby was promoted");
            return abort != std::string::npos &&
                   log.find("state: monitoring", abort) != std::string::npos;
        },
        20s, 200ms));
}
