// No client can mark the primary down: 5,000 idle keep-alive connections and a flood of new
// connections from one source, while HAProxy-shaped checks still get the primary's 200 and a
// real HAProxy in front never marks it down.
#include "haproxy.hpp"
#include "pg_cluster.hpp"
#include "probe_fixture.hpp"
#include "tcp_flood.hpp"

#include <catch2/catch.hpp>

#include <sys/resource.h>

#include <fstream>
#include <regex>
#include <string>
#include <thread>

using namespace pgwarden::test;
using namespace std::chrono_literals;

namespace {

constexpr int kIdleSources = 50;
constexpr int kIdlePerSource = 100;  // 5,000 idle keep-alive connections
constexpr const char* kHaproxyCheck = "OPTIONS GET HTTP/1.0\r\n\r\n";  // `option httpchk GET`

// The soft "Max open files" of a process, from /proc.
std::size_t soft_fd_limit(pid_t pid) {
    std::ifstream limits(fmt::format("/proc/{}/limits", pid));
    std::string line;
    while (std::getline(limits, line)) {
        std::smatch match;
        if (std::regex_search(line, match, std::regex(R"(^Max open files\s+(\d+))")))
            return std::stoul(match[1]);
    }
    return 0;
}

std::uint64_t counter(const std::string& metrics, const std::string& name) {
    std::smatch match;
    if (!std::regex_search(metrics, match, std::regex("\n" + name + " (\\d+)\n")))
        return 0;
    return std::stoull(match[1]);
}

// Starts the probe with the soft fd limit at systemd's default 1024, as the unit without
// LimitNOFILE would: the probe must raise it itself.
ProbeProcess probe_with_low_fd_limit(const PgCluster& cluster, std::vector<std::string> args) {
    rlimit own{};
    ::getrlimit(RLIMIT_NOFILE, &own);
    rlimit low = own;
    low.rlim_cur = std::min<rlim_t>(1024, own.rlim_cur);
    ::setrlimit(RLIMIT_NOFILE, &low);
    struct Restore {
        rlimit limit;
        ~Restore() { ::setrlimit(RLIMIT_NOFILE, &limit); }
    } restore{own};
    return ProbeProcess(cluster.node(1).conninfo(), probe_log(cluster, 1), std::move(args));
}

}  // namespace

TEST_CASE(
    "HAProxy's checks get the primary's 200 past 5,000 idle keep-alive connections and a "
    "flood from one source",
    "[probe][flood]") {
    REQUIRE(raise_own_fd_limit() >= 8000);  // this test holds ~5,200 sockets itself
    PgCluster cluster(1);
    // Idle connections are kept (long read timeout and age), so only the policy frees slots.
    auto probe = probe_with_low_fd_limit(
        cluster, {"--max-connections", "5000", "--max-connections-per-source", "100",
                  "--read-timeout", "120000", "--max-connection-age", "600000"});
    CHECK(soft_fd_limit(probe.process().pid()) >= 5000 + 64);
    REQUIRE(probe.request(kHaproxyCheck).status == 200);

    auto idle = open_idle_keep_alive(probe.port(), loopback_sources(kIdleSources), kIdlePerSource,
                                     "GET /liveness HTTP/1.1\r\nHost: x\r\n\r\n");
    // All of them, or the server is full before the flood: the case under test.
    REQUIRE(idle.size() == static_cast<std::size_t>(kIdleSources * kIdlePerSource));

    // A real HAProxy in front (checks every 200 ms, `fall 1`, `timeout check 2s`): one answer
    // late or wrong during the flood marks node1 down in its log.
    HaproxyProcess haproxy(cluster.dir(), {{cluster.node(1).port, probe.port()}});
    const auto through_primary = fmt::format("{}:false", cluster.node(1).port);
    REQUIRE(wait_until([&] { return server_port_through(haproxy.port()) == through_primary; }, 20s,
                       100ms));

    // The flood: new connections from one source, each holding its slot without a request. It
    // runs until stopped below.
    ConnectionFlood flood(probe.port(), "127.0.0.3", 500, 100'000'000);
    REQUIRE(wait_until([&] { return flood.connects() >= 1000; }, 60s, 10ms));

    // HAProxy's checks come from 127.0.0.1, one new connection each, while the flood goes on.
    int answered_200 = 0;
    for (int i = 0; i < 30; ++i) {
        const auto answer = probe.request(kHaproxyCheck);
        INFO("check " << i << ": status " << answer.status << " " << answer.error);
        CHECK(answer.status == 200);
        answered_200 += answer.status == 200 ? 1 : 0;
    }
    CHECK(answered_200 == 30);
    // A GET of the same check, and /replica still says "not a replica": right answers both ways.
    CHECK(probe.status("/primary") == 200);
    CHECK(probe.status("/replica") == 503);

    // Some fifteen of HAProxy's own checks under the flood, judged by HAProxy itself.
    std::this_thread::sleep_for(3s);
    CHECK(server_port_through(haproxy.port()) == through_primary);
    INFO("haproxy log:\n" << haproxy.log_contents());
    CHECK_THAT(haproxy.log_contents(), !Catch::Contains("node1 is DOWN"));

    const auto metrics = probe.get("/metrics").body;
    INFO(metrics);
    CHECK(counter(metrics, "pgwarden_probe_connections_rejected_total") > 0);  // the flood's
    CHECK(counter(metrics, "pgwarden_probe_connections_reaped_total") > 0);    // idle ones
    flood.stop();
    CHECK(flood.connects() >= 1000);
    CHECK_THAT(probe.process().log_contents(),
               Catch::Contains("from 127.0.0.3, max-connections-per-source is 100"));
    CHECK_THAT(probe.process().log_contents(), !Catch::Contains("HTTP primary answered 503"));
}
