// pgwarden-probe's accept check against a real postmaster frozen with SIGSTOP: the probe's own
// backend keeps answering, yet the node must stop answering 200 because new clients cannot connect.
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"

#include <catch2/catch.hpp>

#include <signal.h>

#include <string>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++count;
    return count;
}

}  // namespace

TEST_CASE("a frozen postmaster turns /primary to 503 while the probe's own backend still answers",
          "[probe][accept]") {
    PgCluster cluster(1);
    ProbeProcess probe(cluster.node(1).conninfo(), probe_log(cluster, 1),
                       {"--query-timeout", "1000", "--accept-check-interval", "1000"});
    REQUIRE(probe.status("/primary") == 200);
    REQUIRE_THAT(probe.get("/primary").body, Catch::Contains(R"("accepting_connections":true)"));
    const auto backend = probe_backends(cluster, 1);
    REQUIRE(!backend.empty());
    const auto postmaster = cluster.postmaster_pid(1);
    REQUIRE(postmaster);

    {
        REQUIRE(::kill(*postmaster, SIGSTOP) == 0);
        ResumeOnExit resume{*postmaster};
        // One interval plus one accept-check timeout, with room for a loaded machine.
        CHECK(wait_until([&] { return probe.status("/primary") == 503; }, 10s));

        const auto frozen = probe.get("/primary");
        CHECK(frozen.status == 503);
        // The check query still ran on the established connection: the role is known.
        CHECK_THAT(frozen.body, Catch::Contains(R"("role":"primary","state":"running")"));
        CHECK_THAT(frozen.body, Catch::Contains(R"("accepting_connections":false)"));
        CHECK(probe.request("OPTIONS / HTTP/1.0\r\n\r\n").status == 503);  // HAProxy's check
        CHECK(probe.request("OPTIONS GET HTTP/1.0\r\n\r\n").status == 503);
        CHECK(probe.status("/read-write") == 503);
        CHECK(probe.status("/leader") == 503);
        CHECK(probe.status("/health") == 503);
        CHECK(probe.status("/liveness") == 200);
        const auto metrics = probe.get("/metrics").body;
        CHECK_THAT(metrics, Catch::Contains("pgwarden_probe_accepting_connections 0\n"));
        CHECK_THAT(metrics, !Catch::Contains("pgwarden_probe_accept_check_failures_total 0\n"));
    }

    CHECK(wait_until([&] { return probe.status("/primary") == 200; }, 10s));
    CHECK_THAT(probe.get("/primary").body, Catch::Contains(R"("accepting_connections":true)"));
    CHECK(probe_backends(cluster, 1) == backend);  // the same backend answered throughout

    // Quiet: one line for each change of the verdict, none per check or per failed attempt.
    const auto log = probe.process().log_contents();
    CHECK(occurrences(log, "PostgreSQL does not accept new connections") == 1);
    CHECK(occurrences(log, "PostgreSQL accepts new connections again") == 1);
}
