// pgwardend's automatic failover on real 3-node PostgreSQL 15 clusters registered by the real
// repmgr 5.3: who is promoted, who follows, what is recorded, and when nothing must happen.
#include "daemon_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pgwarden::test::DaemonCluster;
using pgwarden::test::DaemonClusterOptions;
using pgwarden::test::FailoverCommands;
using pgwarden::test::show_cells;

namespace {

// Detection (at once) + 3 attempts 1 s apart + election + promote, with room for a busy machine.
constexpr auto kFailoverTimeout = 30s;
// How long a failover that must not happen is given to happen anyway: reconnect_attempts ×
// reconnect_interval, plus the election and the promotion.
constexpr auto kNoFailoverWatch = 7s;

void require_logged(bool ok, const DaemonCluster& dc, const std::string& what) {
    INFO(what << "\n" << dc.all_logs());
    REQUIRE(ok);
}

// Every standby has replayed all the primary wrote: the LSNs are equal, so priority decides.
void settle(DaemonCluster& dc) {
    for (int i = 2; i <= dc.cluster().size(); ++i)
        dc.cluster().wait_caught_up(i, 1);
}

bool any_promote_event(const DaemonCluster& dc, int reachable) {
    const auto rows = dc.events(reachable);
    return std::any_of(rows.begin(), rows.end(), [](const std::string& row) {
        return row.find(":repmgrd_failover_promote:") != std::string::npos ||
               row.find(":standby_promote:") != std::string::npos;
    });
}

// After node1 was killed: `winner` is the primary, `loser` streams from it, and the events say
// who did what.
void require_took_over(DaemonCluster& dc, int winner, int loser) {
    require_logged(dc.wait_primary(winner, kFailoverTimeout), dc,
                   fmt::format("node{} was not promoted", winner));
    std::string why;
    require_logged(dc.wait_streaming(loser, winner, kFailoverTimeout, &why), dc,
                   fmt::format("node{} does not stream from node{}: {}", loser, winner, why));
    require_logged(dc.wait_event(winner, winner, "repmgrd_failover_promote", 10s), dc,
                   fmt::format("no repmgrd_failover_promote from node{}", winner));
    require_logged(dc.wait_event(winner, loser, "repmgrd_failover_follow", 10s), dc,
                   fmt::format("no repmgrd_failover_follow from node{}", loser));
    INFO(dc.all_logs());
    CHECK(dc.cluster().is_in_recovery(loser));
    CHECK_FALSE(dc.has_event(winner, loser, "repmgrd_failover_promote"));
}

// node2 took over, and both `cluster show`s agree on the new topology.
void require_node2_took_over(DaemonCluster& dc) {
    require_took_over(dc, 2, 3);
    INFO(dc.all_logs());
    for (const bool ours : {false, true}) {
        const auto show = ours ? dc.repmgr().pgwarden(2, {"cluster", "show"})
                               : dc.repmgr().repmgr(2, {"cluster", "show"});
        INFO(show.command << " exit " << show.exit_code << "\n" << show.out << show.err);
        CHECK((show.exit_code == 0 || show.exit_code == 25));
        CHECK(show_cells(show.out, "node1").rfind("primary|- failed|", 0) == 0);
        CHECK(show_cells(show.out, "node2") == "primary|* running|");
        CHECK(show_cells(show.out, "node3") == "standby|running|node2");
    }
}

// node3 has a lower priority than node2, so with equal LSNs node2 must win on priority (node_id
// would pick node2 too, but the election's reasons in the log say which rule decided).
void kill_primary_with_equal_lsn(FailoverCommands commands) {
    DaemonClusterOptions options;
    options.commands = commands;
    options.extra_conf = [](int i) {
        return i == 3 ? std::vector<std::string>{"priority=50"} : std::vector<std::string>{};
    };
    DaemonCluster dc(options);
    dc.start_daemons();
    settle(dc);
    dc.cluster().kill9(1);
    require_node2_took_over(dc);
    // SIGTERM stops each pgwardend cleanly; the two on live nodes say so on the new primary.
    for (int i = 1; i <= 3; ++i) {
        CHECK(dc.stop_daemon(i) == 0);
        if (i != 1)
            CHECK(dc.has_event(2, i, "repmgrd_shutdown"));
    }
}

// "node_id event successful" as the notification command writes it.
std::string note(int node_id, const std::string& event) {
    return fmt::format("{} {} 1", node_id, event);
}

}  // namespace

TEST_CASE("kill -9 of the primary promotes the higher-priority standby and the other follows it") {
    kill_primary_with_equal_lsn(FailoverCommands::pgwarden);
}

TEST_CASE("kill -9 of the primary fails over with the real repmgr as promote and follow command") {
    kill_primary_with_equal_lsn(FailoverCommands::repmgr);
}

