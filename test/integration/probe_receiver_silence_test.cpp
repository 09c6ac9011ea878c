// /replica?lag= on a standby whose WAL receiver still says "streaming" but hears nothing from
// the primary (its walsender frozen, as in a partition): latest_end_lsn keeps the lag at 0 until
// wal_receiver_timeout, so the probe must judge by the age of the last message.
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

// Whether /replica?lag=16MB answers `status` within `limit`, with a write on the primary before
// each look: WAL a streaming standby receives at once, or a frozen walsender never sends.
bool lag_check_reaches(PgCluster& cluster, const ProbeProcess& probe, int status,
                       std::chrono::milliseconds limit) {
    return wait_until(
        [&] {
            cluster.psql(1, "SELECT txid_current()");
            return probe.status("/replica?lag=16MB") == status;
        },
        limit, 200ms);
}

// SIGSTOPs node1's walsender: the standby's receiver still says "streaming" but hears nothing.
pid_t freeze_walsender(PgCluster& cluster) {
    const auto walsender = std::stoi(cluster.psql(1, "SELECT pid FROM pg_stat_replication"));
    REQUIRE(::kill(walsender, SIGSTOP) == 0);
    return walsender;
}

}  // namespace

TEST_CASE("a standby silent past --max-receiver-silence fails ?lag= while still streaming",
          "[probe]") {
    PgCluster cluster(2);
    // wal_receiver_timeout stays at its default (60 s): every wait below ends long before it, so
    // the receiver never notices the freeze itself.
    ProbeProcess probe(cluster.node(2).conninfo(), probe_log(cluster, 2),
                       {"--max-receiver-silence", "3000"});
    // Fresh: a write on the primary reaches the standby at once.
    REQUIRE(lag_check_reaches(cluster, probe, 200, 20s));
    {
        ResumeOnExit resume{freeze_walsender(cluster)};
        CHECK(lag_check_reaches(cluster, probe, 503, 30s));
        const auto body = probe.get("/replica?lag=16MB").body;
        INFO(body);
        CHECK_THAT(body, Catch::Contains(R"("replication_state":"streaming")"));
        CHECK_THAT(body, Catch::Contains(R"("lag_bytes":null)"));
        CHECK(probe.status("/replica") == 200);  // still a running standby, as Patroni's /replica
        CHECK_THAT(probe.process().log_contents(),
                   Catch::Contains("last message from the primary is"));
    }
    // Heard from again: the lag counts once more.
    CHECK(lag_check_reaches(cluster, probe, 200, 30s));
}

TEST_CASE("without --max-receiver-silence the bound is 3/4 of the standby's wal_receiver_timeout",
          "[probe]") {
    PgCluster cluster(2);
    // 20 s: the probe's bound is 15 s, and the receiver gives up on its silent primary only at
    // 20 s, so between the two the standby still streams and only the bound can fail ?lag=.
    cluster.psql(2, "ALTER SYSTEM SET wal_receiver_timeout = '20s'");
    cluster.psql(2, "SELECT pg_reload_conf()");
    cluster.wait_for_result(2, "SHOW wal_receiver_timeout", "20s");
    ProbeProcess probe(cluster.node(2).conninfo(), probe_log(cluster, 2));
    REQUIRE(lag_check_reaches(cluster, probe, 200, 20s));
    ResumeOnExit resume{freeze_walsender(cluster)};
    CHECK(lag_check_reaches(cluster, probe, 503, 19s));
    // The setting came through the query: the bound the probe names is 3/4 of 20 s.
    CHECK_THAT(probe.process().log_contents(), Catch::Contains("(bound 15000 ms)"));
}
