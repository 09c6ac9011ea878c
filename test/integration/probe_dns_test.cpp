// Host names in the probe's conninfo are resolved off its event loop: a resolver that never
// answers must not freeze /liveness or the checks' deadlines.
#include "binaries.hpp"
#include "pg_cluster.hpp"
#include "ports.hpp"
#include "probe_fixture.hpp"
#include "process.hpp"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

// A UDP socket on 127.0.0.53:53 that takes DNS queries and never answers.
struct DnsBlackhole {
    DnsBlackhole() {
        fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(53);
        ::inet_pton(AF_INET, "127.0.0.53", &sa.sin_addr);
        bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0;
    }
    ~DnsBlackhole() { ::close(fd); }
    int fd = -1;
    bool bound = false;
};

}  // namespace

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
    DnsBlackhole blackhole;
    REQUIRE(blackhole.bound);
    const std::string dir = fmt::format("/tmp/pgwarden-dns-test-{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/resolv.conf") << "nameserver 127.0.0.53\noptions timeout:10 attempts:2\n";
    const int port = free_tcp_port();
    // In a mount namespace of its own, so only the probe sees this resolv.conf.
    const std::string script =
        "mount --bind \"$1/resolv.conf\" /etc/resolv.conf || exit 90\n"
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
    const auto result = run_command(
        {"unshare", "-m", "sh", "-c", script, probe_bin(), dir, std::to_string(port)}, 90s);
    std::ifstream log(dir + "/probe.log");
    const std::string log_text((std::istreambuf_iterator<char>(log)), {});
    std::filesystem::remove_all(dir);
    INFO(result.describe() << "\n" << result.out << "\n" << log_text);
    REQUIRE(result.exit_code != 90);
    // The lookup hangs for 20 s; the probe answers while it does, each within the client's bound.
    CHECK(result.out == "liveness:200\nprimary:503\nliveness:200\n");
}
