// Real HAProxy (Debian's 2.6) routing by pgwarden-probe, configured as the field configures it.
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"

#include <catch2/catch.hpp>

#include <fstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kHaproxy = "/usr/sbin/haproxy";

// The read-write listener of the repmgr + socat guides, with fast checks so the test is short:
// `option httpchk GET` makes HAProxy send "OPTIONS GET HTTP/1.0", which must mean "/".
std::string haproxy_config(int listen_port, const std::vector<std::pair<int, int>>& servers) {
    std::string config = fmt::format(
        "global\n"
        "    maxconn 100\n"
        "defaults\n"
        "    mode tcp\n"
        "    timeout connect 2s\n"
        "    timeout client 30s\n"
        "    timeout server 30s\n"
        "    timeout check 2s\n"
        "listen postgres_rw\n"
        "    bind 127.0.0.1:{}\n"
        "    option httpchk GET\n"
        "    http-check expect status 200\n"
        "    default-server inter 200ms fall 1 rise 1 on-marked-down shutdown-sessions\n",
        listen_port);
    int n = 0;
    for (const auto& [pg_port, probe_port] : servers) {
        config +=
            fmt::format("    server node{} 127.0.0.1:{} check port {}\n", ++n, pg_port, probe_port);
    }
    return config;
}

// The port of the PostgreSQL server a new session through HAProxy lands on, or "" on failure.
std::string server_port_through(int haproxy_port) {
    const auto result =
        run_command({PgCluster::pg_bin("psql"), "-X", "-At", "-h", "127.0.0.1", "-p",
                     std::to_string(haproxy_port), "-U", "postgres", "-d", "postgres", "-c",
                     "SELECT inet_server_port() || ':' || pg_is_in_recovery()"},
                    10s);
    return result.ok() ? result.out.substr(0, result.out.find('\n')) : "";
}

}  // namespace

TEST_CASE("psql through HAProxy reaches the primary, and the new primary after a promotion",
          "[haproxy]") {
    PgCluster cluster(2);
    ProbeProcess probe1(cluster.node(1).conninfo(), cluster.dir() + "/probe1.log");
    ProbeProcess probe2(cluster.node(2).conninfo(), cluster.dir() + "/probe2.log");

    const int listen_port = free_tcp_port();
    const std::string config_path = cluster.dir() + "/haproxy.cfg";
    std::ofstream(config_path) << haproxy_config(
        listen_port,
        {{cluster.node(1).port, probe1.port()}, {cluster.node(2).port, probe2.port()}});
    REQUIRE(run_command({kHaproxy, "-c", "-f", config_path}, 10s).ok());
    ChildProcess haproxy({kHaproxy, "-db", "-f", config_path}, cluster.dir() + "/haproxy.log");

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
        run_command({kHaproxy, "-c", "-f", PGWARDEN_SOURCE_DIR "/etc/haproxy.cfg"}, 10s);
    INFO(check.describe());
    CHECK(check.ok());
}
