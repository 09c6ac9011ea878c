// pgwarden standby switchover on a real three-node cluster with pgwardend on every node: the old
// primary's daemon is asked through the database (no SSH), drains, stops, and rejoins the new
// primary; every acknowledged row is on the new primary; the old primary's lease says fenced
// before its server stops.
#include "binaries.hpp"
#include "daemon_cluster.hpp"
#include "run_command.hpp"
#include "wait.hpp"

#include "lease/lease_file.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

// The daemons start and stop servers the way the harness does (server_commands), and run the
// pgwarden under test for node rejoin (repmgr_bindir).
DaemonClusterOptions switchover_options(const std::string& bin_dir) {
    DaemonClusterOptions options;
    options.postgresql_conf = {"wal_log_hints = on"};
    options.server_commands = true;
    options.extra_conf = [bin_dir](int) {
        return std::vector<std::string>{fmt::format("repmgr_bindir='{}'", bin_dir),
                                        "shutdown_check_timeout=30", "standby_reconnect_timeout=30",
                                        "node_rejoin_timeout=30", "wal_receive_check_timeout=10"};
    };
    return options;
}

// A directory holding `pgwarden` (the build under test), for repmgr_bindir; removed at the end.
struct BinDir {
    std::string path;
    BinDir() {
        char pattern[] = "/tmp/pgwarden-switchover-bin-XXXXXX";
        path = mkdtemp(pattern);
        std::filesystem::permissions(path, std::filesystem::perms(0755));
        std::filesystem::create_symlink(cli_bin(), path + "/pgwarden");
    }
    ~BinDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
    }
};

int count_rows(const PgCluster& cluster, int i) {
    return std::stoi(cluster.psql(i, "SELECT count(*) FROM switchover_rows"));
}

}  // namespace

TEST_CASE("standby switchover through the old primary's pgwardend, and back", "[switchover]") {
    const BinDir bin;
    DaemonCluster dc(switchover_options(bin.path));
    auto& cluster = dc.cluster();
    dc.start_daemons();
    cluster.psql(1, "CREATE TABLE switchover_rows (id int PRIMARY KEY)");
    cluster.psql(1, "INSERT INTO switchover_rows SELECT generate_series(1, 100)");
    cluster.wait_caught_up(2, 1);

    const auto result =
        run_command({cli_bin(), "-f", dc.conf(2), "standby", "switchover"}, 180s, true);
    INFO(result.out << result.err << dc.all_logs());
    CHECK(result.exit_code == 0);
    CHECK(result.err.find("STANDBY SWITCHOVER has completed successfully") != std::string::npos);
    CHECK(dc.wait_primary(2, 10s));
    std::string why;
    CHECK(dc.wait_streaming(1, 2, 60s, &why));
    INFO(why);
    CHECK(count_rows(cluster, 2) == 100);
    CHECK(dc.has_event(2, 2, "standby_switchover"));
    CHECK(dc.wait_event(2, 1, "node_rejoin", 30s));
    // The old primary's lease said fenced (its probe answered 503) before its server stopped,
    // and the drain did not wait for the switchover command's own session.
    const auto log1 = dc.daemon_log(1);
    CHECK(log1.find("handing over to node 2") < log1.find("stopping the server"));
    CHECK(log1.find("0 client sessions left") != std::string::npos);
    const auto lease1 = pgwarden::lease::look_at_lease(dc.lease_file(1));
    REQUIRE(lease1.lease);
    CHECK(lease1.lease->verdict != pgwarden::failover::LeaseVerdict::primary);

    // The old primary's server restarted under its running daemon, which published its PID again
    // (the extension's shared memory had forgotten it): every daemon shows as running.
    const auto all_running = [&] {
        const auto status =
            run_command({cli_bin(), "-f", dc.conf(2), "service", "status", "--csv"}, 30s, true);
        int running = 0;
        std::istringstream lines(status.out);
        for (std::string line; std::getline(lines, line);) {
            std::vector<std::string> fields;
            std::istringstream cells(line);
            for (std::string cell; std::getline(cells, cell, ',');)
                fields.push_back(cell);
            running += fields.size() > 4 && fields[4] == "1" ? 1 : 0;
        }
        return running == 3;
    };
    CHECK(wait_until(all_running, 15s));

    // node3's daemon followed the new primary; then back to node1.
    CHECK(dc.wait_streaming(3, 2, 60s, &why));
    cluster.psql(2, "INSERT INTO switchover_rows SELECT generate_series(101, 200)");
    cluster.wait_caught_up(1, 2);
    const auto back =
        run_command({cli_bin(), "-f", dc.conf(1), "standby", "switchover"}, 180s, true);
    INFO(back.out << back.err);
    CHECK(back.exit_code == 0);
    CHECK(dc.wait_primary(1, 10s));
    CHECK(dc.wait_streaming(2, 1, 60s, &why));
    CHECK(dc.wait_streaming(3, 1, 60s, &why));
    CHECK(count_rows(cluster, 1) == 200);
}

