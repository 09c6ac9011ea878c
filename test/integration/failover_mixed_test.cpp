// A half-migrated cluster: pgwardend on some nodes, the real repmgrd 5.3 on others, talking only
// through repmgr's extension (get_repmgrd_pid, notify_follow_primary, get_new_primary). Whichever
// daemon wins, the other one follows it.
#include "daemon_cluster.hpp"
#include "process.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <functional>

using namespace std::chrono_literals;
using namespace pgwarden::test;

namespace {

constexpr const char* kRepmgrd = "/usr/lib/postgresql/15/bin/repmgrd";
constexpr auto kFailoverTimeout = 40s;

// repmgrd on node i with the node's repmgr.conf, in the foreground; stopped by the destructor.
ChildProcess start_repmgrd(DaemonCluster& dc, int i) {
    ChildProcess repmgrd({kRepmgrd, "-f", dc.conf(i), "--daemonize=false", "--no-pid-file"},
                         dc.cluster().node(i).node_dir + "/repmgrd.out", true);
    const bool up = wait_until(
        [&] { return dc.cluster().psql(i, "SELECT repmgr.repmgrd_is_running()") == "t"; }, 20s,
        200ms);
    INFO(repmgrd.log_contents() << dc.daemon_log(i));
    REQUIRE(up);
    return repmgrd;
}

DaemonClusterOptions priorities(int node2, int node3) {
    DaemonClusterOptions options;
    options.commands = FailoverCommands::repmgr;
    options.extra_conf = [node2, node3](int i) {
        if (i == 1)
            return std::vector<std::string>{};
        return std::vector<std::string>{fmt::format("priority={}", i == 2 ? node2 : node3)};
    };
    return options;
}

// `logs` is called after the waits, so a failure shows what the daemons did meanwhile.
void require_failover(DaemonCluster& dc, int winner, int loser,
                      const std::function<std::string()>& logs) {
    const bool promoted = dc.wait_primary(winner, kFailoverTimeout);
    std::string why = "node" + std::to_string(winner) + " was not promoted";
    const bool streaming = promoted && dc.wait_streaming(loser, winner, kFailoverTimeout, &why);
    INFO(why << "\n" << logs());
    REQUIRE(promoted);
    REQUIRE(streaming);
    CHECK(dc.wait_event(winner, loser, "repmgrd_failover_follow", 20s));
    CHECK(dc.cluster().is_in_recovery(loser));
}

}  // namespace

namespace {

// node2 runs pgwardend, node3 the real repmgrd; the higher priority wins and the other follows.
void kill_primary_of_mixed_cluster(int node2_priority, int node3_priority) {
    DaemonCluster dc(priorities(node2_priority, node3_priority));
    dc.start_daemon(1);
    dc.start_daemon(2);
    auto repmgrd = start_repmgrd(dc, 3);
    dc.cluster().wait_caught_up(2, 1);
    dc.cluster().wait_caught_up(3, 1);
    const int winner = node2_priority > node3_priority ? 2 : 3;
    dc.cluster().kill9(1);
    require_failover(dc, winner, 5 - winner, [&] {
        return dc.all_logs() + "\nrepmgrd on node3:\n" + repmgrd.log_contents();
    });
    // repmgrd records its promotion only after promote_command returns, by which time the
    // pgwardend node may already follow on its own: wait for the event, do not expect it.
    CHECK(dc.wait_event(winner, winner, "repmgrd_failover_promote", 20s));
}

}  // namespace

TEST_CASE("pgwardend promotes and the real repmgrd on the other standby follows it", "[daemon]") {
    kill_primary_of_mixed_cluster(100, 50);
}

TEST_CASE("the real repmgrd promotes and pgwardend on the other standby follows it", "[daemon]") {
    kill_primary_of_mixed_cluster(50, 100);
}

TEST_CASE("without the repmgr library the daemons keep their state in a table and still fail over",
          "[daemon]") {
    DaemonClusterOptions options = priorities(100, 50);
    options.commands = FailoverCommands::pgwarden;
    options.preload_repmgr = false;
    DaemonCluster dc(options);
    dc.start_daemons();
    const auto pids = [&] {
        return dc.cluster().psql(
            1,
            "SELECT string_agg(node_id::text, ',' ORDER BY node_id) FROM repmgr.daemon_status"
            " WHERE pid IS NOT NULL AND upstream_last_seen IS NOT NULL OR node_id = 1");
    };
    const bool published = wait_until([&] { return pids() == "1,2,3"; }, 20s, 200ms);
    INFO(dc.all_logs());
    REQUIRE(published);
    // pgwarden's service status and pause read and write that table.
    const auto status = dc.repmgr().pgwarden(1, {"service", "status", "--csv"});
    INFO(status.out << status.err);
    CHECK(status.out.find("2,node2,standby,1,1,") != std::string::npos);
    REQUIRE(dc.repmgr().pgwarden(3, {"service", "pause"}).ok());
    CHECK(dc.cluster().psql(1, "SELECT bool_and(paused) FROM repmgr.daemon_status") == "t");
    REQUIRE(dc.repmgr().pgwarden(3, {"service", "unpause"}).ok());
    const auto unpaused = dc.repmgr().pgwarden(1, {"service", "status", "--csv"});
    CHECK(unpaused.out.find("3,node3,standby,1,1,") != std::string::npos);
    CHECK(dc.cluster().psql(1, "SELECT bool_or(paused) FROM repmgr.daemon_status") == "f");

    dc.cluster().wait_caught_up(2, 1);
    dc.cluster().wait_caught_up(3, 1);
    dc.cluster().kill9(1);
    require_failover(dc, 2, 3, [&] { return dc.all_logs(); });
}
