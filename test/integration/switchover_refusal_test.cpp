// What standby switchover refuses before it changes anything (an archive backlog on the primary,
// a lagging standby), and what happens when the command dies half-way: the old primary's
// pgwardend starts it again as the primary, so one writable primary remains.
#include "binaries.hpp"
#include "child_process.hpp"
#include "daemon_cluster.hpp"
#include "run_command.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <thread>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

void append_lines(const std::string& file, const std::vector<std::string>& lines) {
    std::ofstream out(file, std::ios::app);
    for (const auto& line : lines)
        out << line << "\n";
}

// node2's replay paused while node1 writes, `seconds` apart: its replication lag grows past them.
void make_node2_lag(DaemonCluster& dc, const std::string& table, std::chrono::seconds seconds) {
    dc.cluster().psql(2, "SELECT pg_wal_replay_pause()");
    dc.cluster().psql(1, fmt::format("INSERT INTO {} VALUES (100)", table));
    std::this_thread::sleep_for(seconds);
    dc.cluster().psql(1, fmt::format("INSERT INTO {} VALUES (101)", table));
}

CommandResult switchover(const DaemonCluster& dc, int i) {
    return run_command({cli_bin(), "-f", dc.conf(i), "standby", "switchover"}, 120s, true);
}

}  // namespace

TEST_CASE(
    "standby switchover refuses an archive backlog past archive_ready_critical, then a "
    "standby lagging past replication_lag_critical",
    "[switchover]") {
    DaemonClusterOptions options;
    // Every segment stays .ready: the archiver never succeeds.
    options.postgresql_conf = {"archive_mode = on", "archive_command = 'false'"};
    DaemonCluster dc(options);
    dc.start_daemons();
    auto& cluster = dc.cluster();
    cluster.psql(1, "CREATE TABLE backlog (id int)");
    for (int i = 0; i < 3; ++i) {
        cluster.psql(1, fmt::format("INSERT INTO backlog VALUES ({})", i));
        cluster.psql(1, "SELECT pg_switch_wal()");
    }
    append_lines(dc.conf(2), {"archive_ready_warning=1", "archive_ready_critical=2"});
    const auto backlog = switchover(dc, 2);
    INFO(backlog.err);
    CHECK(backlog.exit_code == 18);
    CHECK(backlog.err.find("number of pending archive files on demotion candidate \"node1\" is "
                           "critical") != std::string::npos);
    CHECK(backlog.err.find("pending archive files (critical threshold: 2)") != std::string::npos);
    CHECK(dc.wait_primary(1, 5s));
    CHECK(dc.wait_streaming(2, 1, 10s));

    // The backlog allowed now; node2's replay paused while node1 writes: its lag grows.
    append_lines(dc.conf(2), {"archive_ready_warning=1000", "archive_ready_critical=2000",
                              "replication_lag_warning=1", "replication_lag_critical=2"});
    make_node2_lag(dc, "backlog", 3s);
    const auto lagging = switchover(dc, 2);
    INFO(lagging.err);
    CHECK(lagging.exit_code == 18);
    CHECK(lagging.err.find("replication lag on this node is critical") != std::string::npos);
    cluster.psql(2, "SELECT pg_wal_replay_resume()");
    CHECK(dc.wait_primary(1, 5s));
    CHECK(dc.wait_streaming(2, 1, 10s));
}

TEST_CASE("a switchover command killed during the drain leaves the old primary the primary",
          "[switchover]") {
    DaemonClusterOptions options;
    options.server_commands = true;
    DaemonCluster dc(options);
    dc.start_daemons();
    ChildProcess command(
        {cli_bin(), "-f", dc.conf(2), "standby", "switchover", "--drain-timeout=6"},
        dc.cluster().dir() + "/switchover.log", true);
    REQUIRE(wait_until(
        [&] { return dc.daemon_log(1).find("draining for up to 6 s") != std::string::npos; }, 30s));
    command.stop(SIGKILL);

    // The daemon drains, stops its server, finds the command gone and node2 still a standby, and
    // after the grace for a promotion in flight starts node1 again.
    CHECK(wait_until(
        [&] { return dc.daemon_log(1).find("start again as the primary") != std::string::npos; },
        60s));
    INFO(dc.daemon_log(1));
    CHECK(dc.wait_primary(1, 60s));
    CHECK(dc.cluster().is_in_recovery(2));
    // Recorded once the start command has returned, which may be after the server answers.
    CHECK(wait_until(
        [&] {
            try {
                return dc.cluster().psql(1, "SELECT state FROM repmgr.pgwarden_switchover") ==
                       "aborted";
            } catch (const std::exception&) {
                return false;
            }
        },
        15s));
}

TEST_CASE(
    "standby switchover refuses a standby that could not catch up within "
    "standby_reconnect_timeout",
    "[switchover]") {
    DaemonCluster dc;
    dc.start_daemons();
    auto& cluster = dc.cluster();
    append_lines(dc.conf(2), {"standby_reconnect_timeout=2", "node_rejoin_timeout=2"});
    cluster.psql(1, "CREATE TABLE behind (id int)");
    cluster.wait_caught_up(2, 1);
    make_node2_lag(dc, "behind", 3s);
    const auto refused = switchover(dc, 2);
    INFO(refused.err);
    CHECK(refused.exit_code == 18);
    CHECK(refused.err.find("this node could not catch up within \"standby_reconnect_timeout\"") !=
          std::string::npos);
    cluster.psql(2, "SELECT pg_wal_replay_resume()");
    CHECK(dc.wait_primary(1, 5s));
    CHECK(dc.wait_streaming(2, 1, 10s));
}

TEST_CASE("standby switchover refuses while the primary is gone (a failover's case)",
          "[switchover]") {
    DaemonCluster dc;
    dc.cluster().stop(1);
    const auto refused = switchover(dc, 2);
    INFO(refused.err);
    CHECK(refused.exit_code == 6);
    CHECK(refused.err.find("unable to connect to current primary node") != std::string::npos);
    CHECK(dc.cluster().is_in_recovery(2));
}
