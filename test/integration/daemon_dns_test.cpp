// The upstream's host names are resolved off the daemon's event loop: a resolver that never
// answers must not stop its timers (the status line) or its signals (SIGTERM).
#include "binaries.hpp"
#include "daemon_cluster.hpp"
#include "dns_blackhole.hpp"
#include "process.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <thread>

using namespace pgwarden::test;
using namespace std::chrono_literals;

TEST_CASE("a resolver that never answers for the upstream leaves the standby's daemon responsive",
          "[daemon]") {
    DaemonClusterOptions options;
    options.nodes = 2;
    options.extra_conf = [](int) {
        // Manual: the upstream only looks lost, and this test is about the loop, not a failover.
        return std::vector<std::string>{"failover=manual", "log_level=DEBUG",
                                        "log_status_interval=1"};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    // The standby reads its upstream's conninfo from the metadata: name it by a host name.
    cluster.psql(1,
                 fmt::format("UPDATE repmgr.nodes SET conninfo = 'host=db.pgwarden-blackhole.test "
                             "port={} user=postgres dbname=postgres connect_timeout=2' "
                             "WHERE node_id = 1",
                             cluster.node(1).port));
    cluster.wait_caught_up(2, 1);

    const auto& node = cluster.node(2);
    DnsBlackhole blackhole("127.0.0.54", node.node_dir);
    REQUIRE(blackhole.bound());
    const std::string log_file = node.node_dir + "/pgwardend.log";
    // Within the lookup's 20 s: what the loop logged after 8 s, and whether SIGTERM was taken
    // within a second. The daemon's exit itself waits for the lookup's thread, bounded by it.
    const std::string script =
        "setpriv --reuid=postgres --regid=postgres --init-groups \"$0\" -f \"$1\""
        " --daemonize=false --no-pid-file --ini \"$2\" >\"$3\" 2>&1 &\n"
        "daemon=$!\n"
        "sleep 8\n"
        "echo \"status:$(grep -c 'monitoring upstream node' \"$4\")\"\n"
        "kill -TERM $daemon\n"
        "sleep 1\n"
        "echo \"term:$(grep -c 'TERM signal received' \"$4\")\"\n"
        "wait $daemon\n";
    const auto result = run_command(
        blackhole.shell(script, {daemon_bin(), dc.conf(2), node.node_dir + "/pgwarden.ini",
                                 node.node_dir + "/pgwardend.stderr", log_file}),
        90s);
    INFO(result.describe() << "\n" << dc.daemon_log(2));
    REQUIRE(result.exit_code != DnsBlackhole::kMountFailed);
    // The watch's lookup hung and its deadline passed, while the status line kept its interval.
    CHECK(dc.daemon_log(2).find("upstream watch connection: no connection within 3 s") !=
          std::string::npos);
    int status_lines = 0;
    REQUIRE(std::sscanf(result.out.c_str(), "status:%d", &status_lines) == 1);
    CHECK(status_lines >= 4);
    CHECK(result.out.find("term:1\n") != std::string::npos);
}

TEST_CASE("an upstream named by a host name is watched through the addresses the resolver found",
          "[daemon]") {
    DaemonClusterOptions options;
    options.nodes = 2;
    options.extra_conf = [](int) { return std::vector<std::string>{"failover=manual"}; };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    // localhost is in /etc/hosts: the watch's libpq gets hostaddr=, each address in turn.
    cluster.psql(1, fmt::format("UPDATE repmgr.nodes SET conninfo = 'host=localhost port={} "
                                "user=postgres dbname=postgres connect_timeout=2' "
                                "WHERE node_id = 1",
                                cluster.node(1).port));
    cluster.wait_caught_up(2, 1);
    dc.start_daemon(2);
    // The watch is the daemon's one connection that stays: seen twice, a second apart.
    const std::string watching =
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pgwardend'";
    const auto watched = [&] {
        if (cluster.psql(1, watching) != "1")
            return false;
        std::this_thread::sleep_for(1s);
        return cluster.psql(1, watching) == "1";
    };
    {
        const bool connected = wait_until(watched, 20s);
        INFO(dc.daemon_log(2));
        REQUIRE(connected);
    }
    // Only the watch says "lost": the periodic check would say "unable to connect".
    cluster.stop(1);
    const bool noticed = wait_until(
        [&] {
            return dc.daemon_log(2).find("connection to upstream node \"node1\" (ID: 1) lost") !=
                   std::string::npos;
        },
        5s);
    INFO(dc.daemon_log(2));
    CHECK(noticed);
}