namespace {

// node2 stops receiving WAL (an empty primary_conninfo ends its walreceiver on reload), so its
// receive LSN, not just its replay LSN, falls behind node3's: node3 has the table "lagged".
void leave_node2_behind(pgwarden::test::PgCluster& cluster) {
    cluster.psql(2, "ALTER SYSTEM SET primary_conninfo = ''");
    cluster.psql(2, "SELECT pg_reload_conf()");
    cluster.wait_for_result(2, "SELECT count(*) FROM pg_stat_wal_receiver", "0", 20s);
    cluster.psql(1, "CREATE TABLE lagged AS SELECT g FROM generate_series(1, 10000) g");
    cluster.wait_caught_up(3, 1);
    const auto lsn2 = cluster.psql(2, "SELECT pg_last_wal_receive_lsn()");
    REQUIRE(cluster.psql(3, fmt::format("SELECT pg_last_wal_receive_lsn() > '{}'", lsn2)) == "t");
}

// Options with one repmgr.conf line added on node3 only.
DaemonClusterOptions node3_with(std::string line, FailoverCommands commands) {
    DaemonClusterOptions options;
    options.commands = commands;
    options.extra_conf = [line = std::move(line)](int i) {
        return i == 3 ? std::vector<std::string>{line} : std::vector<std::string>{};
    };
    return options;
}

// The daemons run, node2 falls behind node3, and the primary dies.
void kill_primary_with_node2_behind(DaemonCluster& dc) {
    dc.start_daemons();
    settle(dc);
    leave_node2_behind(dc.cluster());
    dc.cluster().kill9(1);
}

void lagging_standby_loses(FailoverCommands commands) {
    DaemonCluster dc(node3_with("priority=50", commands));
    auto& cluster = dc.cluster();
    kill_primary_with_node2_behind(dc);
    require_took_over(dc, 3, 2);
    // What node2 lacked came from node3.
    cluster.wait_for_result(2, "SELECT count(*) FROM lagged", "10000", 20s);
}

}  // namespace

TEST_CASE("a lagging high-priority standby loses to an up-to-date low-priority one") {
    lagging_standby_loses(FailoverCommands::pgwarden);
}

TEST_CASE("a lagging standby loses with the real repmgr as promote and follow command") {
    lagging_standby_loses(FailoverCommands::repmgr);
}

