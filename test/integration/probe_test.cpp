// pgwarden-probe against real PostgreSQL 15 clusters from the harness.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace pgwarden::test;
using namespace std::chrono_literals;

TEST_CASE("the primary answers 200 and a standby 503 on every primary alias", "[probe]") {
    PgCluster cluster(2);
    ProbeProcess primary(cluster.node(1).conninfo(), probe_log(cluster, 1));
    ProbeProcess standby(cluster.node(2).conninfo(), probe_log(cluster, 2));

    for (const char* path : {"/", "/primary", "/master", "/leader", "/read-write"}) {
        INFO(path);
        CHECK(primary.status(path) == 200);
        CHECK(standby.status(path) == 503);
    }
    // The exact bytes HAProxy 2.6 sends for `option httpchk` and `option httpchk GET`.
    for (const char* raw : {"OPTIONS / HTTP/1.0\r\n\r\n", "OPTIONS GET HTTP/1.0\r\n\r\n",
                            "GET /master HTTP/1.0\r\n\r\n"}) {
        INFO(raw);
        CHECK(primary.request(raw).status == 200);
        CHECK(standby.request(raw).status == 503);
    }
    CHECK(primary.status("/replica") == 503);
    CHECK(standby.status("/replica") == 200);
    CHECK(primary.status("/read-only") == 200);
    CHECK(standby.status("/read-only") == 200);
    CHECK(primary.status("/health") == 200);
    CHECK(standby.status("/health") == 200);

    const auto body = standby.get("/replica").body;
    CHECK_THAT(body, Catch::Contains(R"("role":"standby")"));
    CHECK_THAT(body, Catch::Contains(R"("replication_state":"streaming")"));
    CHECK_THAT(body, !Catch::Contains("host="));  // never the conninfo
    CHECK_THAT(primary.get("/primary").body, Catch::Contains(R"("timeline":1)"));
}

TEST_CASE("after pg_ctl promote the very next request answers 200", "[probe]") {
    PgCluster cluster(2);
    ProbeProcess probe(cluster.node(2).conninfo(), probe_log(cluster, 2));
    REQUIRE(probe.status("/primary") == 503);  // the probe's connection is warm

    cluster.promote(2);  // pg_ctl promote -w: returns once node2 left recovery
    const auto answer = probe.get("/primary");
    CHECK(answer.status == 200);
    CHECK_THAT(answer.body, Catch::Contains(R"("timeline":2)"));
    CHECK(probe.status("/replica") == 503);
    CHECK_THAT(probe.process().log_contents(),
               Catch::Contains("role changed from standby to primary"));
}

TEST_CASE("a stopped PostgreSQL gives 503 within the query timeout, and the truth after restart",
          "[probe]") {
    PgCluster cluster(1);
    ProbeProcess probe(cluster.node(1).conninfo(), probe_log(cluster, 1),
                       {"--query-timeout", "1000"});
    REQUIRE(probe.status("/primary") == 200);

    cluster.stop(1);
    // The client gives up at the query timeout plus a margin: a later answer fails the test.
    const auto down = probe.get("/primary", 1000ms + 1500ms);
    CHECK_FALSE(down.timed_out);
    CHECK(down.status == 503);
    CHECK_THAT(down.body, Catch::Contains(R"("state":"unreachable")"));
    CHECK(probe.status("/health", 2500ms) == 503);
    CHECK(probe.status("/liveness") == 200);  // the probe itself is fine

    cluster.start(1);
    CHECK(wait_until([&] { return probe.status("/primary") == 200; }, 15s));
    CHECK(probe.status("/health") == 200);
}

TEST_CASE("a hung backend gives 503 at the query timeout, then a fresh connection recovers",
          "[probe]") {
    PgCluster cluster(1);
    ProbeProcess probe(cluster.node(1).conninfo(), probe_log(cluster, 1),
                       {"--query-timeout", "500"});
    REQUIRE(probe.status("/primary") == 200);
    const auto backend = probe_backends(cluster, 1);
    REQUIRE(!backend.empty());
    const pid_t pid = std::stoi(backend.substr(0, backend.find('|')));

    {
        REQUIRE(::kill(pid, SIGSTOP) == 0);
        ResumeOnExit resume{pid};
        const auto hung = probe.get("/primary", 500ms + 1500ms);
        CHECK_FALSE(hung.timed_out);
        CHECK(hung.status == 503);
        CHECK_THAT(hung.body, Catch::Contains(R"("state":"unreachable")"));
    }
    CHECK(wait_until([&] { return probe.status("/primary") == 200; }, 10s));
    CHECK(probe_backends(cluster, 1) != backend);  // a new backend replaced the hung one
}

