// pgwarden node rejoin of a primary that was killed with kill -9 while its standbys streamed and
// was replaced by pgwardend's automatic failover: --force-rewind makes it the new primary's
// standby, with its own per-node config file kept across pg_rewind.
#include "daemon_cluster.hpp"
#include "postgres_user.hpp"
#include "repmgr_conf.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>

using namespace std::chrono_literals;
using pgwarden::test::DaemonCluster;
using pgwarden::test::DaemonClusterOptions;
using pgwarden::test::show_cells;

namespace {

constexpr auto kFailoverTimeout = 30s;

void require_logged(bool ok, const DaemonCluster& dc, const std::string& what) {
    INFO(what << "\n" << dc.all_logs());
    REQUIRE(ok);
}

void append(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::app);
    out << text;
    REQUIRE(out.flush());
    pgwarden::test::give_to_postgres(path);
}

}  // namespace

TEST_CASE("pgwarden node rejoin --force-rewind makes a kill -9ed primary the new primary's standby",
          "[rejoin]") {
    DaemonClusterOptions options;
    // pg_rewind needs wal_log_hints without checksums; node.conf is what differs between nodes,
    // and pg_rewind would overwrite it with the source's.
    options.postgresql_conf = {"wal_log_hints = on", "include_if_exists = 'node.conf'"};
    options.extra_conf = [](int i) {
        return i == 3 ? std::vector<std::string>{"priority=50"} : std::vector<std::string>{};
    };
    DaemonCluster dc(options);
    auto& cluster = dc.cluster();
    for (int i = 1; i <= cluster.size(); ++i)
        append(cluster.node(i).data_dir + "/node.conf",
               fmt::format("cluster_name = 'node{}'\n", i));
    // The port is not in the data directory; -l keeps the server's log off the command's output.
    const auto& node1 = cluster.node(1);
    append(dc.conf(1),
           fmt::format("node_rejoin_timeout=60\nservice_start_command='{} -D {} -o \"-p {}\" -l {} "
                       "-w -t 60 start'\n",
                       pgwarden::test::PgCluster::pg_bin("pg_ctl"), node1.data_dir, node1.port,
                       node1.log_file));
    dc.start_daemons();

    cluster.psql(1, "CREATE TABLE before_crash AS SELECT generate_series(1, 1000) AS n");
    cluster.wait_caught_up(2, 1);
    cluster.wait_caught_up(3, 1);
    cluster.kill9(1);
    require_logged(dc.wait_primary(2, kFailoverTimeout), dc, "node2 was not promoted");
    std::string why;
    require_logged(dc.wait_streaming(3, 2, kFailoverTimeout, &why), dc,
                   "node3 does not follow node2: " + why);
    cluster.psql(2, "CREATE TABLE after_failover AS SELECT generate_series(1, 500) AS n");

    const auto rejoin = pgwarden::test::run_pgwarden(
        dc.conf(1), {"node", "rejoin", "-d", cluster.node(2).conninfo(), "--force-rewind",
                     "--config-files=node.conf", "--config-archive-dir=" + cluster.dir()});
    INFO(rejoin.describe() << "\n"
                           << rejoin.out << rejoin.err << "\nnode1 log:\n"
                           << cluster.log_tail(1, 60));
    REQUIRE(rejoin.ok());
    CHECK(rejoin.err.find("NODE REJOIN successful") != std::string::npos);
    REQUIRE(dc.wait_streaming(1, 2, kFailoverTimeout, &why));
    CHECK(cluster.is_in_recovery(1));
    CHECK(cluster.psql(1, "SELECT count(*) FROM after_failover") == "500");
    CHECK(cluster.psql(1, "SHOW cluster_name") == "node1");
    const auto events = dc.events(2);
    CHECK(std::count(events.begin(), events.end(), "1:node_rejoin:true") == 1);
    // node1's pgwardend, running all along, monitors it as node2's standby now.
    CHECK(pgwarden::test::wait_until(
        [&] {
            return dc.daemon_log(1).find("monitoring connection to upstream node \"node2\"") !=
                   std::string::npos;
        },
        kFailoverTimeout, 200ms));
    const auto show = dc.repmgr().pgwarden(2, {"cluster", "show"});
    INFO(show.out << show.err);
    CHECK(show_cells(show.out, "node1") == "standby|running|node2");
    CHECK(show_cells(show.out, "node2") == "primary|* running|");
    CHECK(show_cells(show.out, "node3") == "standby|running|node2");
}
