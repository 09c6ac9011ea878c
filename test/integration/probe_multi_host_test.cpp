// libpq moving to the next host mid-connect (host=a,b with a refusing) opens a new socket that
// may reuse the old one's fd number: the probe must still watch it and answer at once.
#include "pg_cluster.hpp"
#include "ports.hpp"
#include "probe_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::test;
using namespace std::chrono_literals;

TEST_CASE("a two-host conninfo whose first host refuses gets 200 from the second at once",
          "[probe]") {
    PgCluster cluster(1);
    const int closed_port = free_tcp_port();  // reserved for us, and nobody listens there
    const auto conninfo =
        fmt::format("host=127.0.0.1,127.0.0.1 port={},{} user=postgres dbname=postgres",
                    closed_port, cluster.node(1).port);
    ProbeProcess probe(conninfo, probe_log(cluster, 1), {"--query-timeout", "2000"});
    // A connect that hangs on an unwatched socket ends at the query timeout with a 503 (and the
    // accept check, which connects the same way, fails too); the client waits longer than that,
    // so only the answer decides.
    for (int i = 0; i < 3; ++i) {
        const auto answer = probe.get("/primary", 2000ms + 3000ms);
        INFO(answer.body << "\n" << probe.process().log_contents());
        CHECK(answer.status == 200);
        // A fresh connection each time: the first host is tried and refused again.
        cluster.psql(1,
                     "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                     " WHERE application_name = 'pgwarden-probe'");
    }
}
