// Host names in the probe's conninfo are resolved off its event loop: a resolver that never
// answers must not freeze /liveness or the checks' deadlines.
#include "binaries.hpp"
#include "dns_blackhole.hpp"
#include "pg_cluster.hpp"
#include "ports.hpp"
#include "probe_fixture.hpp"
#include "process.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

TEST_CASE("a host name is resolved for libpq and the probe answers 200 through it", "[probe]") {
    PgCluster cluster(1);
    // localhost is in /etc/hosts; libpq gets hostaddr= and never resolves it on the loop.
    ProbeProcess probe(
        fmt::format("host=localhost port={} user=postgres dbname=postgres", cluster.node(1).port),
        probe_log(cluster, 1));
    CHECK(probe.status("/primary") == 200);
    CHECK(probe.get("/metrics").body.find("pgwarden_probe_accepting_connections 1\n") !=
          std::string::npos);
}

TEST_CASE("a resolver that never answers leaves /liveness answering and /primary at 503",
          "[probe]") {
    const std::string dir = fmt::format("/tmp/pgwarden-dns-test-{}", ::getpid());
    std::filesystem::create_directories(dir);
    DnsBlackhole blackhole("127.0.0.53", dir);
    REQUIRE(blackhole.bound());
    const int port = free_tcp_port();
    // In a mount namespace of its own, so only the probe sees this resolv.conf.
    const std::string script =
        "\"$0\" --listen 127.0.0.1 --port \"$2\" --ini /dev/null --query-timeout 1000"
        " --conninfo 'host=db.pgwarden-blackhole.test port=5432 user=postgres' --log-level DEBUG"
        " >\"$1/probe.log\" 2>&1 &\n"
        "probe=$!\n"
        "ask() { curl -s -o /dev/null -w '%{http_code}' -m \"$2\" \"http://127.0.0.1:$port$1\"; }\n"
        "port=$2\n"
        "for i in $(seq 50); do [ \"$(ask /liveness 1)\" = 200 ] && break; sleep 0.1; done\n"
        "echo \"liveness:$(ask /liveness 3)\"\n"
        "echo \"primary:$(ask /primary 5)\"\n"
        "echo \"liveness:$(ask /liveness 3)\"\n"
        "kill $probe; wait $probe\n";
    const auto result =
        run_command(blackhole.shell(script, {probe_bin(), dir, std::to_string(port)}), 90s);
    std::ifstream log(dir + "/probe.log");
    const std::string log_text((std::istreambuf_iterator<char>(log)), {});
    std::filesystem::remove_all(dir);
    INFO(result.describe() << "\n" << result.out << "\n" << log_text);
    REQUIRE(result.exit_code != DnsBlackhole::kMountFailed);
    // The lookup hangs for 20 s; the probe answers while it does, each within the client's bound.
    CHECK(result.out == "liveness:200\nprimary:503\nliveness:200\n");
}
