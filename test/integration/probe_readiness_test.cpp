// /readiness as Patroni answers it, on a real primary and standby: the leader, or a streaming
// standby within the lag of the WAL it replayed (default) or received (?mode=write).
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::test;
using namespace std::chrono_literals;

TEST_CASE(
    "/readiness: 200 on the primary and a streaming standby, 503 once replay falls 1 MiB "
    "behind unless ?mode=write",
    "[probe]") {
    PgCluster cluster(2);
    ProbeProcess primary(cluster.node(1).conninfo(), probe_log(cluster, 1));
    ProbeProcess standby(cluster.node(2).conninfo(), probe_log(cluster, 2));
    CHECK(primary.status("/readiness") == 200);
    CHECK(primary.request("OPTIONS /readiness HTTP/1.0\r\n\r\n").status == 200);
    REQUIRE(wait_until([&] { return standby.status("/readiness") == 200; }, 20s, 100ms));
    CHECK(standby.status("/readiness?mode=write") == 200);

    // Replay paused, 4 MiB of WAL written: received, not replayed.
    cluster.psql(2, "SELECT pg_wal_replay_pause()");
    cluster.psql(1,
                 "CREATE TABLE filler AS SELECT repeat('x', 1000) AS x"
                 " FROM generate_series(1, 4000)");
    CHECK(wait_until([&] { return standby.status("/readiness") == 503; }, 20s, 100ms));
    CHECK(wait_until([&] { return standby.status("/readiness?mode=write") == 200; }, 20s, 100ms));
    CHECK(standby.status("/readiness?lag=64MB") == 200);
    CHECK(standby.status("/replica") == 200);  // still a replica; only not ready
    cluster.psql(2, "SELECT pg_wal_replay_resume()");
    CHECK(wait_until([&] { return standby.status("/readiness") == 200; }, 20s, 100ms));

    cluster.stop(2);
    CHECK(standby.status("/readiness", 5000ms) == 503);
}
