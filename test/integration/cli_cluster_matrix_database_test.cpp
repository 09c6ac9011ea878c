// pgwarden cluster matrix and cluster crosscheck through the database, with pgwardend on every
// node and no sshd: each node's row is the view its daemon publishes in pg_stat_activity, or
// the copy another daemon relays. The tables, CSV and exit codes are those the SSH path gives
// (and repmgr's, cli_cluster_matrix_ssh_test.cpp) on the same layout, all up or node3 stopped.
#include "daemon_cluster.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

// Two sweeps (10 s apart) and room for a busy machine: the first sweep of the daemon started
// first finds no other view to relay yet.
constexpr auto kViewsTimeout = 30s;

// The views published on node i, one per line.
std::string views_on(DaemonCluster& dc, int i) {
    try {
        return dc.cluster().psql(i,
                                 "SELECT query FROM pg_stat_activity WHERE state = 'idle'"
                                 " AND query LIKE 'SELECT ''pgwarden-view v1 %'");
    } catch (const std::exception&) {
        return {};
    }
}

// Node i's daemon published its row and relays each of `relayed`, and its row has `cells`.
bool publishes(DaemonCluster& dc, int i, const std::string& cells,
               const std::vector<int>& relayed) {
    const auto view = views_on(dc, i);
    if (view.find(fmt::format("v1 {}@", i)) == std::string::npos ||
        view.find(cells) == std::string::npos)
        return false;
    for (const int other : relayed)
        if (view.find(fmt::format(";{}@", other)) == std::string::npos)
            return false;
    // Only the rows asked for: a relayed row of a stopped node must have gone.
    return static_cast<std::size_t>(std::count(view.begin(), view.end(), ';')) == relayed.size();
}

void require_views(DaemonCluster& dc, const std::vector<std::pair<int, std::vector<int>>>& want,
                   const std::string& cells) {
    const bool ok = wait_until(
        [&] {
            for (const auto& [node, relayed] : want)
                if (!publishes(dc, node, cells, relayed))
                    return false;
            return true;
        },
        kViewsTimeout, 250ms);
    INFO("node1: " << views_on(dc, 1) << "\nnode2: " << views_on(dc, 2)
                   << "\nnode3: " << views_on(dc, 3) << "\n"
                   << dc.all_logs());
    REQUIRE(ok);
}

void check_result(const CommandResult& result, int exit_code, const std::string& out) {
    INFO(result.out << result.err);
    CHECK(result.exit_code == exit_code);
    CHECK(result.out == out);
    // Everything came from the views: no node was asked over ssh.
    CHECK(result.err.find("SSH") == std::string::npos);
}

const std::string kAllUpTable =
    " Name  | ID | 1 | 2 | 3\n"
    "-------+----+---+---+---\n"
    " node1 | 1  | * | * | * \n"
    " node2 | 2  | * | * | * \n"
    " node3 | 3  | * | * | * \n";
const std::string kAllUpCsv = "1,1,0\n1,2,0\n1,3,0\n2,1,0\n2,2,0\n2,3,0\n3,1,0\n3,2,0\n3,3,0\n";

const std::string kNode3DownTable =
    " Name  | ID | 1 | 2 | 3\n"
    "-------+----+---+---+---\n"
    " node1 | 1  | * | * | x \n"
    " node2 | 2  | * | * | x \n"
    " node3 | 3  | ? | ? | ? \n";
const std::string kNode3DownCsv =
    "1,1,0\n1,2,0\n1,3,-1\n2,1,0\n2,2,0\n2,3,-1\n3,1,-2\n3,2,-2\n3,3,-2\n";

}  // namespace

TEST_CASE("cluster matrix and crosscheck read pgwardend's views without ssh, all up or one down",
          "[cli][cluster][daemon]") {
    DaemonCluster dc;
    dc.start_daemons();
    const auto& rc = dc.repmgr();

    require_views(dc, {{1, {2, 3}}, {2, {1, 3}}, {3, {1, 2}}}, ":1=0,2=0,3=0");
    for (const int node : {1, 3}) {
        INFO("from node" << node);
        check_result(rc.pgwarden(node, {"cluster", "matrix"}), 0, kAllUpTable);
        check_result(rc.pgwarden(node, {"cluster", "matrix", "--csv"}), 0, kAllUpCsv);
        check_result(rc.pgwarden(node, {"cluster", "crosscheck"}), 0, kAllUpTable);
        check_result(rc.pgwarden(node, {"cluster", "crosscheck", "--csv"}), 0, kAllUpCsv);
    }

    // node3's server stops (its daemon keeps running, but can publish nothing): the others see
    // it down at their next sweep and stop relaying its last row, so its row is not known.
    dc.cluster().stop(3);
    require_views(dc, {{1, {2}}, {2, {1}}}, ":1=0,2=0,3=-1");
    check_result(rc.pgwarden(1, {"cluster", "matrix"}), 25, kNode3DownTable);
    check_result(rc.pgwarden(2, {"cluster", "matrix", "--csv"}), 25, kNode3DownCsv);
    // crosscheck asks node3 over ssh, as repmgr would, and says so; the merged views are the
    // same as the SSH path's.
    const auto cross = rc.pgwarden(1, {"cluster", "crosscheck"});
    INFO(cross.out << cross.err);
    CHECK(cross.exit_code == 25);
    CHECK(cross.out == kNode3DownTable);
    CHECK(cross.err.find("node 3 inaccessible via SSH") != std::string::npos);
    const auto cross_csv = rc.pgwarden(2, {"cluster", "crosscheck", "--csv"});
    CHECK(cross_csv.exit_code == 25);
    CHECK(cross_csv.out == kNode3DownCsv);
}