// pgwardend asks repmgr's check_node_can_attach before a follow: a standby that received WAL the
// new primary never had refuses to follow it, running no follow_command, and says why.
TEST_CASE("a standby with WAL the new primary never had refuses to follow it", "[daemon]") {
    // node3 can never be promoted, so the lagging node2 wins although node3 has more WAL, past
    // the point where node2's new timeline forks off.
    DaemonCluster dc(node3_with("priority=0", FailoverCommands::pgwarden));
    auto& cluster = dc.cluster();
    kill_primary_with_node2_behind(dc);
    {
        INFO(dc.all_logs());
        REQUIRE(dc.wait_primary(2, kFailoverTimeout));
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

TEST_CASE("the primary restarting inside the reconnect window causes no failover") {
    DaemonClusterOptions options;
    // A 10-second window: a fast stop and a start fit in it even on a busy machine.
    options.extra_conf = [](int) {
        return std::vector<std::string>{"reconnect_attempts=5", "reconnect_interval=2"};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    dc.start_daemons();
    settle(dc);

    cluster.restart(1);
    for (int i = 2; i <= 3; ++i)
        require_logged(dc.wait_event(1, i, "repmgrd_upstream_reconnect", 30s), dc,
                       fmt::format("node{} recorded no repmgrd_upstream_reconnect", i));
    INFO(dc.all_logs());
    CHECK_FALSE(cluster.is_in_recovery(1));
    for (int i = 2; i <= 3; ++i) {
        CHECK(cluster.is_in_recovery(i));
        std::string why;
        const bool streaming = dc.wait_streaming(i, 1, 30s, &why);
        INFO(why);
        CHECK(streaming);
        CHECK_FALSE(dc.notified(i, note(i, "repmgrd_failover_promote")));
    }
    CHECK_FALSE(any_promote_event(dc, 1));
}

TEST_CASE("a standby dying causes no failover") {
    DaemonCluster dc;
    auto& cluster = dc.cluster();
    dc.start_daemons();
    settle(dc);

    const auto killed_at = std::chrono::steady_clock::now();
    cluster.kill9(3);
    require_logged(dc.wait_event(1, 1, "child_node_disconnect", 20s), dc,
                   "the primary's daemon recorded no child_node_disconnect");
    std::this_thread::sleep_until(killed_at + kNoFailoverWatch);
    INFO(dc.all_logs());
    CHECK_FALSE(cluster.is_in_recovery(1));
    CHECK(cluster.is_in_recovery(2));
    std::string why;
    const bool streaming = dc.wait_streaming(2, 1, 10s, &why);
    INFO(why);
    CHECK(streaming);
    CHECK_FALSE(any_promote_event(dc, 1));
    CHECK(dc.daemon_running(1));
    CHECK(dc.daemon_running(2));
}

TEST_CASE("failover=manual on every standby means nobody promotes when the primary dies") {
    DaemonClusterOptions options;
    options.extra_conf = [](int i) {
        return i == 1 ? std::vector<std::string>{} : std::vector<std::string>{"failover=manual"};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    dc.start_daemons();
    settle(dc);

    const auto killed_at = std::chrono::steady_clock::now();
    cluster.kill9(1);
    // No primary to write to: the event only reaches the notification command.
    for (int i = 2; i <= 3; ++i)
        require_logged(
            pgwarden::test::wait_until(
                [&] { return dc.notified(i, note(i, "standby_disconnect_manual")); }, 20s),
            dc, fmt::format("node{} did not report standby_disconnect_manual", i));
    std::this_thread::sleep_until(killed_at + kNoFailoverWatch);
    INFO(dc.all_logs());
    for (int i = 2; i <= 3; ++i) {
        CHECK(cluster.is_in_recovery(i));
        CHECK_FALSE(dc.notified(i, note(i, "repmgrd_failover_promote")));
        CHECK_FALSE(dc.notified(i, note(i, "standby_promote")));
    }
}

namespace {

void priority_zero_never_wins(FailoverCommands commands) {
    DaemonClusterOptions options;
    options.commands = commands;
    // node2 would win on node_id with equal LSN and priority.
    options.extra_conf = [](int i) {
        return i == 2 ? std::vector<std::string>{"priority=0"} : std::vector<std::string>{};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    dc.start_daemons();
    settle(dc);

    cluster.kill9(1);
    require_took_over(dc, 3, 2);
}

}  // namespace

TEST_CASE("priority=0 on the best standby makes the other one the new primary") {
    priority_zero_never_wins(FailoverCommands::pgwarden);
}

TEST_CASE("priority=0 is honoured with the real repmgr as promote and follow command") {
    priority_zero_never_wins(FailoverCommands::repmgr);
}

TEST_CASE("the real repmgr service status shows pgwardend running with its PID on every node") {
    DaemonCluster dc;
    dc.start_daemons();
    settle(dc);

    // id,name,type,pg running,repmgrd running,pid,paused,priority,upstream last seen,location
    std::string last;
    const bool shown = pgwarden::test::wait_until(
        [&] {
            const auto status = dc.repmgr().repmgr(1, {"service", "status", "--csv"});
            last = status.describe() + "\n" + status.out + status.err;
            std::istringstream in(status.out);
            int matched = 0;
            for (std::string line; std::getline(in, line);) {
                std::vector<std::string> cells;
                std::istringstream row(line);
                for (std::string cell; std::getline(row, cell, ',');)
                    cells.push_back(cell);
                if (cells.size() < 6)
                    continue;
                const int id = std::atoi(cells[0].c_str());
                const auto pid = id >= 1 && id <= 3 ? dc.daemon_pid(id) : std::nullopt;
                if (pid && cells[4] == "1" && cells[5] == std::to_string(*pid))
                    ++matched;
            }
            return matched == 3;
        },
        15s, 500ms);
    INFO(last << "\n" << dc.all_logs());
    CHECK(shown);
}

TEST_CASE("after a failover the follower watches the new primary and takes over when it dies too") {
    DaemonCluster dc;
    auto& cluster = dc.cluster();
    dc.start_daemons();
    settle(dc);
    cluster.kill9(1);
    require_took_over(dc, 2, 3);

    // node3 alone is left: one of the two active nodes, itself, is a majority.
    cluster.wait_caught_up(3, 2);
    cluster.kill9(2);
    require_logged(dc.wait_primary(3, kFailoverTimeout), dc, "node3 was not promoted");
    require_logged(dc.wait_event(3, 3, "repmgrd_failover_promote", 10s), dc,
                   "no repmgrd_failover_promote from node3");
    cluster.psql(3, "CREATE TABLE written_after_two_failovers ()");
}

// As repmgrd 5.3's monitor_streaming_standby: the record is marked inactive with standby_failure,
// and active again with standby_recovery.
TEST_CASE("a standby losing its local PostgreSQL records standby_failure and then standby_recovery",
          "[daemon]") {
    DaemonCluster dc;
    auto& cluster = dc.cluster();
    dc.start_daemons();
    settle(dc);

    cluster.kill9(3);
    require_logged(dc.wait_event(1, 3, "standby_failure", 20s), dc,
                   "node3's daemon recorded no standby_failure");
    CHECK(cluster.psql(1, "SELECT active FROM repmgr.nodes WHERE node_id = 3") == "f");
    cluster.start(3);
    require_logged(dc.wait_event(1, 3, "standby_recovery", 20s), dc,
                   "node3's daemon recorded no standby_recovery");
    CHECK(cluster.psql(1, "SELECT active FROM repmgr.nodes WHERE node_id = 3") == "t");
}
