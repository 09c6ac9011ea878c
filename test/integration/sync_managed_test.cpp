// Managed synchronous mode on real PostgreSQL 15: the primary's pgwardend names the streaming
// standbys in synchronous_standby_names, drops a stopped one after synchronous-standby-timeout
// and takes it back when it streams again (mode on); strict mode never empties the list, so a
// write waits for the missing standby rather than commit unprotected.
#include "child_process.hpp"
#include "daemon_cluster.hpp"
#include "probe_fixture.hpp"
#include "repmgr_conf.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <thread>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kEvent = "pgwarden_synchronous_standby_names";

std::string sync_names(const DaemonCluster& dc) {
    return dc.repmgr().cluster.psql(1, "SHOW synchronous_standby_names");
}

bool names_become(const DaemonCluster& dc, const std::string& expected,
                  std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            try {
                return sync_names(dc) == expected;
            } catch (const std::runtime_error&) {
                return false;
            }
        },
        timeout, 100ms);
}

// The logs as they are when the check fails (INFO would keep them as they were when written).
void require_waited(bool ok, const DaemonCluster& dc, const std::string& what) {
    INFO(what << " (synchronous_standby_names '" << sync_names(dc) << "')\n" << dc.all_logs());
    REQUIRE(ok);
}

// The details of node1's events of managed mode, oldest first, one a line.
std::string event_details(DaemonCluster& dc) {
    return dc.cluster().psql(1, fmt::format("SELECT string_agg(details, E'\\n' ORDER BY "
                                            "event_timestamp) FROM repmgr.events "
                                            "WHERE event = '{}' AND node_id = 1 AND successful",
                                            kEvent));
}

DaemonClusterOptions managed(int nodes, const std::string& mode, int timeout_s) {
    DaemonClusterOptions options;
    options.nodes = nodes;
    options.daemon_ini = [mode, timeout_s](int) {
        return std::vector<std::string>{"synchronous-mode = " + mode,
                                        fmt::format("synchronous-standby-timeout = {}", timeout_s)};
    };
    return options;
}

}  // namespace

TEST_CASE("managed synchronous mode drops a stopped standby after the timeout and takes it back",
          "[daemon][sync]") {
    // 4 s: long enough to see node3 still listed once its server is down (it was last seen
    // streaming at most a round, 1 s and the round's own time, before that).
    DaemonCluster dc(managed(3, "on", 4));
    auto& cluster = dc.cluster();
    dc.start_daemons();
    require_waited(names_become(dc, "FIRST 1 (node2, node3)", 20s), dc,
                   "both standbys were not named");
    // The primary's own record shows them in service status.
    const auto ini = cluster.node(1).node_dir + "/pgwarden.ini";
    std::string status;
    CHECK(wait_until(
        [&] {
            status = run_pgwarden(dc.conf(1), {"service", "status", "--ini", ini}).out;
            return status.find("  node2: sync") != std::string::npos &&
                   status.find("  node3: potential") != std::string::npos;
        },
        10s, 200ms));
    INFO(status);
    CHECK_THAT(status, Catch::Contains("synchronous_standby_names = 'FIRST 1 (node2, node3)'"));
    // Each standby's probe answers /sync and /async from its pgwardend's record.
    {
        std::vector<std::unique_ptr<ProbeProcess>> probes;
        for (int i = 2; i <= 3; ++i)
            probes.push_back(std::make_unique<ProbeProcess>(
                cluster.node(i).conninfo(), fmt::format("{}/probe{}.log", cluster.dir(), i),
                std::vector<std::string>{"--node-id", std::to_string(i), "--lease-directory",
                                         cluster.node(i).node_dir}));
        const auto answers = [&](int i, const char* path, int expected) {
            return wait_until([&] { return probes[i - 2]->status(path) == expected; }, 10s, 200ms);
        };
        CHECK(answers(2, "/sync", 200));
        CHECK(answers(2, "/async", 503));
        CHECK(answers(3, "/sync", 503));
        CHECK(answers(3, "/async", 200));
    }

    // node3's daemon goes first, or it would mark its stopped node inactive.
    dc.stop_daemon(3);
    cluster.stop(3);
    const auto stopped = std::chrono::steady_clock::now();
    CHECK(cluster.psql(1,
                       "SELECT count(*) FROM pg_stat_replication WHERE application_name = "
                       "'node3'") == "0");
    CHECK(sync_names(dc) == "FIRST 1 (node2, node3)");
    require_waited(names_become(dc, "FIRST 1 (node2)", 20s), dc, "node3 was not dropped");
    CHECK(std::chrono::steady_clock::now() - stopped >= 2s);

    cluster.start(3);
    require_waited(names_become(dc, "FIRST 1 (node2, node3)", 20s), dc, "node3 was not taken back");
    std::string details;
    REQUIRE(wait_until(
        [&] {
            details = event_details(dc);
            return std::count(details.begin(), details.end(), '\n') >= 2;
        },
        10s, 200ms));
    INFO(details);
    CHECK_THAT(details, Catch::Contains("'' -> 'FIRST 1 (node2, node3)': node2 streams: added; "
                                        "node3 streams: added"));
    CHECK_THAT(details, Catch::Contains("'FIRST 1 (node2, node3)' -> 'FIRST 1 (node2)': node3 has "
                                        "not streamed for") &&
                            Catch::Contains("(synchronous-standby-timeout 4 s): dropped"));
    CHECK_THAT(details,
               Catch::Contains("'FIRST 1 (node2)' -> 'FIRST 1 (node2, node3)': node3 streams: "
                               "added"));
}