TEST_CASE("standby switchover refuses on the primary and checks everything in --dry-run",
          "[switchover]") {
    DaemonCluster dc;
    dc.start_daemons();
    const auto on_primary =
        run_command({cli_bin(), "-f", dc.conf(1), "standby", "switchover"}, 60s, true);
    CHECK(on_primary.exit_code == 18);
    CHECK(on_primary.err.find("switchover must be executed from the standby node to be promoted") !=
          std::string::npos);

    const auto bad_drain = run_command(
        {cli_bin(), "-f", dc.conf(2), "standby", "switchover", "--drain-timeout=0"}, 60s, true);
    CHECK(bad_drain.exit_code == 1);
    CHECK(bad_drain.err.find("--drain-timeout must be between 1 and 600 seconds, not 0") !=
          std::string::npos);

    const auto dry =
        run_command({cli_bin(), "-f", dc.conf(2), "standby", "switchover", "--dry-run"}, 60s, true);
    INFO(dry.err);
    CHECK(dry.exit_code == 0);
    CHECK(dry.err.find("prerequisites for executing STANDBY SWITCHOVER are met") !=
          std::string::npos);
    CHECK(dry.err.find("would pause repmgrd on node") != std::string::npos);
    // Nothing changed: node1 is the primary, node2 streams from it, nobody was paused.
    CHECK(dc.wait_primary(1, 5s));
    CHECK(dc.wait_streaming(2, 1, 10s));
    const auto status =
        run_command({cli_bin(), "-f", dc.conf(1), "service", "status", "--csv"}, 60s, true);
    // CSV: id,name,type,pg running,daemon running,pid,paused,...: every daemon runs, none paused.
    std::istringstream lines(status.out);
    int rows = 0;
    for (std::string line; std::getline(lines, line);) {
        std::vector<std::string> fields;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');)
            fields.push_back(cell);
        REQUIRE(fields.size() > 6);
        CHECK(fields[4] == "1");
        CHECK(fields[6] == "0");
        ++rows;
    }
    CHECK(rows == 3);
}

TEST_CASE("standby switchover refuses while a sibling standby is not attached", "[switchover]") {
    DaemonCluster dc;
    // No daemon on node3: its own would record standby_failure and mark it inactive as soon as
    // its server stops, and an inactive node is no sibling (as in repmgr), so the switchover
    // would go ahead. The case here is an active sibling that is not streaming.
    dc.start_daemon(1);
    dc.start_daemon(2);
    dc.cluster().stop(3);
    const auto refused =
        run_command({cli_bin(), "-f", dc.conf(2), "standby", "switchover"}, 60s, true);
    INFO(refused.err);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("1 of 1 sibling nodes not attached to the current primary") !=
          std::string::npos);
    CHECK(dc.wait_primary(1, 5s));
}
