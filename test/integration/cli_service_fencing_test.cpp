// `pgwarden service status` under running pgwardends: repmgr's table, then this node's lease and
// what pgwarden-probe answers from it, read through the pgwarden.ini given with --ini.
#include "daemon_cluster.hpp"
#include "repmgr_conf.hpp"
#include "wait.hpp"

#include "lease/lease_file.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

// The daemons' pgwarden.ini with a [probe] section reading the lease where they write it.
std::string ini_with_probe(DaemonCluster& dc, int i) {
    const auto& dir = dc.cluster().node(i).node_dir;
    return daemon_test_ini(dir, {"[probe]", "lease-directory = " + dir});
}

CommandResult service_status(DaemonCluster& dc, int i, std::vector<std::string> args) {
    args.insert(args.begin(), {"service", "status"});
    auto result = run_pgwarden(dc.conf(i), args);
    INFO(result.err);
    REQUIRE(result.exit_code == 0);
    return result;
}

// The lines before the first empty one: repmgr's table.
std::vector<std::string> table_lines(const std::string& out) {
    std::vector<std::string> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line) && !line.empty();)
        lines.push_back(line);
    return lines;
}

bool lease_is(DaemonCluster& dc, int i, pgwarden::failover::LeaseVerdict verdict) {
    const auto look = pgwarden::lease::look_at_lease(dc.lease_file(i));
    return look.lease && look.lease->verdict == verdict;
}

}  // namespace

TEST_CASE(
    "service status shows the local primary's lease and a standby's, and what the probe "
    "answers on each",
    "[cli][service][fencing]") {
    DaemonCluster dc;
    const auto ini1 = ini_with_probe(dc, 1);
    const auto ini2 = ini_with_probe(dc, 2);
    dc.start_daemons();
    using pgwarden::failover::LeaseVerdict;
    REQUIRE(wait_until([&] { return lease_is(dc, 1, LeaseVerdict::primary); }, 20s, 100ms));
    REQUIRE(wait_until([&] { return lease_is(dc, 2, LeaseVerdict::standby); }, 20s, 100ms));

    const auto primary = service_status(dc, 1, {"--ini", ini1});
    INFO(primary.out);
    CHECK_THAT(primary.out,
               Catch::Contains("\nFencing on node 1 (this node): primary lease valid for ") &&
                   Catch::Contains(" s (3 of 3 nodes seen)\n") &&
                   Catch::Contains("\n  pgwarden-probe answers 200 on /primary while the server "
                                   "is a primary: pgwardend's lease is valid for "));
    // repmgr's table comes first, as without pgwarden.ini: header, rule, one row per node.
    CHECK(table_lines(primary.out).size() == 5);
    const auto standby = service_status(dc, 2, {"--ini", ini2});
    INFO(standby.out);
    CHECK_THAT(standby.out,
               Catch::Contains("\nFencing on node 2 (this node): standby (") &&
                   Catch::Contains("\n  pgwarden-probe answers 503 on /primary: pgwardend's "
                                   "verdict is standby: "));

    // Without a pgwarden.ini (none at the default path here) and without a lease file where
    // the default says: repmgr's output alone. Not in the CSV, not with --terse.
    CHECK(service_status(dc, 1, {}).out.find("Fencing") == std::string::npos);
    CHECK(service_status(dc, 1, {"--ini", ini1, "--csv"}).out.find("Fencing") == std::string::npos);
    CHECK(service_status(dc, 1, {"--ini", ini1, "--terse"}).out.find("Fencing") ==
          std::string::npos);

    // pgwardend gone: its lease runs out (fence timeout 3 s), the probe answers 503.
    dc.stop_daemon(1);
    CHECK(wait_until(
        [&] {
            return service_status(dc, 1, {"--ini", ini1}).out.find("primary lease ran out") !=
                   std::string::npos;
        },
        10s, 500ms));
    CHECK_THAT(service_status(dc, 1, {"--ini", ini1}).out,
               Catch::Contains("\n  pgwarden-probe answers 503 on /primary: the lease ran out "));
}

TEST_CASE("service status shows a fenced primary's reason", "[cli][service][fencing]") {
    DaemonCluster dc;
    const auto ini1 = ini_with_probe(dc, 1);
    dc.start_daemons();
    using pgwarden::failover::LeaseVerdict;
    REQUIRE(wait_until([&] { return lease_is(dc, 1, LeaseVerdict::primary); }, 20s, 100ms));
    // Both standbys gone (their daemons first, so they stay voters): fenced after 3 s.
    dc.stop_daemon(2);
    dc.stop_daemon(3);
    dc.cluster().stop(2);
    dc.cluster().stop(3);
    REQUIRE(wait_until([&] { return lease_is(dc, 1, LeaseVerdict::fenced); }, 30s, 100ms));
    const auto fenced = service_status(dc, 1, {"--ini", ini1});
    CHECK_THAT(fenced.out,
               Catch::Contains("\nFencing on node 1 (this node): fenced: no majority seen for "
                               "fence_timeout (3 s)\n  pgwarden-probe answers 503 on /primary: "
                               "pgwardend's verdict is fenced: no majority seen"));
}