TEST_CASE("a thousand checks are served by one PostgreSQL backend", "[probe]") {
    PgCluster cluster(1);
    ProbeProcess probe(cluster.node(1).conninfo(), probe_log(cluster, 1));
    REQUIRE(probe.status("/primary") == 200);
    const auto before = probe_backends(cluster, 1);
    REQUIRE(before.find('\n') == std::string::npos);  // exactly one

    // Four clients at once, so checks overlap and share queries.
    constexpr int kClients = 4;
    constexpr int kChecksEach = 250;
    std::atomic<int> ok{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            for (int i = 0; i < kChecksEach; ++i) {
                if (probe.status("/primary") == 200)
                    ++ok;
            }
        });
    }
    for (auto& client : clients)
        client.join();
    CHECK(ok == kClients * kChecksEach);
    CHECK(probe_backends(cluster, 1) == before);  // same pid, same start: no new backend
}

TEST_CASE("a standby lagging beyond ?lag= answers 503 on /replica, and 200 once caught up",
          "[probe]") {
    PgCluster cluster(2);
    ProbeProcess probe(cluster.node(2).conninfo(), probe_log(cluster, 2));
    REQUIRE(probe.status("/replica?lag=1MB") == 200);

    cluster.psql(2, "SELECT pg_wal_replay_pause()");
    cluster.psql(1,
                 "CREATE TABLE filler AS SELECT g, repeat('x', 100) AS pad"
                 " FROM generate_series(1, 50000) g");
    CHECK(wait_until([&] { return probe.status("/replica?lag=1MB") == 503; }, 15s));
    CHECK(probe.status("/replica") == 200);  // no limit: still a running standby
    CHECK(probe.status("/replica?lag=1GB") == 200);
    CHECK(probe.status("/read-only?lag=1MB") == 503);
    CHECK(probe.status("/replica?lag=lots") == 400);

    cluster.psql(2, "SELECT pg_wal_replay_resume()");
    CHECK(wait_until([&] { return probe.status("/replica?lag=1MB") == 200; }, 15s));
}

TEST_CASE("a malformed request gets 400, the probe keeps serving, and metrics count the checks",
          "[probe]") {
    PgCluster cluster(1);
    ProbeProcess probe(cluster.node(1).conninfo(), probe_log(cluster, 1));
    CHECK(probe.request("\x01\x02 nonsense\r\n\r\n").status == 400);
    CHECK(probe.request("GET / HTTP/1.1\r\nHost: x\r\n" + std::string(9000, 'a') + ": b\r\n\r\n")
              .status == 431);
    CHECK(probe.status("/primary") == 200);
    CHECK(probe.status("/nowhere") == 404);

    const auto metrics = probe.get("/metrics").body;
    CHECK_THAT(metrics, Catch::Contains(
                            R"(pgwarden_probe_checks_total{endpoint="primary",status="200"} 1)"));
    CHECK_THAT(metrics, Catch::Contains(R"(pgwarden_probe_role{role="primary"} 1)"));
    CHECK_THAT(metrics, Catch::Contains("pgwarden_probe_query_duration_seconds_count"));
}

TEST_CASE("a second probe on a busy port exits with a message naming the port", "[probe]") {
    PgCluster cluster(1);
    ProbeProcess probe(cluster.node(1).conninfo(), probe_log(cluster, 1));
    const auto clash = run_command({pgwarden::test::probe_bin(), "--listen", "127.0.0.1", "--port",
                                    std::to_string(probe.port()), "--conninfo",
                                    cluster.node(1).conninfo(), "--ini", "/dev/null"},
                                   10s);
    CHECK(clash.exit_code == 2);
    CHECK_THAT(clash.err,
               Catch::Contains(fmt::format("cannot listen on 127.0.0.1:{}", probe.port())));
    CHECK(probe.status("/primary") == 200);  // the first one is undisturbed
}
