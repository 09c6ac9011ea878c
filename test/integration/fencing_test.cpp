// Fencing on real PostgreSQL 15 with pgwardend and pgwarden-probe: a primary answers 200 on
// /primary only under pgwardend's lease, an old primary that comes back after a failover answers
// 503 from its first check, and a primary that loses its majority fences itself.
#include "daemon_cluster.hpp"
#include "probe_fixture.hpp"
#include "wait.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr auto kFailoverTimeout = 60s;

// Node i's probe, reading the lease node i's pgwardend writes.
ProbeProcess probe_for(DaemonCluster& dc, int i, const std::string& fencing = "auto") {
    auto& cluster = dc.cluster();
    return ProbeProcess(cluster.node(i).conninfo(), cluster.dir() + fmt::format("/probe{}.log", i),
                        {"--node-id", std::to_string(i), "--lease-directory",
                         cluster.node(i).node_dir, "--fencing", fencing});
}

bool logged(const DaemonCluster& dc, int i, const std::string& text) {
    return dc.daemon_log(i).find(text) != std::string::npos;
}

// The logs as they are when the check fails (INFO would keep them as they were when written).
void require_waited(bool ok, const DaemonCluster& dc, const std::string& what) {
    INFO(what << "\n" << dc.all_logs());
    REQUIRE(ok);
}

}  // namespace

TEST_CASE("a primary answers 200 only while pgwardend renews its lease", "[daemon][fencing]") {
    DaemonCluster dc;
    auto probe1 = probe_for(dc, 1);
    // No lease file yet: the probe works alone, as the socat script did.
    REQUIRE(probe1.status("/primary") == 200);
    dc.start_daemons();
    require_waited(wait_until(
                       [&] {
                           return probe1.get("/primary").body.find("\"lease_valid\":true") !=
                                  std::string::npos;
                       },
                       20s, 100ms),
                   dc, "the lease was not renewed");
    CHECK(probe1.status("/primary") == 200);

    // pgwardend gone: its last lease runs out (fence-timeout 3 s) and the probe fails safe.
    dc.stop_daemon(1);
    REQUIRE(wait_until([&] { return probe1.status("/primary") == 503; }, 20s, 100ms));
    CHECK_THAT(probe1.get("/primary").body,
               Catch::Contains("\"lease_valid\":false") && Catch::Contains("ran out"));
    // A probe told to ignore the lease answers from pg_is_in_recovery() alone.
    auto alone = probe_for(dc, 1, "off");
    CHECK(alone.status("/primary") == 200);
    // pgwardend back: renewed again.
    dc.start_daemon(1);
    CHECK(wait_until([&] { return probe1.status("/primary") == 200; }, 20s, 100ms));
}

TEST_CASE("an old primary started again after a failover answers 503 from its first check",
          "[daemon][fencing]") {
    DaemonCluster dc;
    dc.start_daemons();
    auto& cluster = dc.cluster();
    auto probe1 = probe_for(dc, 1);
    auto probe2 = probe_for(dc, 2);
    require_waited(wait_until([&] { return probe1.status("/primary") == 200; }, 20s, 100ms), dc,
                   "node1's probe did not answer 200");

    cluster.kill9(1);
    REQUIRE(dc.wait_primary(2, kFailoverTimeout));
    std::string why;
    REQUIRE(dc.wait_streaming(3, 2, kFailoverTimeout, &why));
    REQUIRE(wait_until([&] { return probe2.status("/primary") == 200; }, 20s, 100ms));

    // The classic split brain: the old primary comes back as a primary. From its first answer
    // on, and after its daemon has judged it, its probe says 503.
    cluster.start(1);
    REQUIRE_FALSE(cluster.is_in_recovery(1));
    int answers = 0;
    const bool fenced = wait_until(
        [&] {
            const int status = probe1.status("/primary");
            ++answers;
            CHECK(status == 503);
            return logged(dc, 1, "another node was promoted after this one") ||
                   logged(dc, 1, "pgwarden_superseded");
        },
        30s, 100ms);
    require_waited(fenced, dc, "node1 was not fenced");
    CHECK(answers > 0);
    for (int i = 0; i < 10; ++i) {
        CHECK(probe1.status("/primary") == 503);
        CHECK(probe2.status("/primary") == 200);
    }
    CHECK_THAT(probe1.get("/primary").body, Catch::Contains("\"lease_valid\":false"));
    CHECK(wait_until([&] { return dc.daemon_log(1).find("pgwarden_fence") != std::string::npos; },
                     10s, 100ms));
}

TEST_CASE(
    "a primary that loses its majority fences itself read-only and is unfenced when it "
    "sees it again",
    "[daemon][fencing]") {
    DaemonClusterOptions options;
    options.daemon_ini = [](int) { return std::vector<std::string>{"fence-action = read-only"}; };
    DaemonCluster dc(options);
    dc.start_daemons();
    auto& cluster = dc.cluster();
    auto probe1 = probe_for(dc, 1);
    require_waited(wait_until([&] { return probe1.status("/primary") == 200; }, 20s, 100ms), dc,
                   "node1's probe did not answer 200");

    // Both standbys gone: node1 sees 1 of 3 nodes. Their daemons go first, or they would mark
    // their stopped nodes inactive (standby_failure), and inactive nodes are no voters.
    dc.stop_daemon(2);
    dc.stop_daemon(3);
    cluster.stop(2);
    cluster.stop(3);
    require_waited(
        wait_until([&] { return logged(dc, 1, "this node is fenced (read-only)"); }, 30s, 100ms),
        dc, "node1 did not fence itself");
    CHECK(probe1.status("/primary") == 503);
    cluster.wait_for_result(1, "SHOW default_transaction_read_only", "on", 10s);
    // A new session cannot write; the server is still a primary (a soft fence).
    CHECK_THROWS(cluster.psql(1, "CREATE TABLE fenced_write (id int)"));
    CHECK_FALSE(cluster.is_in_recovery(1));

    // The standbys come back and nobody was promoted: the fence is lifted.
    cluster.start(2);
    cluster.start(3);
    require_waited(wait_until([&] { return logged(dc, 1, "the fence is lifted"); }, 30s, 100ms), dc,
                   "the fence was not lifted");
    cluster.wait_for_result(1, "SHOW default_transaction_read_only", "off", 10s);
    CHECK(wait_until([&] { return probe1.status("/primary") == 200; }, 20s, 100ms));
}
