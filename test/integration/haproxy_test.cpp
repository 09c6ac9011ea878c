// Real HAProxy (Debian's 2.6) routing by pgwarden-probe, configured as the field configures it.
#include "haproxy.hpp"
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"

#include <catch2/catch.hpp>

using namespace pgwarden::test;
using namespace std::chrono_literals;

TEST_CASE("psql through HAProxy reaches the primary, and the new primary after a promotion",
          "[haproxy]") {
    PgCluster cluster(2);
    ProbeProcess probe1(cluster.node(1).conninfo(), cluster.dir() + "/probe1.log");
    ProbeProcess probe2(cluster.node(2).conninfo(), cluster.dir() + "/probe2.log");

    HaproxyProcess haproxy(cluster.dir(), {{cluster.node(1).port, probe1.port()},
                                           {cluster.node(2).port, probe2.port()}});
    const int listen_port = haproxy.port();

    const std::string on_node1 = fmt::format("{}:false", cluster.node(1).port);
    const std::string on_node2 = fmt::format("{}:false", cluster.node(2).port);
    std::string landed;
    CHECK(wait_until([&] { return (landed = server_port_through(listen_port)) == on_node1; }, 15s));
    INFO("landed on " << landed << "; haproxy log:\n" << haproxy.log_contents());
    CHECK(landed == on_node1);

    cluster.stop(1);
    cluster.promote(2);
    CHECK(wait_until([&] { return (landed = server_port_through(listen_port)) == on_node2; }, 15s));
    CHECK(landed == on_node2);
}

TEST_CASE("the sample haproxy.cfg from etc/ is valid for Debian's HAProxy", "[haproxy]") {
    const auto check =
        run_command({kHaproxyBin, "-c", "-f", PGWARDEN_SOURCE_DIR "/etc/haproxy.cfg"}, 10s);
    INFO(check.describe());
    CHECK(check.ok());
}