TEST_CASE("strict synchronous mode never empties the list: a write on the primary waits",
          "[daemon][sync]") {
    DaemonCluster dc(managed(2, "strict", 2));
    auto& cluster = dc.cluster();
    dc.start_daemons();
    require_waited(names_become(dc, "FIRST 1 (node2)", 20s), dc, "node2 was not named");
    cluster.psql(1, "CREATE TABLE strict_writes (id int)");

    // node2 stops streaming but its server stays up: with it stopped, the primary would see 1
    // of 2 nodes, lose its standing and stop managing anything, which proves nothing here.
    const auto conninfo = cluster.psql(2, "SHOW primary_conninfo");
    cluster.psql(2, "ALTER SYSTEM SET primary_conninfo = ''");
    cluster.psql(2, "SELECT pg_reload_conf()");
    cluster.wait_for_result(1, "SELECT count(*) FROM pg_stat_replication", "0", 20s);

    // Well past the timeout, round after round (monitor_interval_secs = 1), node2 stays listed.
    for (int round = 0; round < 10; ++round) {
        INFO("round " << round);
        REQUIRE(sync_names(dc) == "FIRST 1 (node2)");
        std::this_thread::sleep_for(500ms);
    }

    const auto& primary = cluster.node(1);
    ChildProcess writer({PgCluster::pg_bin("psql"), "-X", "-At", "-d", primary.conninfo(), "-c",
                         "INSERT INTO strict_writes VALUES (1)"},
                        cluster.dir() + "/strict_writer.log", true);
    const auto waiting =
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'"
        " AND query LIKE 'INSERT INTO strict_writes%'";
    cluster.wait_for_result(1, waiting, "1", 10s);
    std::this_thread::sleep_for(1s);
    CHECK(writer.running());
    CHECK(cluster.psql(1, waiting) == "1");

    // The wait cancelled, the row is committed locally; node2 streams again and receives it.
    cluster.psql(1,
                 "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
                 " WHERE wait_event = 'SyncRep'");
    writer.wait_exit(10s);
    CHECK_THAT(writer.log_contents(), Catch::Contains("canceling wait for synchronous"));
    std::string literal;
    for (const char c : conninfo)
        literal += c == '\'' ? std::string("''") : std::string(1, c);
    cluster.psql(2, fmt::format("ALTER SYSTEM SET primary_conninfo = '{}'", literal));
    cluster.psql(2, "SELECT pg_reload_conf()");
    cluster.wait_for_result(2, "SELECT count(*) FROM strict_writes", "1", 20s);
    CHECK(sync_names(dc) == "FIRST 1 (node2)");
    CHECK_THAT(event_details(dc), Catch::Contains("-> 'FIRST 1 (node2)': node2 streams: added"));
}
